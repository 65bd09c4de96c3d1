// Debian's chromium driven by playwright-core (no browser download: the package is the browser).
// Headless, sandbox off (tests run as root), no background traffic, a fresh profile each time.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { ensureDebianPackage } from '../../harness/debian-package.ts';

/** The flags the dashboard issue asks for: quiet, headless, nothing fetched from the network but the page. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors seen so far, as text. */
  errors: string[];
  close(): Promise<void>;
}

/** Launches chromium (installed with apt where missing) with a fresh user-data dir, one page open. */
export async function launchBrowser(options: { width?: number; height?: number } = {}): Promise<Browser> {
  const executablePath = await ensureDebianPackage('chromium', 'chromium', 'The dashboard tests drive Debian’s chromium through playwright-core.');
  const userDataDir = await mkdtemp(join(tmpdir(), 'courier-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: chromiumArgs,
    viewport: { width: options.width ?? 1400, height: options.height ?? 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`page: ${error.message}`));
  let closing: Promise<void> | undefined;
  return {
    context,
    page,
    errors,
    close() {
      closing ??= context.close().finally(() => rm(userDataDir, { recursive: true, force: true }));
      return closing;
    },
  };
}
