import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createFleetTransport, setDefaultTransport, type FleetTransport } from '@courier/scheduler';
import type { Command } from 'commander';
import { exitCodes } from '../exit-codes.ts';
import { CliError, processIo, type CliIo } from '../io.ts';
import type { CliCommand } from './command.ts';

interface RunFlags {
  redis?: string;
  prefix?: string;
  queue?: string;
  local?: boolean;
}

/** The URL without its password, for messages. */
function shown(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.href;
  } catch {
    return '(not a URL)';
  }
}

async function fleetFor(flags: RunFlags, io: CliIo): Promise<FleetTransport | null> {
  const redisUrl = flags.local ? undefined : (flags.redis ?? io.env['REDIS_URL']);
  if (!redisUrl) return null;
  if (!/^rediss?:\/\/./.test(redisUrl)) throw new CliError(`--redis: expected a redis:// or rediss:// URL, got ${shown(redisUrl)}`, exitCodes.usage);
  let transport: FleetTransport;
  try {
    transport = createFleetTransport({ redisUrl, ...(flags.prefix ? { prefix: flags.prefix } : {}), ...(flags.queue ? { queueName: flags.queue } : {}) });
  } catch (error) {
    throw new CliError(`--prefix/--queue: ${(error as Error).message}`, exitCodes.usage);
  }
  try {
    await transport.ready();
  } catch (error) {
    await transport.close();
    throw new CliError(`cannot reach the queue at ${shown(redisUrl)}: ${(error as Error).message}`);
  }
  return transport;
}

/**
 * Runs a facade script (a module that imports `@courier/scheduler` and uses its default `http`)
 * in this process, against the fleet when a Redis URL is given, else in-process. Its output is
 * its own (`console.log` goes straight to stdout, as it happens). Resolves once the module has
 * finished evaluating (top-level `await` included) and every fleet request it made has been answered.
 */
export async function runScript(script: string, flags: RunFlags, io: CliIo): Promise<void> {
  const path = resolve(script);
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) throw new CliError(`${script}: no such file`, exitCodes.usage);
  const transport = await fleetFor(flags, io);
  // Must be the `@courier/scheduler` the script imports: the workspace's (or the same installation's).
  const previous = setDefaultTransport(transport);
  try {
    await import(pathToFileURL(path).href);
    // A script that did not await its scheduler still gets its answers before the queue closes.
    await transport?.idle();
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    io.err(err?.stack ?? String(error));
    if (err?.code === 'ERR_UNKNOWN_FILE_EXTENSION') io.err('courier run: a .ts script needs the tsx loader: node --import tsx …/cli/src/main.ts run');
    throw new CliError(`${script} failed`);
  } finally {
    setDefaultTransport(previous);
    await transport?.close();
  }
}

/** `courier run script.ts [--redis URL] [--prefix p] [--queue q] [--local]` */
export function registerRunCommand(program: Command, io: CliIo = processIo): void {
  program
    .command('run')
    .description("run a scheduler script (Pluto's http facade) against the worker fleet, or in-process without a Redis URL")
    .argument('<script>', 'a module (.ts with the tsx loader) that imports @courier/scheduler and uses its default http')
    .option('--redis <url>', 'the queue the workers consume (default: $REDIS_URL)')
    .option('--prefix <prefix>', "the queue's Redis key prefix, as the workers use it (default: courier)")
    .option('--queue <name>', 'the queue name, as the workers use it (default: jobs)')
    .option('--local', 'run in-process even when REDIS_URL is set')
    .action(async (script: string, flags: RunFlags) => runScript(script, flags, io));
}

/** The `run` subcommand for the program's command list. */
export const runCommand: CliCommand = {
  name: 'run',
  register: (program, io) => registerRunCommand(program, io),
};
