import { campaignCommand } from './campaign.ts';
import type { CliCommand } from './command.ts';
import { enqueueCommand } from './enqueue.ts';
import { fetchCommand } from './fetch.ts';
import { runCommand } from './run.ts';
import { serveCommand } from './serve.ts';
import { statusCommand } from './status.ts';
import { workerCommand } from './worker.ts';

/**
 * Every subcommand, in help order. Extension point: `fetch` (downloads) and `campaign` (rollouts)
 * each add a file here and one line below, as `run` (a scheduler script against the fleet) did.
 */
export const commands: readonly CliCommand[] = [serveCommand, workerCommand, enqueueCommand, statusCommand, runCommand, fetchCommand, campaignCommand];
