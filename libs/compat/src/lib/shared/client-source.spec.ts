// The default facade objects: a client built on first use, COURIER_CA_FILE read from the environment.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { luatos, nodemcu } from '../../index.ts';
import { httpOrigin } from '../../testing/fixtures.ts';
import { defaultExtraCa } from './client-source.ts';
import { tlsOptionsOf } from './tls.ts';

function withEnv(name: string, value: string | undefined): void {
  const before = process.env[name];
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  onTestFinished(() => {
    if (before === undefined) delete process.env[name];
    else process.env[name] = before;
  });
}

describe('default client', () => {
  it('nodemcu.http and luatos.http work without a client of their own', async () => {
    const origin = await httpOrigin();
    const [status, body] = await nodemcu.http.get(`${origin.url}/hello`);
    expect([status, body]).toEqual([200, 'hello world']);
    const [code, , text] = await luatos.http.request('GET', `${origin.url}/hello`).wait();
    expect([code, text]).toEqual([200, 'hello world']);
  });

  it('COURIER_CA_FILE is read as extra trusted CAs; an unreadable file is BAD_OPTION', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'courier-ca-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'ca.pem');
    await writeFile(file, 'PEM TEXT');
    withEnv('COURIER_CA_FILE', file);
    expect(defaultExtraCa()).toBe('PEM TEXT');
    withEnv('COURIER_CA_FILE', path.join(dir, 'missing.pem'));
    expect(() => defaultExtraCa()).toThrow(/COURIER_CA_FILE/);
    withEnv('COURIER_CA_FILE', undefined);
    expect(defaultExtraCa()).toBeUndefined();
  });

  it('an extra CA goes to origin as given (origin adds it to the system CAs), and the same settings give the same object', () => {
    const a = tlsOptionsOf({ ca: 'X' });
    expect(a).toEqual({ ca: 'X' });
    expect(tlsOptionsOf({ ca: 'X' })).toBe(a);
    expect(tlsOptionsOf({ cert: 'C', key: 'K' })).toEqual({ cert: 'C', key: 'K' });
    expect(tlsOptionsOf({ verify: false })).toEqual({ rejectUnauthorized: false });
  });
});
