export { createProgram, runCli } from './program.ts';
export { commands } from './commands/index.ts';
export type { CliCommand } from './commands/command.ts';
export { CliError, processIo, type CliIo } from './io.ts';
export { ServerClient, ApiRequestError, defaultServer } from './api/server-client.ts';
