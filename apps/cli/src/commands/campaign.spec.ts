/**
 * `courier campaign` as a user runs it: `courier serve` (in-memory queue, in-process worker) on a
 * free port, then `campaign create` and `campaign status --watch` as separate processes talking
 * to it over HTTP; plus the command's pure helpers.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { devicesFrom, renderProgressLine, wavesFrom, type CampaignAnswer } from './campaign.ts';
import { runCourier, serveCourier, type CourierRun } from '../../../../test/harness/courier-process.ts';
import { startHttpFixture } from '../../../../test/fixtures/index.ts';

function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR, NODE_OPTIONS: '', LOG_LEVEL: 'warn', ...extra };
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'courier-campaign-cli-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** `courier serve` on a free port; resolves with its URL once it listens. */
async function serve(extra: Record<string, string>): Promise<string> {
  return (await serveCourier(env({ PORT: '0', HOST: '127.0.0.1', ...extra }))).url;
}

function courierRun(args: string[], extra: Record<string, string>): Promise<CourierRun> {
  return runCourier(args, env(extra), { timeoutMs: 60_000, noExitCode: -1 });
}

describe('courier campaign (processes)', () => {
  it('create from a device file, then status --watch prints progress lines until it completes (exit 0)', async () => {
    const dir = await tempDir();
    const origin = await startHttpFixture();
    onTestFinished(() => origin.close());
    const body = randomBytes(16 * 1024);
    const sha256 = createHash('sha256').update(body).digest('hex');
    origin.route('/fw.bin', (_req, res) => {
      res.writeHead(200, { 'content-length': body.length });
      res.end(body);
    });
    const root = join(dir, 'downloads');
    const server = await serve({ COURIER_DOWNLOAD_ROOT: root, COURIER_ALLOW_DESTINATIONS: 'loopback', COURIER_RESULTS_DIR: join(dir, 'results') });
    const devicesFile = join(dir, 'devices.txt');
    await writeFile(devicesFile, ['# canaries first', 'gw-1', 'gw-2 lab/gw-2.bin', '', ...Array.from({ length: 10 }, (_, i) => `sensor-${i}`)].join('\n'));

    const created = await courierRun(
      ['campaign', 'create', '--url', `${origin.url}/fw.bin?d={device}`, '--sha256', sha256, '--size', String(body.length), '--devices', devicesFile, '--waves', '0.2,1', '--threshold', '0.1', '--server', server],
      {},
    );
    expect(created.code, created.stderr).toBe(0);
    const match = /^(cmp-\S+)\s+running\s+12 devices in 2 waves \(3 \+ 9\)$/m.exec(created.stdout);
    expect(match, created.stdout).not.toBeNull();
    const id = match![1]!;

    const watched = await courierRun(['campaign', 'status', id, '--watch', '--interval', '200', '--server', server], {});
    expect(watched.code, watched.stderr).toBe(0);
    const progressLines = watched.stdout.split('\n').filter((l) => l.startsWith('['));
    expect(progressLines.length).toBeGreaterThan(0);
    expect(progressLines.at(-1)).toBe(`[${'#'.repeat(24)}] 100 %  12/12 devices  192.0 KiB/192.0 KiB  wave 2/2  failures 0.0 % (max 10.0 %)  active 0  completed`);
    expect(watched.stdout).toMatch(/^state:\s+completed$/m);
    expect(watched.stdout).toMatch(/^wave 1:.*completed 9/m);
    expect(createHash('sha256').update(await readFile(join(root, 'lab/gw-2.bin'))).digest('hex')).toBe(sha256);
    expect(createHash('sha256').update(await readFile(join(root, `campaigns/${id}/sensor-9/firmware.bin`))).digest('hex')).toBe(sha256);

    const list = await courierRun(['campaign', 'list', '--server', server], {});
    expect(list.stdout).toContain(`${id}  completed  12/12 done  0 failed`);
    const abort = await courierRun(['campaign', 'abort', id, '--server', server], {});
    expect(abort.code).toBe(1);
    expect(abort.stderr).toContain(`CONFLICT: campaign ${id} is already completed`);
    const bad = await courierRun(['campaign', 'create', '--url', `${origin.url}/fw.bin`, '--sha256', sha256, '--size', '10', '--devices', '5', '--waves', '0.5,0.2,1', '--server', server], {});
    // Checked by the CLI before it asks the server: a bad command line, exit 2 (exit-codes.ts).
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('waves[1] = 0.2: must be greater than waves[0] = 0.5');
  }, 120_000);
});

describe('courier campaign helpers', () => {
  it('reads devices from a count or a file, and waves from a list', async () => {
    expect(devicesFrom('3')).toEqual(['device-1', 'device-2', 'device-3']);
    expect(devicesFrom('12').slice(0, 2)).toEqual(['device-01', 'device-02']);
    const dir = await tempDir();
    const file = join(dir, 'd.txt');
    await writeFile(file, 'a\n# note\n\nb x/b.bin\n');
    expect(devicesFrom(file)).toEqual(['a', { id: 'b', dst: 'x/b.bin' }]);
    await writeFile(file, 'a b c\n');
    expect(() => devicesFrom(file)).toThrow(/expected "id" or "id dst"/);
    expect(() => devicesFrom(join(dir, 'missing.txt'))).toThrow(/ENOENT/);
    expect(wavesFrom('0.01, 0.1,1')).toEqual([0.01, 0.1, 1]);
    expect(() => wavesFrom('0.1,x')).toThrow(/--waves/);
  });

  it('draws one progress line', () => {
    const campaign = {
      state: 'running',
      devices: 200,
      currentWave: 1,
      failureRatio: 0.05,
      failureThreshold: 0.1,
      bytes: { done: 50 * 1024 * 1024, total: 200 * 1024 * 1024 },
      counts: { pending: 100, waiting: 40, active: 10, completed: 45, failed: 5, cancelled: 0, skipped: 0 },
      waves: [{}, {}, {}],
    } as unknown as CampaignAnswer;
    expect(renderProgressLine(campaign, 10)).toBe('[###.......]  25 %  50/200 devices  50.0 MiB/200.0 MiB  wave 2/3  failures 5.0 % (max 10.0 %)  active 10  running');
  });
});
