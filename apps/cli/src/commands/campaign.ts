/**
 * `courier campaign create|status|list|abort`: rollout campaigns through the server's API
 * (`/v1/campaigns`). `status --watch` polls once a second and draws one aggregate progress
 * line. That line is written here (a dozen lines, `renderProgressLine`) rather than with
 * `cli-progress`: it is redrawn from a poll at most once a second, it has to carry campaign
 * figures (wave, failures against the threshold) that a byte bar does not, and when stdout is
 * not a terminal it must print plain lines for logs instead of redrawing — a library would add
 * a dependency for none of that.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { serverClientFrom, type ServerClient } from '../api/server-client.ts';
import { formatBytes } from '../fetch/format.ts';
import { exitCodes } from '../exit-codes.ts';
import { CliError, type CliIo } from '../io.ts';
import type { CliCommand } from './command.ts';

/** What the CLI reads of a campaign (the server's `CampaignView`). */
export interface CampaignAnswer {
  id: string;
  name: string | null;
  state: 'running' | 'completed' | 'halted' | 'aborted';
  firmware: { url: string; sha256: string; size: number };
  failureThreshold: number;
  devices: number;
  currentWave: number;
  failureRatio: number;
  bytes: { done: number; total: number };
  counts: { pending: number; waiting: number; active: number; completed: number; failed: number; cancelled: number; skipped: number };
  halt: { wave: number; failureRatio: number; failed: number; finished: number } | null;
  waves: Array<{
    index: number;
    fraction: number;
    devices: number;
    state: string;
    counts: { pending: number; waiting: number; active: number; completed: number; failed: number; cancelled: number };
    failureRatio: number;
  }>;
  devicePage?: { total: number; items: Array<{ index: number; id: string; state: string; dst: string; error?: { code: string } }> };
}

/** `--devices N` makes ids `device-0001` … (zero-padded to N's width); more than this is refused by the server anyway. */
const maxSyntheticDevices = 100_000;
/** `status --watch` poll period, in milliseconds. */
const defaultIntervalMs = 1_000;

/**
 * `--devices FILE|N`: a file with one device per line (`id` or `id dst`; blank lines and `#`
 * comments skipped), or a number N for N made-up ids (trials against a test fleet).
 */
export function devicesFrom(value: string): Array<string | { id: string; dst: string }> {
  if (!existsSync(value) && /^\d+$/.test(value)) {
    const n = Number(value);
    if (n < 1 || n > maxSyntheticDevices) throw new CliError(`--devices: a count must be 1…${maxSyntheticDevices}`, exitCodes.usage);
    const width = String(n).length;
    return Array.from({ length: n }, (_, i) => `device-${String(i + 1).padStart(width, '0')}`);
  }
  let text: string;
  try {
    text = readFileSync(value, 'utf8');
  } catch (error) {
    throw new CliError(`--devices ${value}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message} (give a file of device ids, or a number)`, exitCodes.usage);
  }
  const devices: Array<string | { id: string; dst: string }> = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [id, dst, ...rest] = line.split(/\s+/);
    if (rest.length > 0) throw new CliError(`--devices ${value}: "${line}": expected "id" or "id dst"`, exitCodes.usage);
    devices.push(dst === undefined ? id! : { id: id!, dst });
  }
  if (devices.length === 0) throw new CliError(`--devices ${value}: no devices in the file`, exitCodes.usage);
  return devices;
}

/**
 * `0.01,0.1,1` → fractions, checked as the server checks them (each in (0, 1], increasing,
 * ending at 1), naming every problem at once rather than the first.
 */
export function wavesFrom(value: string): number[] {
  const waves = value.split(',').map((s) => Number(s.trim()));
  if (waves.some((w, i) => !Number.isFinite(w) || value.split(',')[i]!.trim() === '')) {
    throw new CliError(`--waves: expected fractions such as 0.01,0.1,1, got ${JSON.stringify(value)}`, exitCodes.usage);
  }
  const problems: string[] = [];
  waves.forEach((w, i) => {
    if (w <= 0 || w > 1) problems.push(`waves[${i}] = ${w}: must be > 0 and ≤ 1 (a fraction of the devices)`);
    if (i > 0 && w <= waves[i - 1]!) problems.push(`waves[${i}] = ${w}: must be greater than waves[${i - 1}] = ${waves[i - 1]} (fractions are cumulative)`);
  });
  if (waves.at(-1) !== 1) problems.push(`waves[${waves.length - 1}] = ${waves.at(-1)}: the last wave must be 1 (every device)`);
  if (problems.length > 0) throw new CliError(`--waves ${value}: ${problems.join('; ')}`, exitCodes.usage);
  return waves;
}

function number(flag: string, value: string | undefined, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) throw new CliError(`${flag}: expected ${integer ? 'an integer' : 'a number'}, got ${JSON.stringify(value)}`, exitCodes.usage);
  return n;
}

const percent = (ratio: number) => `${(ratio * 100).toFixed(1)} %`;

