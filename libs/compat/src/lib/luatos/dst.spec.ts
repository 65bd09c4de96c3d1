// LuatOS `opts.dst`: the body downloaded to a file through @courier/download, the body result
// being the byte count; LuatOS's absolute paths land under the download root.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createLuatosHttp } from '../../index.ts';
import { httpOrigin, patternBytes, rawOrigin, testClient } from '../../testing/fixtures.ts';

async function downloadRoot(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'courier-luatos-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

describe('LuatOS opts.dst (C.3, C.4)', () => {
  it('doc example: {dst="/data.bin"} writes the body under the download root; body is the size', async () => {
    const origin = await httpOrigin();
    const root = await downloadRoot();
    const http = createLuatosHttp(testClient(), { downloadRoot: root });
    const [code, headers, body] = await http.request('GET', `${origin.url}/bytes/300000`, {}, '', { dst: '/data.bin' }).wait();
    expect(code).toBe(200);
    expect(headers).toEqual({});
    expect(body).toBe(300000);
    expect((await readFile(path.join(root, 'data.bin'))).equals(patternBytes(300000))).toBe(true);
  });

  it('nested absolute and relative paths map under the root; .. cannot leave it (-7)', async () => {
    const origin = await httpOrigin();
    const root = await downloadRoot();
    const http = createLuatosHttp(testClient(), { downloadRoot: root });
    expect((await http.request('GET', `${origin.url}/hello`, null, null, { dst: '/sd/fw/a.bin' }).wait())[2]).toBe(11);
    expect((await http.request('GET', `${origin.url}/hello`, null, null, { dst: 'b.bin' }).wait())[2]).toBe(11);
    expect(await readFile(path.join(root, 'sd/fw/a.bin'), 'utf8')).toBe('hello world');
    expect(await readFile(path.join(root, 'b.bin'), 'utf8')).toBe('hello world');
    expect(await http.request('GET', `${origin.url}/hello`, null, null, { dst: '/../escape.bin' }).wait()).toEqual([-7]);
    expect(await exists(path.join(root, '..', 'escape.bin'))).toBe(false);
  });

  it('a status above 299 returns the code and no file', async () => {
    const origin = await httpOrigin();
    const root = await downloadRoot();
    const http = createLuatosHttp(testClient(), { downloadRoot: root });
    const [code, , body] = await http.request('GET', `${origin.url}/status/404`, null, null, { dst: '/missing.bin' }).wait();
    expect(code).toBe(404);
    expect(body).toBe(0);
    expect(await exists(path.join(root, 'missing.bin'))).toBe(false);
  });

  it('the progress callback reports the file growing, contentLen being the declared size', async () => {
    const origin = await httpOrigin();
    const root = await downloadRoot();
    const http = createLuatosHttp(testClient(), { downloadRoot: root });
    const calls: Array<[number, number, unknown]> = [];
    const [code, , body] = await http
      .request('GET', `${origin.url}/bytes/2500000`, null, null, { dst: '/p.bin', callback: (c, b, u) => void calls.push([c, b, u]), userdata: 'u' })
      .wait();
    expect([code, body]).toEqual([200, 2500000]);
    expect(calls[0]![1]).toBe(0);
    expect(calls.at(-1)).toEqual([2500000, 2500000, 'u']);
    for (let i = 1; i < calls.length; i += 1) expect(calls[i]![1]).toBeGreaterThanOrEqual(calls[i - 1]![1]);
  });

  it('over HTTPS with ca', async () => {
    const origin = await httpOrigin({ tls: true });
    const root = await downloadRoot();
    const http = createLuatosHttp(testClient(), { downloadRoot: root });
    const [code, , body] = await http.request('GET', `${origin.url}/bytes/1000`, null, null, { dst: '/s.bin' }, origin.ca).wait();
    expect([code, body]).toEqual([200, 1000]);
  });

  it('a cut transfer keeps its code, body -1 and leaves no file', async () => {
    const cut = await rawOrigin((socket, ctx) => {
      ctx.readRequest().then(() => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part'), () => {});
    });
    const root = await downloadRoot();
    const http = createLuatosHttp(testClient(), { downloadRoot: root });
    expect(await http.request('GET', `${cut.url}/f`, null, null, { dst: '/cut.bin' }).wait()).toEqual([200, {}, -1]);
    expect(cut.connections).toBe(1);
    expect(await exists(path.join(root, 'cut.bin'))).toBe(false);
  });

  it('the deadline applies to downloads too: -8, and no file', async () => {
    const origin = await httpOrigin();
    const root = await downloadRoot();
    const http = createLuatosHttp(testClient(), { downloadRoot: root });
    const result = await http.request('GET', `${origin.url}/drip/10?pieces=10&interval=300`, null, null, { dst: '/slow.bin', timeout: 1000 }).wait();
    expect(result).toEqual([-8]);
    expect(await exists(path.join(root, 'slow.bin'))).toBe(false);
  });
});
