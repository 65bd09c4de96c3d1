import { Command, CommanderError } from 'commander';
import { CliError, processIo, type CliIo } from './io.ts';
import { commands } from './commands/index.ts';

/** The `courier` program with every subcommand registered; `io` is where it prints. */
export function createProgram(io: CliIo = processIo): Command {
  const program = new Command('courier')
    .description('Courier: HTTP(S) requests for many callers, one actor per origin, fed by a queue')
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride();
  for (const command of commands) command.register(program, io);
  return program;
}

/**
 * Runs the program on `argv` and returns the exit code (never calls process.exit itself, so
 * long-running commands such as `serve` keep the process alive until their shutdown).
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof CliError) {
      io.err(`courier: ${error.message}`);
      return error.exitCode;
    }
    io.err(`courier: ${(error as Error).message ?? String(error)}`);
    return 1;
  }
}
