import type { CliCommand } from './command.ts';
import { enqueueCommand } from './enqueue.ts';
import { serveCommand } from './serve.ts';
import { statusCommand } from './status.ts';
import { workerCommand } from './worker.ts';

/**
 * Every subcommand, in help order. Extension point: `fetch` (downloads), `campaign` (rollouts)
 * and `run` (a scheduler script against the fleet) each add a file here and one line below.
 */
export const commands: readonly CliCommand[] = [serveCommand, workerCommand, enqueueCommand, statusCommand];
