// `courier run …` as a process of its own, with the run command alone (the real program's
// main.ts is wired by its owner): node --conditions=@courier/source --import tsx run-cli.ts run script.ts …
import { Command } from 'commander';
// The run command's own file, until apps/cli's program lists it (then: spawn apps/cli/src/main.ts).
// eslint-disable-next-line @nx/enforce-module-boundaries -- a test entry, not shipped code
import { registerRunCommand } from '../../../apps/cli/src/commands/run.ts';
// eslint-disable-next-line @nx/enforce-module-boundaries -- a test entry, not shipped code
import { CliError } from '../../../apps/cli/src/io.ts';

const program = new Command('courier').exitOverride();
registerRunCommand(program);
try {
  await program.parseAsync(process.argv.slice(2), { from: 'user' });
} catch (error) {
  console.error(`courier: ${(error as Error).message}`);
  process.exitCode = error instanceof CliError ? error.exitCode : 1;
}
