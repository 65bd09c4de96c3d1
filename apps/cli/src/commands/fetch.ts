import type { Command } from 'commander';
import { runFetch, type FetchFlags } from '../fetch/run-fetch.ts';
import type { CliIo } from '../io.ts';
import type { CliCommand } from './command.ts';

// The one exit code table (exit-codes.ts), with fetch's own detail of "a transfer failed".
const exitCodesHelp = `
Exit codes: 0 saved and verified; 1 other failure; 2 bad command line (BAD_URL, BAD_OPTION);
4 wrong size or SHA-256 (CHECKSUM_MISMATCH); 5 network or origin trouble, worth retrying
(CONNECT_*, TLS_ERROR, *_TIMEOUT, …); 6 FILE cannot be written (DISK_ERROR, BAD_PATH);
7 the file kept changing on the origin (RESOURCE_CHANGED); 8 HTTP status outside 2xx
(HTTP_STATUS); 130 / 143 stopped by Ctrl-C / SIGTERM: FILE.part is kept, run the same
command again to resume.
-o FILE is relative to the directory you ran the command from (INIT_CWD under npm run).`;

/** `courier fetch URL -o FILE [--sha256 HEX] [--size N] [--quiet]` */
export const fetchCommand: CliCommand = {
  name: 'fetch',
  register(program: Command, io: CliIo) {
    program
      .command('fetch')
      .description('download a URL to a file: resumable (run again after Ctrl-C), verified, fsynced, renamed into place; prints "<sha256>  FILE"')
      .argument('<url>', 'http(s) URL')
      .requiredOption('-o, --output <file>', 'where to write the file (its parent directories are created; FILE.part holds it until verified)')
      .option('--sha256 <hex>', 'expected SHA-256 (64 hex digits): a mismatch fails and leaves nothing at FILE')
      .option('--size <bytes>', 'expected size in bytes')
      .option('-q, --quiet', 'no progress and no summary on stderr (errors still are)')
      .option('--json', 'print {"sha256","file","bytes","resumedFrom"} as JSON on stdout instead of "<sha256>  FILE"')
      .addHelpText('after', exitCodesHelp)
      .action((url: string, flags: FetchFlags) => runFetch(url, flags, { io, progress: process.stderr }));
  },
};
