import { readFileSync } from 'node:fs';
import type { JobRecord } from '@courier/queue';
import { Option, type Command } from 'commander';
import { serverClientFrom } from '../api/server-client.ts';
import { exitCodes } from '../exit-codes.ts';
import { CliError, type CliIo } from '../io.ts';
import type { CliCommand } from './command.ts';
import { summaryLine } from './format-job.ts';
import { waitForJobs } from './wait-for-jobs.ts';

interface EnqueueFlags {
  request?: string;
  header: string[];
  data?: string;
  key?: string;
  wait?: boolean | string;
  json?: boolean;
  server?: string;
}

/** Default for `--wait` without a value, in milliseconds. */
const defaultWaitMs = 5 * 60_000;

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `Name: value` as curl takes it; the value keeps inner colons. */
export function parseHeaderFlag(flag: string): [string, string] {
  const colon = flag.indexOf(':');
  if (colon <= 0) throw new CliError(`-H ${JSON.stringify(flag)}: expected "Name: value"`, exitCodes.usage);
  return [flag.slice(0, colon).trim(), flag.slice(colon + 1).trim()];
}

/** `-d text`, or `-d @file` for a file's bytes (sent as base64, binary safe). */
function bodyFrom(data: string | undefined): string | { base64: string } | undefined {
  if (data === undefined) return undefined;
  if (!data.startsWith('@')) return data;
  try {
    return { base64: readFileSync(data.slice(1)).toString('base64') };
  } catch (error) {
    throw new CliError(`-d ${data}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, exitCodes.usage);
  }
}

async function run(urls: string[], flags: EnqueueFlags, io: CliIo): Promise<void> {
  const client = serverClientFrom(flags, io.env);
  const headers = flags.header.map(parseHeaderFlag);
  const body = bodyFrom(flags.data);
  const method = flags.request ?? (body === undefined ? undefined : 'POST');
  const jobs = urls.map((url, i) => ({
    url,
    ...(method === undefined ? {} : { method }),
    ...(headers.length === 0 ? {} : { headers }),
    ...(body === undefined ? {} : { body }),
    // Each job of a batch needs its own key: the given one, suffixed with the job's position.
    ...(flags.key === undefined ? {} : { idempotencyKey: urls.length === 1 ? flags.key : `${flags.key}#${i}` }),
  }));
  const answer = await client.json<{ ids: string[]; jobs: Array<{ id: string; duplicate: boolean }> }>(
    'POST',
    '/v1/requests',
    jobs.length === 1 ? jobs[0] : { jobs },
  );
  if (flags.wait === undefined || flags.wait === false) {
    if (flags.json) io.out(JSON.stringify(answer));
    else for (const job of answer.jobs) io.out(job.duplicate ? `${job.id} (duplicate)` : job.id);
    return;
  }
  const timeoutMs = flags.wait === true ? defaultWaitMs : Number(flags.wait);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new CliError('--wait: expected a positive number of milliseconds', exitCodes.usage);
  const records: JobRecord[] = await waitForJobs(client, answer.ids, timeoutMs);
  for (const record of records) io.out(flags.json ? JSON.stringify(record) : summaryLine(record));
  if (records.some((r) => r.state !== 'completed')) throw new CliError(`${records.filter((r) => r.state !== 'completed').length} of ${records.length} jobs did not complete`);
}

/** `courier enqueue URL… [-X method] [-H header]… [-d body] [--key k] [--wait [ms]]` */
export const enqueueCommand: CliCommand = {
  name: 'enqueue',
  register(program: Command, io: CliIo) {
    program
      .command('enqueue')
      .description('queue a request job per URL on a Courier server; prints the job ids (with --wait, the outcomes)')
      .argument('<urls...>', 'http(s) URLs, one job each (several make one batch)')
      .option('-X, --request <method>', 'HTTP method (default GET, or POST with -d)')
      .option('-H, --header <header>', 'request header "Name: value" (repeatable)', collect, [])
      .option('-d, --data <body>', 'request body; @file sends a file')
      .option('--key <idempotencyKey>', 'idempotency key: the same key runs once (several URLs get key#0, key#1 …)')
      .addOption(new Option('--wait [ms]', `wait until every job finished (default ${defaultWaitMs} ms); exit 1 if one did not complete`))
      .option('--json', 'print JSON instead of text')
      .option('--server <url>', 'Courier server (default $COURIER_SERVER, else http://127.0.0.1:$PORT)')
      .action((urls: string[], flags: EnqueueFlags) => run(urls, flags, io));
  },
};