/**
 * The aggregate progress line: devices finished of all, a bar, bytes, the wave and its failure
 * ratio against the threshold — one line, redrawn in place on a terminal.
 */
export function renderProgressLine(c: CampaignAnswer, width = 24): string {
  const finished = c.counts.completed + c.counts.failed + c.counts.cancelled;
  const ratio = c.devices === 0 ? 1 : finished / c.devices;
  const filled = Math.round(ratio * width);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  return [
    `${bar} ${String(Math.floor(ratio * 100)).padStart(3)} %`,
    `${finished}/${c.devices} devices`,
    `${formatBytes(c.bytes.done)}/${formatBytes(c.bytes.total)}`,
    `wave ${c.currentWave + 1}/${c.waves.length}`,
    `failures ${percent(c.failureRatio)} (max ${percent(c.failureThreshold)})`,
    `active ${c.counts.active}`,
    c.state,
  ].join('  ');
}

/** The full human view of a campaign. */
export function campaignText(c: CampaignAnswer): string {
  const lines = [
    `id:         ${c.id}${c.name === null ? '' : `  (${c.name})`}`,
    `state:      ${c.state}`,
    `firmware:   ${c.firmware.url}  ${formatBytes(c.firmware.size)}  sha256 ${c.firmware.sha256}`,
    `devices:    ${c.devices}: completed ${c.counts.completed}, failed ${c.counts.failed}, cancelled ${c.counts.cancelled}, active ${c.counts.active}, waiting ${c.counts.waiting}, pending ${c.counts.pending}, skipped ${c.counts.skipped}`,
    `bytes:      ${formatBytes(c.bytes.done)} of ${formatBytes(c.bytes.total)}`,
    `threshold:  ${percent(c.failureThreshold)} of a wave's finished devices may fail`,
  ];
  for (const w of c.waves) {
    const k = w.counts;
    lines.push(
      `wave ${w.index}:     ${`${(w.fraction * 100).toFixed(w.fraction < 0.1 ? 1 : 0)} %`.padStart(7)}  ${String(w.devices).padStart(6)} devices  ${w.state.padEnd(8)}` +
        `  completed ${k.completed}  failed ${k.failed}  active ${k.active}  waiting ${k.waiting}  failures ${percent(w.failureRatio)}`,
    );
  }
  if (c.halt !== null) lines.push(`halted:     at wave ${c.halt.wave}: failures ${percent(c.halt.failureRatio)} > threshold ${percent(c.failureThreshold)}; later waves never started`);
  for (const d of c.devicePage?.items ?? []) lines.push(`  ${d.id}  ${d.state}${d.error ? ` ${d.error.code}` : ''}  ${d.dst}`);
  return lines.join('\n');
}

/** Over, with nothing left running: the watch can stop. */
function isSettled(c: CampaignAnswer): boolean {
  return c.state !== 'running' && c.counts.active === 0 && c.counts.waiting === 0;
}

interface CreateFlags {
  url: string;
  sha256: string;
  size: string;
  devices: string;
  waves?: string;
  threshold?: string;
  dstTemplate?: string;
  name?: string;
  key?: string;
  attempts?: string;
  json?: boolean;
  server?: string;
}

async function create(flags: CreateFlags, io: CliIo): Promise<void> {
  const client = serverClientFrom(flags, io.env);
  const body = {
    ...(flags.name === undefined ? {} : { name: flags.name }),
    firmware: { url: flags.url, sha256: flags.sha256, size: number('--size', flags.size, true) },
    devices: devicesFrom(flags.devices),
    ...(flags.waves === undefined ? {} : { waves: wavesFrom(flags.waves) }),
    ...(flags.threshold === undefined ? {} : { failureThreshold: number('--threshold', flags.threshold, false) }),
    ...(flags.dstTemplate === undefined ? {} : { dstTemplate: flags.dstTemplate }),
    ...(flags.key === undefined ? {} : { idempotencyKey: flags.key }),
    ...(flags.attempts === undefined ? {} : { attempts: number('--attempts', flags.attempts, true) }),
  };
  const campaign = await client.json<CampaignAnswer>('POST', '/v1/campaigns', body);
  if (flags.json) io.out(JSON.stringify(campaign));
  else io.out(`${campaign.id}  ${campaign.state}  ${campaign.devices} devices in ${campaign.waves.length} waves (${campaign.waves.map((w) => w.devices).join(' + ')})`);
}

interface StatusFlags {
  watch?: boolean;
  interval?: string;
  json?: boolean;
  failed?: boolean;
  server?: string;
}

async function readCampaign(client: ServerClient, id: string, failed: boolean): Promise<CampaignAnswer> {
  const query = failed ? '?deviceState=failed&deviceLimit=1000' : '?deviceLimit=0';
  return client.json<CampaignAnswer>('GET', `/v1/campaigns/${encodeURIComponent(id)}${query}`);
}

