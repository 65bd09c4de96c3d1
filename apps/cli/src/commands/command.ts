import type { Command } from 'commander';
import type { CliIo } from '../io.ts';

/**
 * One `courier` subcommand. Each lives in its own file and adds itself to the program; a new
 * one (fetch, campaign, run) is a new file plus one line in `commands/index.ts`.
 */
export interface CliCommand {
  readonly name: string;
  register(program: Command, io: CliIo): void;
}
