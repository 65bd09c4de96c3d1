// `courier run …` as a process of its own, with the run command alone (the real program's
// main.ts is wired by its owner): node --conditions=@courier/source --import tsx run-cli.ts run script.ts …
import { Command } from 'commander';
import { registerRunCommand } from '../../../apps/cli/src/commands/run.ts';
import { CliError } from '../../../apps/cli/src/io.ts';

const program = new Command('courier').exitOverride();
registerRunCommand(program);
try {
  await program.parseAsync(process.argv.slice(2), { from: 'user' });
} catch (error) {
  console.error(`courier: ${(error as Error).message}`);
  process.exitCode = error instanceof CliError ? error.exitCode : 1;
}
