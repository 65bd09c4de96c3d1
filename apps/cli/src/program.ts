import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { serverHelp } from './api/server-client.ts';
import { commands } from './commands/index.ts';
import { exitCodes, exitCodesHelp } from './exit-codes.ts';
import { CliError, processIo, type CliIo } from './io.ts';

/** This package's version (package.json sits one level above both src/ and the compiled dist/). */
function cliVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
  return manifest.version ?? '0.0.0';
}

/** Every command that runs something (not a group such as `campaign`), at any depth. */
function leafCommands(command: Command): Command[] {
  return command.commands.length === 0 ? [command] : command.commands.flatMap(leafCommands);
}

/** The `courier` program with every subcommand registered; `io` is where it prints. */
export function createProgram(io: CliIo = processIo): Command {
  const program = new Command('courier')
    .description('Courier: HTTP(S) requests for many callers, one actor per origin, fed by a queue')
    .version(cliVersion(), '-V, --version', 'print the version')
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride();
  for (const command of commands) command.register(program, io);
  // One text for every command: where the server is, and the exit code table (fetch has its own, longer one).
  for (const command of leafCommands(program)) {
    command.exitOverride();
    if (command.options.some((o) => o.long === '--server')) command.addHelpText('after', serverHelp);
    if (!command.options.some((o) => o.long === '--output')) command.addHelpText('after', exitCodesHelp);
  }
  program.addHelpText('after', `${serverHelp}${exitCodesHelp}`);
  return program;
}

/** `--json` before any `--`: errors are printed as one JSON object too. */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

/** Prints a failure: `courier: message`, or `{"error":{"code","message"},"exit":n}` with --json. */
function report(io: CliIo, json: boolean, exit: number, message: string, code: string | undefined): void {
  if (json) io.err(JSON.stringify({ error: { code: code ?? (exit === exitCodes.usage ? 'USAGE' : 'FAILED'), message }, exit }));
  else io.err(`courier: ${message}`);
}

/**
 * Runs the program on `argv` and returns the exit code (never calls process.exit itself, so
 * long-running commands such as `serve` keep the process alive until their shutdown). Exit
 * codes follow the one table in exit-codes.ts.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = createProgram(io);
  const json = wantsJson(argv);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCodes.ok;
  } catch (error) {
    // Help and --version "fail" with exit code 0; every other commander error is a bad command line
    // (commander prints it itself, and says 1: the table says 2).
    if (error instanceof CommanderError) return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    if (error instanceof CliError) {
      const code = (error as { code?: unknown }).code;
      report(io, json, error.exitCode, error.message, typeof code === 'string' ? code : undefined);
      return error.exitCode;
    }
    report(io, json, exitCodes.failed, (error as Error).message ?? String(error), undefined);
    return exitCodes.failed;
  }
}
