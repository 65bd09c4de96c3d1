import type { JobRecord } from '@courier/queue';
import type { Command } from 'commander';
import { ApiRequestError, serverClientFrom } from '../api/server-client.ts';
import { exitCodes } from '../exit-codes.ts';
import { CliError, type CliIo } from '../io.ts';
import type { CliCommand } from './command.ts';
import { detailText } from './format-job.ts';

interface StatusFlags {
  json?: boolean;
  body?: boolean;
  server?: string;
}

async function run(id: string, flags: StatusFlags, io: CliIo): Promise<void> {
  const client = serverClientFrom(flags, io.env);
  const path = `/v1/requests/${encodeURIComponent(id)}`;
  if (flags.body) {
    const response = await client.raw('GET', `${path}/body`);
    if (!response.ok) {
      const error = ((await response.json().catch(() => undefined)) as { error?: { code: string; message: string } } | undefined)?.error;
      throw new ApiRequestError(error?.code ?? `HTTP_${response.status}`, error?.message ?? response.statusText, response.status);
    }
    process.stdout.write(Buffer.from(await response.arrayBuffer()));
    return;
  }
  const record = await client.json<JobRecord>('GET', path);
  io.out(flags.json ? JSON.stringify(record) : detailText(record));
}

/** `courier status ID [--json] [--body]` */
export const statusCommand: CliCommand = {
  name: 'status',
  register(program: Command, io: CliIo) {
    program
      .command('status')
      .description("show a job's state and result")
      .argument('<id>', 'job id (from courier enqueue)')
      .option('--json', 'print the job record as JSON')
      .option('--body', "write the response body's bytes to stdout")
      .option('--server <url>', 'Courier server (default $COURIER_SERVER, else http://127.0.0.1:$PORT)')
      .action((id: string, flags: StatusFlags) => {
        if (id.length === 0) throw new CliError('ID must not be empty', exitCodes.usage);
        return run(id, flags, io);
      });
  },
};
