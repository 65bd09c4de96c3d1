// The program in-process (no child Node per case): help texts, --version, the exit code table
// for command-line mistakes and an unreachable server, and --json errors.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultServer } from './api/server-client.ts';
import { wavesFrom } from './commands/campaign.ts';
import { exitCodes } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import { createProgram, runCli } from './program.ts';

/** A CliIo that keeps what is printed; `env` is exactly what the test gives. */
function memoryIo(env: NodeJS.ProcessEnv = {}): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`), env, stdout: () => out, stderr: () => err };
}

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const io = memoryIo(env);
  const code = await runCli(argv, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

/** Every command that runs something, by its full name (`campaign create`). */
function leafNames(): string[] {
  const names: string[] = [];
  for (const command of createProgram(memoryIo()).commands) {
    if (command.commands.length === 0) names.push(command.name());
    for (const sub of command.commands) names.push(`${command.name()} ${sub.name()}`);
  }
  return names;
}

describe('courier: one exit code table, help and machine-readable output', () => {
  it('--version prints the package version and exits 0', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    const result = await cli(['--version']);
    expect(result).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('every command takes --json and its help shows the exit codes; the server commands name COURIER_SERVER, PORT and COURIER_TOKEN', async () => {
    const names = leafNames();
    expect(names).toEqual(expect.arrayContaining(['serve', 'worker', 'enqueue', 'status', 'run', 'fetch', 'campaign create', 'campaign status', 'campaign list', 'campaign abort']));
    for (const name of names) {
      const help = await cli([...name.split(' '), '--help']);
      expect(help.code, name).toBe(0);
      expect(help.stdout, name).toContain('--json');
      expect(help.stdout, name).toMatch(/Exit codes: 0 /);
      expect(help.stdout, name).toMatch(/2 bad command line/);
      if (name === 'enqueue' || name === 'status' || name.startsWith('campaign')) {
        expect(help.stdout, name).toContain('$COURIER_SERVER');
        expect(help.stdout, name).toContain('$PORT');
        expect(help.stdout, name).toContain('$COURIER_TOKEN');
      }
    }
  });

  it('a missing required option or an unknown command exits 2, as the help says', async () => {
    const missing = await cli(['fetch', 'http://127.0.0.1:9/x']);
    expect(missing.code).toBe(exitCodes.usage);
    expect(missing.stderr).toMatch(/required option '-o, --output <file>' not specified/);
    expect((await cli(['frobnicate'])).code).toBe(exitCodes.usage);
    expect((await cli(['status'])).code).toBe(exitCodes.usage);
  });

  it('a server that does not answer exits 3; with --json the error is one JSON object', async () => {
    const text = await cli(['status', 'some-id', '--server', 'http://127.0.0.1:9']);
    expect(text.code).toBe(exitCodes.unreachable);
    expect(text.stderr).toMatch(/^courier: SERVER_UNREACHABLE: can't reach http:\/\/127\.0\.0\.1:9/);
    const json = await cli(['enqueue', 'https://example.com/', '--json', '--server', 'http://127.0.0.1:9']);
    expect(json.code).toBe(exitCodes.unreachable);
    expect(JSON.parse(json.stderr)).toMatchObject({ error: { code: 'SERVER_UNREACHABLE' }, exit: 3 });
  });

  it('--waves names every problem, not the first and a count', async () => {
    const result = await cli(['campaign', 'create', '--url', 'https://example.com/fw', '--sha256', 'ab'.repeat(32), '--size', '1', '--devices', '3', '--waves', '0.5,0.2', '--server', 'http://127.0.0.1:9']);
    expect(result.code).toBe(exitCodes.usage);
    expect(result.stderr).toContain('waves[1] = 0.2: must be greater than waves[0] = 0.5');
    expect(result.stderr).toContain('waves[1] = 0.2: the last wave must be 1');
    expect(result.stderr).not.toMatch(/more problem/);
    expect(wavesFrom('0.01,0.1,1')).toEqual([0.01, 0.1, 1]);
    expect(() => wavesFrom('0,1.5')).toThrow(/waves\[0\] = 0: must be > 0.*waves\[1\] = 1\.5: must be > 0 and ≤ 1.*the last wave must be 1/);
  });

  it('talks to the server on PORT when COURIER_SERVER is unset, as `npm start` listens there', () => {
    expect(defaultServer({})).toBe('http://127.0.0.1:8080');
    expect(defaultServer({ PORT: '9090' })).toBe('http://127.0.0.1:9090');
    expect(() => defaultServer({ PORT: 'abc' })).toThrow(/PORT: must be an integer/);
  });
});
