// NodeMCU ESP32 `http` conformance, part 4: redirects as ESP-IDF v5.1.3 follows them (B.7),
// with the redirect counter reset per request (the firmware never resets it: a plain bug).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createNodeMcuHttp } from '../../index.ts';
import { httpOrigin, testClient } from '../../testing/fixtures.ts';

type Echo = { method: string; path: string; headers: Record<string, string>; body: string };

function redirectTo(status: number, location: string) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { location, 'content-length': 0 });
    res.end();
  };
}

describe('NodeMCU redirects (B.7)', () => {
  it.each([301, 302, 303, 307, 308])('%i is followed with the method, body and headers unchanged', async (code) => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const conn = http.createConnection(`${origin.url}/redirect/${code}?to=/echo`, http.POST, {
      headers: { Authorization: 'Bearer t0ken', Cookie: 'a=b', 'Content-Type': 'text/plain' },
    });
    conn.setbody('payload');
    const chunks: Buffer[] = [];
    const hops: number[] = [];
    conn.on('headers', (s) => void hops.push(s));
    conn.on('data', (s, d) => void (s === 200 && chunks.push(d)));
    expect((await conn.request())![0]).toBe(200);
    expect(hops).toEqual([code, 200]);
    const echo = JSON.parse(Buffer.concat(chunks).toString()) as Echo;
    // No method change on any redirect, 303 included.
    expect(echo.method).toBe('POST');
    expect(echo.body).toBe('payload');
    expect(echo.headers['authorization']).toBe('Bearer t0ken');
    expect(echo.headers['cookie']).toBe('a=b');
    expect(echo.headers['content-type']).toBe('text/plain');
  });

  it.each([300, 304, 305, 306])('%i is an answer, not followed', async (code) => {
    const origin = await httpOrigin();
    origin.route('/r', redirectTo(code, '/hello'));
    const http = createNodeMcuHttp(testClient());
    expect((await http.createConnection(`${origin.url}/r`).request())![0]).toBe(code);
    expect(origin.requests).toBe(1);
  });

  it('max_redirects = 0 returns the 3xx with its body', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const conn = http.createConnection(`${origin.url}/redirect/302`, { max_redirects: 0 });
    const chunks: Buffer[] = [];
    conn.on('data', (_s, d) => void chunks.push(d));
    expect((await conn.request())![0]).toBe(302);
    expect(Buffer.concat(chunks).toString()).toContain('redirect to');
  });

  it('the default limit is 10; a positive max_redirects sets it', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    expect((await http.createConnection(`${origin.url}/redirect/302/10`).request())![0]).toBe(200);
    expect((await http.createConnection(`${origin.url}/redirect/302/11`).request())![0]).toBe(-28673);
    expect((await http.createConnection(`${origin.url}/redirect/302/2`, { max_redirects: 2 }).request())![0]).toBe(200);
    expect((await http.createConnection(`${origin.url}/redirect/302/3`, { max_redirects: 2 }).request())![0]).toBe(-28673);
    // Negative values other than -1 are ignored: the default applies.
    expect((await http.createConnection(`${origin.url}/redirect/302/3`, { max_redirects: -5 }).request())![0]).toBe(200);
  });

  it('the counter starts again with each request on a connection (the firmware never resets it)', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const conn = http.createConnection(`${origin.url}/redirect/302/2`, { max_redirects: 2 });
    for (let i = 0; i < 3; i += 1) expect((await conn.request())![0]).toBe(200);
    conn.seturl(`${origin.url}/status/404`);
    // With the firmware's counter at its limit even this 404 would be -28673.
    expect((await conn.request())![0]).toBe(404);
  });

  it('a non-redirect status after the last allowed redirect is that status', async () => {
    const origin = await httpOrigin();
    origin.route('/to-missing', redirectTo(302, '/status/404'));
    const http = createNodeMcuHttp(testClient());
    expect((await http.createConnection(`${origin.url}/to-missing`, { max_redirects: 1 }).request())![0]).toBe(404);
  });

  it('a Location may be absolute, start with /, or be relative (resolved: see README)', async () => {
    const origin = await httpOrigin();
    origin.route('/dir/relative', redirectTo(302, 'sibling'));
    origin.route('/dir/sibling', (_req, res) => {
      res.writeHead(200, { 'content-length': 7 });
      res.end('sibling');
    });
    const http = createNodeMcuHttp(testClient());
    expect((await http.createConnection(`${origin.url}/redirect/301?to=${origin.url}/hello`).request())![0]).toBe(200);
    expect((await http.createConnection(`${origin.url}/redirect/301?to=/hello`).request())![0]).toBe(200);
    expect((await http.createConnection(`${origin.url}/dir/relative`).request())![0]).toBe(200);
    expect(origin.requestLog.at(-1)!.path).toBe('/dir/sibling');
  });

  it('a same-origin redirect reuses the kept-alive connection', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    expect((await http.createConnection(`${origin.url}/redirect/302/3`).request())![0]).toBe(200);
    expect(origin.requests).toBe(4);
    expect(origin.connections).toBe(1);
  });

  it('credentials are dropped on a redirect to another origin (deviation: the firmware sends them)', async () => {
    const first = await httpOrigin();
    const second = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const conn = http.createConnection(`${first.url}/redirect/302?to=${second.url}/echo`, {
      headers: { Authorization: 'Bearer t0ken', Cookie: 'a=b', 'X-Other': 'kept' },
    });
    expect((await conn.request())![0]).toBe(200);
    const seen = second.requestLog[0]!.headers;
    expect(seen['authorization']).toBeUndefined();
    expect(seen['cookie']).toBeUndefined();
    expect(seen['x-other']).toBe('kept');
  });

  it('an https → http redirect is refused with -1 (deviation: the firmware follows it)', async () => {
    const plain = await httpOrigin();
    const secure = await httpOrigin({ tls: true });
    const http = createNodeMcuHttp(testClient());
    const conn = http.createConnection(`${secure.url}/redirect/302?to=${plain.url}/hello`, { cert: secure.ca! });
    expect((await conn.request())![0]).toBe(-1);
    expect(plain.requests).toBe(0);
  });
});
