// `courier fetch` end to end, as a user runs it: a child process against a loopback fixture
// whose route honours Range / If-Range. Ctrl-C is a real SIGINT, sent once the child reports
// (on stderr) bytes on disk; the second run must ask for the rest with a Range request.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { forThisTest, startHttpFixture, type HttpFixture } from '../../../../test/fixtures/index.ts';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
/** The root `start` script's command line, minus the subcommand. */
const courier = ['--conditions=@courier/source', '--import', 'tsx', 'apps/cli/src/main.ts'];
const MiB = 1024 * 1024;
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

interface Run {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stderr so far satisfies `ready` (checked on every chunk). */
  stderrUntil(ready: (text: string) => boolean): Promise<void>;
  exited: Promise<number | null>;
}

function fetchCli(args: string[]): Run {
  const child = spawn(process.execPath, [...courier, 'fetch', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  });
  let out = '';
  let err = '';
  const waiters = new Set<{ ready: (t: string) => boolean; resolve: () => void }>();
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => {
    err += c.toString();
    for (const w of waiters) {
      if (!w.ready(err)) continue;
      waiters.delete(w);
      w.resolve();
    }
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    stderrUntil: (ready) =>
      ready(err)
        ? Promise.resolve()
        : Promise.race([
            new Promise<void>((resolve) => waiters.add({ ready, resolve })),
            exited.then((code) => {
              throw new Error(`courier fetch exited (${code}) before the expected output:\n${err}`);
            }),
          ]),
    exited,
  };
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'courier-fetch-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const fixture = (): Promise<HttpFixture> => forThisTest(startHttpFixture());

interface RangeFile {
  url: string;
  /** Lets a held first response go on (it holds after `holdAfter` bytes). */
  release(): void;
}

/**
 * `body` at `path`, with an ETag, honouring `Range: bytes=N-` (+ `If-Range`). The first
 * response stops after `holdAfter` bytes and keeps the connection open until `release()`:
 * a stalled link, so the CLI is interrupted mid-way whatever the machine's speed.
 */
function serveRangeFile(origin: HttpFixture, route: string, body: Buffer, holdAfter: number): RangeFile {
  const etag = `"${sha256(body).slice(0, 16)}"`;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  onTestFinished(() => release());
  let responses = 0;
  origin.route(route, async (req: IncomingMessage, res: ServerResponse) => {
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    const start = m && (ifRange === undefined || ifRange === etag) ? Number(m[1]) : 0;
    const first = responses++ === 0;
    res.writeHead(start > 0 ? 206 : 200, {
      'content-type': 'application/octet-stream',
      'content-length': body.length - start,
      'accept-ranges': 'bytes',
      etag,
      ...(start > 0 ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
    });
    for (let at = start; at < body.length && !res.destroyed; ) {
      if (first && at === holdAfter) await released;
      const end = Math.min(body.length, at + 64 * 1024, first && at < holdAfter ? holdAfter : body.length);
      if (!res.write(body.subarray(at, end))) await once(res, 'drain').catch(() => {});
      at = end;
    }
    res.end();
  });
  return { url: `${origin.url}${route}`, release };
}

describe('courier fetch', () => {
  it('stops cleanly on Ctrl-C (exit 130, part kept) and resumes with a Range request when run again', async () => {
    const origin = await fixture();
    const body = randomBytes(8 * MiB);
    const file = serveRangeFile(origin, '/fw.bin', body, 5 * MiB);
    const dir = await tempDir();
    const output = path.join(dir, 'fw.bin');
    const args = [file.url, '-o', output, '--sha256', sha256(body)];

    const first = fetchCli(args);
    // Not a TTY: a line at each 10 % step reached. "40 %" or more: that much of the file is on our disk.
    await first.stderrUntil((t) => [...t.matchAll(/courier fetch: (\d+) %/g)].some((m) => Number(m[1]) >= 40));
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(130);
    expect(first.stderr()).toMatch(/run the same command again to resume/);
    expect((await readdir(dir)).sort()).toEqual(['fw.bin.part', 'fw.bin.part.json']);
    const kept = (await readFile(`${output}.part`)).length;
    expect(kept).toBeGreaterThanOrEqual(0.4 * body.length);
    expect(kept).toBeLessThanOrEqual(5 * MiB);

    const second = fetchCli(args);
    expect(await second.exited).toBe(0);
    expect(second.stdout().trim()).toBe(`${sha256(body)}  ${output}`);
    expect(sha256(await readFile(output))).toBe(sha256(body));
    expect(await readdir(dir)).toEqual(['fw.bin']);
    const last = origin.requestLog.at(-1)!;
    expect(last.headers.range).toBe(`bytes=${kept}-`);
    expect(last.headers['if-range']).toBe(`"${sha256(body).slice(0, 16)}"`);
    expect(second.stderr()).toMatch(/saved .*resumed at/);
  }, 120_000);

  it('without a TTY prints progress as lines (no bar), and nothing on stderr with --quiet', async () => {
    const origin = await fixture();
    const body = randomBytes(2 * MiB);
    const file = serveRangeFile(origin, '/a.bin', body, body.length);
    const dir = await tempDir();

    const loud = fetchCli([file.url, '-o', path.join(dir, 'a.bin')]);
    expect(await loud.exited).toBe(0);
    expect(loud.stderr()).toMatch(/courier fetch: 0 % \(0 B of 2\.0 MiB/);
    expect(loud.stderr()).toMatch(/courier fetch: saved .*a\.bin \(2\.0 MiB in/);
    expect(loud.stderr()).not.toContain('\r');
    expect(loud.stderr()).not.toContain('\x1b[');

    const quiet = fetchCli([file.url, '-o', path.join(dir, 'b.bin'), '--quiet']);
    expect(await quiet.exited).toBe(0);
    expect(quiet.stderr()).toBe('');
    expect(quiet.stdout().trim()).toBe(`${sha256(body)}  ${path.join(dir, 'b.bin')}`);
  }, 120_000);

  it('each failure has its CourierError code and exit code, and leaves nothing at FILE', async () => {
    const origin = await fixture();
    const body = randomBytes(256 * 1024);
    const file = serveRangeFile(origin, '/b.bin', body, body.length);
    const dir = await tempDir();
    const blocker = path.join(dir, 'a-file');
    await writeFile(blocker, 'not a directory');
    const closed = await startHttpFixture();
    await closed.close();

    const cases = [
      { args: [`${origin.url}/status/404`, '-o', path.join(dir, 'x')], exit: 8, code: 'HTTP_STATUS' },
      { args: [file.url, '-o', path.join(dir, 'y'), '--sha256', 'ab'.repeat(32)], exit: 4, code: 'CHECKSUM_MISMATCH' },
      { args: [file.url, '-o', path.join(dir, 'z'), '--size', '12'], exit: 4, code: 'CHECKSUM_MISMATCH' },
      { args: [`${closed.url}/b.bin`, '-o', path.join(dir, 'w')], exit: 5, code: 'CONNECT_REFUSED' },
      // A parent that is a file: the lib reports DISK_ERROR (mkdir says EEXIST) where its README promises BAD_PATH; exit 6 either way.
      { args: [file.url, '-o', path.join(blocker, 'v')], exit: 6, code: /BAD_PATH|DISK_ERROR/ },
      { args: ['not a url', '-o', path.join(dir, 'u')], exit: 2, code: 'BAD_URL' },
      { args: [file.url, '-o', path.join(dir, 't'), '--sha256', 'xyz'], exit: 2, code: '--sha256' },
    ] as Array<{ args: string[]; exit: number; code: string | RegExp }>;
    // Independent processes: run them side by side, each with its own watchdog (the test's).
    const runs = cases.map((c) => ({ c, run: fetchCli(c.args) }));
    for (const { c, run } of runs) {
      expect({ args: c.args.join(' '), exit: await run.exited }).toEqual({ args: c.args.join(' '), exit: c.exit });
      expect(run.stderr()).toMatch(c.code);
      expect(run.stdout()).toBe('');
    }
    expect((await readdir(dir)).sort()).toEqual(['a-file']);
  }, 120_000);

  it('never prints the credentials of a URL', async () => {
    const origin = await fixture();
    const dir = await tempDir();
    const secretUrl = `http://user:s3cret-token@127.0.0.1:${origin.port}/status/403`;
    const run = fetchCli([secretUrl, '-o', path.join(dir, 'x')]);
    expect(await run.exited).toBe(8);
    expect(run.stderr()).toContain('HTTP_STATUS');
    expect(run.stderr()).not.toContain('s3cret-token');
  }, 60_000);
});
