import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, createQueue, loadClusterSettings, type ClusterNode, type QueueDriver } from '@courier/queue';
import { createFleetTransport, setDefaultTransport, type FleetTransport } from '@courier/scheduler';
import type { Command } from 'commander';
import { exitCodes } from '../exit-codes.ts';
import { CliError, processIo, type CliIo } from '../io.ts';
import type { CliCommand } from './command.ts';
import { registerScriptHooks } from './script-loader.ts';

interface RunFlags {
  redis?: string;
  prefix?: string;
  queue?: string;
  local?: boolean;
  json?: boolean;
}

/** The fleet a script runs against: the transport, and the queue under it (ours to close). */
interface Fleet {
  transport: FleetTransport;
  queue: QueueDriver;
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

/** `REDIS_CLUSTER_NODES` and `COURIER_QUEUE_SHARDS` as the server and workers read them (a bad value: exit 2). */
function clusterSettings(io: CliIo): { clusterNodes?: ClusterNode[]; shards?: number } {
  try {
    return loadClusterSettings(io.env);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(`bad configuration: ${error.message}`, exitCodes.usage);
    throw error;
  }
}

async function fleetFor(flags: RunFlags, io: CliIo): Promise<Fleet | null> {
  const cluster = flags.local ? {} : clusterSettings(io);
  const seed = cluster.clusterNodes?.[0];
  const redisUrl = flags.local ? undefined : (flags.redis ?? io.env['REDIS_URL'] ?? (seed ? `redis://${seed.host}:${seed.port}` : undefined));
  if (!redisUrl) return null;
  if (!/^rediss?:\/\/./.test(redisUrl)) throw new CliError(`--redis: expected a redis:// or rediss:// URL, got ${shown(redisUrl)}`, exitCodes.usage);
  let queue: QueueDriver;
  try {
    // Our own driver (events on, as the transport needs), so the fleet view can be read from it too.
    queue = await createQueue({ redisUrl, ...cluster, ...(flags.prefix ? { prefix: flags.prefix } : {}), ...(flags.queue ? { queueName: flags.queue } : {}), events: true });
  } catch (error) {
    throw new CliError(`--prefix/--queue: ${(error as Error).message}`, exitCodes.usage);
  }
  const transport = createFleetTransport({ queue });
  try {
    await transport.ready();
  } catch (error) {
    await transport.close();
    await queue.close();
    throw new CliError(`cannot reach the queue at ${shown(redisUrl)}: ${(error as Error).message}`, exitCodes.unreachable);
  }
  // Requests to a fleet without workers wait in the queue, silently: say so at once.
  const workers = await queue.fleet.workers().catch(() => null);
  if (workers?.length === 0) {
    io.err(
      `courier run: 0 live workers on ${shown(redisUrl)} (prefix ${flags.prefix ?? 'courier'}, queue ${flags.queue ?? 'jobs'}): ` +
        "the script's requests will wait in the queue until a worker starts (`courier worker` with the same REDIS_URL), or use --local",
    );
  }
  return { transport, queue };
}

/**
 * Runs a facade script (a module that imports `@courier/scheduler` and uses its default `http`)
 * in this process, against the fleet when a Redis URL is given, else in-process. Its output is
 * its own (`console.log` goes straight to stdout, as it happens). Resolves once the module has
 * finished evaluating (top-level `await` included) and every fleet request it made has been answered.
 */
export async function runScript(script: string, flags: RunFlags, io: CliIo): Promise<void> {
  // `npm run courier -- run x.ts` runs in the repo root; INIT_CWD is where the user was.
  const path = resolve(io.env.INIT_CWD || process.cwd(), script);
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) throw new CliError(`${script}: no such file`, exitCodes.usage);
  const fleet = await fleetFor(flags, io);
  const transport = fleet?.transport ?? null;
  registerScriptHooks(path);
  // Must be the `@courier/scheduler` the script imports: the hooks resolve its import to this one.
  const previous = setDefaultTransport(transport);
  try {
    await import(pathToFileURL(path).href);
    // A script that did not await its scheduler still gets its answers before the queue closes.
    await transport?.idle();
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    io.err(err?.stack ?? String(error));
    if (err?.code === 'ERR_UNKNOWN_FILE_EXTENSION') io.err('courier run: a .ts script needs the tsx loader: node --import tsx …/cli/src/main.ts run');
    throw new CliError(`${script} failed`, exitCodes.failed);
  } finally {
    setDefaultTransport(previous);
    await transport?.close();
    await fleet?.queue.close();
  }
  if (flags.json) io.out(JSON.stringify({ script: path, fleet: fleet !== null, ok: true }));
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
    .option('--json', 'after the script, print {"script","fleet","ok"} as one JSON line')
    .addHelpText('after', `
The script may live anywhere: @courier/* resolves from this Courier install, and the script's
files load as ES modules (top-level await works). With a Redis URL and no live worker, a warning
says the requests will wait.`)
    .action(async (script: string, flags: RunFlags) => runScript(script, flags, io));
}

/** The `run` subcommand for the program's command list. */
export const runCommand: CliCommand = {
  name: 'run',
  register: (program, io) => registerRunCommand(program, io),
};
