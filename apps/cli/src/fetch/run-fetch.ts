import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { downloadWithProgress, type DownloadResult } from '@courier/download';
import { createClient, isCourierError, type CourierError } from '@courier/origin';
import { CliError, type CliIo } from '../io.ts';
import { exitCodeFor, exitCodes } from '../exit-codes.ts';
import { formatBytes, formatRate, shownUrl } from './format.ts';
import { progressViewFor, type ProgressStream } from './progress-view.ts';

export interface FetchFlags {
  output: string;
  sha256?: string;
  size?: string;
  quiet?: boolean;
  json?: boolean;
}

/** What the command reads besides its flags; tests may pass their own stream. */
export interface FetchContext {
  io: CliIo;
  /** Where progress is drawn (a bar when it is a TTY). */
  progress: ProgressStream;
}

function parseFlags(flags: FetchFlags): { sha256?: string; size?: number } {
  const out: { sha256?: string; size?: number } = {};
  if (flags.sha256 !== undefined) {
    if (!/^[0-9a-fA-F]{64}$/.test(flags.sha256)) throw new CliError(`--sha256: expected 64 hexadecimal digits, got ${JSON.stringify(flags.sha256)}`, exitCodes.usage);
    out.sha256 = flags.sha256.toLowerCase();
  }
  if (flags.size !== undefined) {
    const size = Number(flags.size);
    if (!/^\d+$/.test(flags.size) || !Number.isSafeInteger(size)) throw new CliError(`--size: expected a number of bytes, got ${JSON.stringify(flags.size)}`, exitCodes.usage);
    out.size = size;
  }
  return out;
}

/** A CourierError's message with the URL's credentials taken out (the lib's messages quote the URL). */
function redacted(error: CourierError, url: string): string {
  const shown = shownUrl(url);
  let message = error.message;
  for (const raw of new Set([url, safeHref(url)])) if (raw && raw !== shown) message = message.split(raw).join(shown);
  return message;
}

function safeHref(url: string): string | null {
  try {
    return new URL(url).href;
  } catch {
    return null;
  }
}

/**
 * `-o FILE` against the directory the user ran the command from: `npm run courier` runs it in
 * the repository root, and says where the user was in `INIT_CWD`.
 */
export function outputPath(output: string, env: NodeJS.ProcessEnv): string {
  return isAbsolute(output) || !env.INIT_CWD ? output : resolve(env.INIT_CWD, output);
}

async function partSize(output: string): Promise<number | null> {
  return stat(`${output}.part`).then(
    (s) => s.size,
    () => null,
  );
}


/**
 * `courier fetch URL -o FILE`: downloads with `@courier/download` (resumable, verified, fsynced,
 * renamed into place), draws progress on stderr, and prints `<sha256>  FILE` on stdout.
 * Ctrl-C (SIGINT) or SIGTERM stops cleanly: the part and its sidecar are kept, and the same
 * command resumes. Failures throw a CliError whose exit code follows exit-codes.ts.
 */
export async function runFetch(url: string, given: FetchFlags, ctx: FetchContext): Promise<void> {
  const flags = { ...given, output: outputPath(given.output, ctx.io.env) };
  const { sha256, size } = parseFlags(flags);
  const view = progressViewFor(ctx.progress, flags.quiet === true);
  const controller = new AbortController();
  let stoppedBy: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stoppedBy) {
      // A second Ctrl-C: leave at once. The part keeps what reached the disk; a resume re-checks its tail.
      view.stop();
      ctx.io.err('courier fetch: stopped at once');
      process.exit(signal === 'SIGTERM' ? exitCodes.sigterm : exitCodes.sigint);
    }
    stoppedBy = signal;
    view.stop();
    ctx.io.err(`courier fetch: ${signal}: stopping, keeping ${flags.output}.part for a resume (Ctrl-C again to quit at once)`);
    controller.abort(new Error(`stopped by ${signal}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const client = createClient();
  const started = performance.now();
  let result: DownloadResult;
  try {
    const { progress, done } = downloadWithProgress(client, url, flags.output, {
      ...(sha256 ? { sha256 } : {}),
      ...(size !== undefined ? { size } : {}),
      signal: controller.signal,
      // Every write is reported: the meter's throttle would drop the report of a stalled
      // transfer's last bytes; the views throttle their own drawing (cli-progress at 10 fps,
      // the line view at 10 % steps).
      progressIntervalMs: 0,
    });
    for await (const p of progress) view.update(p);
    result = await done;
  } catch (error) {
    view.stop();
    if (stoppedBy) {
      const kept = await partSize(flags.output);
      const what = kept === null ? 'nothing was kept' : `${formatBytes(kept)} kept in ${flags.output}.part`;
      throw new CliError(`fetch stopped by ${stoppedBy}: ${what}; run the same command again to resume`, stoppedBy === 'SIGTERM' ? exitCodes.sigterm : exitCodes.sigint);
    }
    if (!isCourierError(error)) throw error;
    // The download leaves no part behind when there is nothing to resume from (it removes an empty one itself).
    const kept = await partSize(flags.output);
    const hint = kept !== null && kept > 0 ? ` (${formatBytes(kept)} kept in ${flags.output}.part: run the same command again to resume)` : '';
    throw new CliError(`fetch ${shownUrl(url)}: ${error.code}: ${redacted(error, url)}${hint}`, exitCodeFor(error.code));
  } finally {
    view.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await client.destroy();
  }

  const seconds = (performance.now() - started) / 1000;
  if (!flags.quiet) {
    const resumed = result.resumedFrom > 0 ? `, resumed at ${formatBytes(result.resumedFrom)}` : '';
    ctx.io.err(`courier fetch: saved ${flags.output} (${formatBytes(result.bytes)} in ${seconds.toFixed(1)} s, ${formatRate(result.fetchedBytes / Math.max(seconds, 0.001))}${resumed})`);
  }
  // sha256sum's format, so `courier fetch … | sha256sum -c` style checks work.
  if (flags.json) ctx.io.out(JSON.stringify({ sha256: result.sha256, file: flags.output, bytes: result.bytes, resumedFrom: result.resumedFrom }));
  else ctx.io.out(`${result.sha256}  ${flags.output}`);
}