async function status(id: string, flags: StatusFlags, io: CliIo): Promise<void> {
  const client = serverClientFrom(flags, io.env);
  const intervalMs = number('--interval', flags.interval, true) ?? defaultIntervalMs;
  if (intervalMs < 100) throw new CliError('--interval: at least 100 ms', exitCodes.usage);
  let campaign = await readCampaign(client, id, flags.failed === true);
  if (flags.watch) {
    const tty = process.stdout.isTTY === true;
    let last = '';
    for (;;) {
      const line = renderProgressLine(campaign);
      // A terminal gets the line redrawn in place; a pipe or a log gets a new line only when it changed.
      if (tty) process.stdout.write(`\r${line}\x1b[K`);
      else if (line !== last) io.out(line);
      last = line;
      if (isSettled(campaign)) break;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      campaign = await readCampaign(client, id, flags.failed === true);
    }
    if (tty) process.stdout.write('\n');
  }
  io.out(flags.json ? JSON.stringify(campaign) : campaignText(campaign));
  // After a watch, the exit status says how it ended (scripts roll out with `status --watch`).
  if (flags.watch && campaign.state !== 'completed') throw new CliError(`campaign ${campaign.id} ${campaign.state}`, exitCodes.failed);
}

async function list(flags: { json?: boolean; server?: string }, io: CliIo): Promise<void> {
  const client = serverClientFrom(flags, io.env);
  const answer = await client.json<{ total: number; campaigns: CampaignAnswer[] }>('GET', '/v1/campaigns?limit=100');
  if (flags.json) {
    io.out(JSON.stringify(answer));
    return;
  }
  for (const c of answer.campaigns) io.out(`${c.id}  ${c.state.padEnd(9)}  ${c.counts.completed}/${c.devices} done  ${c.counts.failed} failed  ${c.name ?? c.firmware.url}`);
  if (answer.total > answer.campaigns.length) io.out(`(${answer.total - answer.campaigns.length} more)`);
}

async function abort(id: string, flags: { server?: string; json?: boolean }, io: CliIo): Promise<void> {
  const client = serverClientFrom(flags, io.env);
  const answer = await client.json<{ id: string; cancelled: number }>('DELETE', `/v1/campaigns/${encodeURIComponent(id)}`);
  if (flags.json) io.out(JSON.stringify(answer));
  else io.out(`${answer.id}  aborted  ${answer.cancelled} waiting jobs cancelled (running ones finish)`);
}

const serverOption = ['--server <url>', 'Courier server (default $COURIER_SERVER, else http://127.0.0.1:$PORT)'] as const;

/** `courier campaign create|status|list|abort` */
export const campaignCommand: CliCommand = {
  name: 'campaign',
  register(program: Command, io: CliIo) {
    const campaign = program.command('campaign').description('firmware rollout campaigns: one download per device, released in waves');
    campaign
      .command('create')
      .description('start a campaign (prints its id)')
      .requiredOption('--url <url>', 'firmware URL ({device} is replaced by each device id)')
      .requiredOption('--sha256 <hex>', "the image's SHA-256 (64 hex digits)")
      .requiredOption('--size <bytes>', "the image's size in bytes")
      .requiredOption('--devices <file|n>', 'a file with one device id per line ("id" or "id dst"), or a number of made-up ids')
      .option('--waves <fractions>', 'cumulative fractions of the devices per wave (default 0.01,0.1,1)')
      .option('--threshold <ratio>', 'failure ratio (0–1) of a wave above which the campaign halts (default 0.1)')
      .option('--dst-template <path>', 'where each device file goes under the download root: {campaign} {device} {index}')
      .option('--name <name>', 'a name to show')
      .option('--key <key>', 'idempotency key: the same command twice makes one campaign')
      .option('--attempts <n>', 'tries per device job (queue-level retries)')
      .option('--json', 'print the campaign as JSON')
      .option(...serverOption)
      .action((flags: CreateFlags) => create(flags, io));
    campaign
      .command('status')
      .description("a campaign's waves, devices and bytes; --watch draws a progress line until it ends")
      .argument('<id>', 'campaign id (from courier campaign create)')
      .option('--watch', 'poll and redraw until the campaign is over; exit 1 unless it completed')
      .option('--interval <ms>', `poll period with --watch (default ${defaultIntervalMs})`)
      .option('--failed', 'list the devices that failed, with their error codes')
      .option('--json', 'print the campaign as JSON')
      .option(...serverOption)
      .action((id: string, flags: StatusFlags) => status(id, flags, io));
    campaign
      .command('list')
      .description('campaigns, newest first')
      .option('--json', 'print the answer as JSON')
      .option(...serverOption)
      .action((flags: { json?: boolean; server?: string }) => list(flags, io));
    campaign
      .command('abort')
      .description("stop a campaign: cancel its current wave's waiting jobs, never start the rest")
      .argument('<id>', 'campaign id')
      .option('--json', 'print the answer as JSON')
      .option(...serverOption)
      .action((id: string, flags: { server?: string; json?: boolean }) => abort(id, flags, io));
  },
};
