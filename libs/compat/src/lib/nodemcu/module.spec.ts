// NodeMCU ESP32 `http` conformance, part 1: the module table (B.1) and createConnection's
// arguments and options (B.2), over HTTP and HTTPS fixture origins.
import { describe, expect, it, onTestFinished } from 'vitest';
import { createNodeMcuHttp } from '../../index.ts';
import { clientTrusting, httpOrigin, patternBytes, testClient, unroutableConnectTarget } from '../../testing/fixtures.ts';

type Echo = { method: string; path: string; headers: Record<string, string>; body: string };

/** Runs a sync request and collects the body. */
async function fetchBody(conn: ReturnType<ReturnType<typeof createNodeMcuHttp>['createConnection']>) {
  const chunks: Buffer[] = [];
  conn.on('data', (_s, d) => {
    chunks.push(d);
  });
  const [status, connected] = (await conn.request())!;
  return { status, connected, body: Buffer.concat(chunks), chunks };
}

describe('NodeMCU module table (B.1)', () => {
  it('has the method constants, DELAYACK = -99 and ACKNOW = 0', () => {
    const http = createNodeMcuHttp(testClient());
    expect([http.GET, http.POST, http.PUT, http.DELETE, http.HEAD]).toEqual([0, 1, 2, 4, 5]);
    expect(http.DELAYACK).toBe(-99);
    expect(http.ACKNOW).toBe(0);
  });

  it('accepts any IDF method number from 0 to 16 and refuses others with "Bad HTTP method"', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const patch = await fetchBody(http.createConnection(`${origin.url}/echo`, 3));
    expect((JSON.parse(patch.body.toString()) as Echo).method).toBe('PATCH');
    const options = await fetchBody(http.createConnection(`${origin.url}/echo`, 9));
    expect((JSON.parse(options.body.toString()) as Echo).method).toBe('OPTIONS');
    expect(() => http.createConnection(`${origin.url}/echo`, 17)).toThrow('Bad HTTP method 17');
    expect(() => http.createConnection(`${origin.url}/echo`, -1)).toThrow('Bad HTTP method -1');
  });
});

describe('NodeMCU createConnection(url, [method,] [options]) (B.2)', () => {
  it('takes a non-number second argument as the options and ignores it unless it is a table', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    // The firmware silently ignores the string "POST" here: GET with the defaults.
    const conn = http.createConnection(`${origin.url}/echo`, 'POST' as unknown as number);
    const { status, body } = await fetchBody(conn);
    expect(status).toBe(200);
    expect((JSON.parse(body.toString()) as Echo).method).toBe('GET');
    const withOptions = http.createConnection(`${origin.url}/echo`, { headers: { 'X-Opt': 'yes' } });
    expect((JSON.parse((await fetchBody(withOptions)).body.toString()) as Echo).headers['x-opt']).toBe('yes');
  });

  it('raises "bad option" for an option of the wrong type and ignores unknown keys', () => {
    const http = createNodeMcuHttp(testClient());
    const url = 'http://127.0.0.1:9/';
    expect(() => http.createConnection(url, { timeout: '5' as unknown as number })).toThrow(
      "bad option timeout to 'createConnection' (number expected, got string)",
    );
    expect(() => http.createConnection(url, { async: 1 as unknown as boolean })).toThrow(
      "bad option async to 'createConnection' (boolean expected, got number)",
    );
    expect(() => http.createConnection(url, { headers: 'x' as unknown as Record<string, string> })).toThrow(
      "bad option headers to 'createConnection' (table expected, got string)",
    );
    expect(() => http.createConnection(url, { cert: 5 as unknown as string })).toThrow("bad option cert to 'createConnection' (string expected, got number)");
    expect(() => http.createConnection(url, { bufsz: true as unknown as number })).toThrow("bad option bufsz to 'createConnection' (number expected, got boolean)");
    expect(() => http.createConnection(url, { max_redirects: {} as unknown as number })).toThrow(
      "bad option max_redirects to 'createConnection' (number expected, got table)",
    );
    expect(() => http.createConnection(url, { nonsense: 1 } as never)).not.toThrow();
  });

  it('raises "esp_http_client_init failed" for a URL that does not parse', () => {
    const http = createNodeMcuHttp(testClient());
    expect(() => http.createConnection('not a url')).toThrow('esp_http_client_init failed');
    expect(() => http.createConnection('/relative/path')).toThrow('esp_http_client_init failed');
    expect(() => http.createConnection('http://x/\r\nInjected: 1')).toThrow('esp_http_client_init failed');
  });

  it('opens no connection until request()', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const conn = http.createConnection(`${origin.url}/hello`);
    expect(origin.connections).toBe(0);
    await conn.request();
    expect(origin.connections).toBe(1);
  });

  it('sends User-Agent "NodeMCU (ESP32)"; headers override it; only string values apply', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const plain = JSON.parse((await fetchBody(http.createConnection(`${origin.url}/echo`))).body.toString()) as Echo;
    expect(plain.headers['user-agent']).toBe('NodeMCU (ESP32)');
    const custom = http.createConnection(`${origin.url}/echo`, {
      headers: { 'user-agent': 'probe/1', 'X-Number': 5, 'X-String': 'kept' } as Record<string, unknown>,
    });
    const echo = JSON.parse((await fetchBody(custom)).body.toString()) as Echo;
    expect(echo.headers['user-agent']).toBe('probe/1');
    expect(echo.headers['x-string']).toBe('kept');
    expect(echo.headers['x-number']).toBeUndefined();
  });

  it('bufsz caps each data callback; the pieces make up the body', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const { status, body, chunks } = await fetchBody(http.createConnection(`${origin.url}/bytes/100000`, { bufsz: 1000 }));
    expect(status).toBe(200);
    expect(body.equals(patternBytes(100000))).toBe(true);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(1000);
    expect(chunks.length).toBeGreaterThanOrEqual(100);
    const defaults = await fetchBody(http.createConnection(`${origin.url}/bytes/5000`));
    expect(Math.max(...defaults.chunks.map((c) => c.length))).toBeLessThanOrEqual(512);
  });

  it('timeout is per socket operation: no response head within it gives -28679', async () => {
    const origin = await httpOrigin();
    const held = origin.hold('/slow');
    const http = createNodeMcuHttp(testClient());
    const [status] = (await http.createConnection(`${origin.url}/slow`, { timeout: 200 }).request())!;
    expect(status).toBe(-28679);
    held.release();
  });

  it('timeout covers the connect: a handshake that never completes gives -28674 within it', async () => {
    const target = await unroutableConnectTarget();
    expect(target).not.toBeNull();
    onTestFinished(() => target!.close());
    // The client's own connect timeout is far beyond the test's watchdog: only `timeout` can end it.
    const http = createNodeMcuHttp(testClient({ policy: { connectTimeoutMs: 600_000 } }));
    const conn = http.createConnection(`http://${target!.host}:${target!.port}/`, { timeout: 300 });
    let connects = 0;
    conn.on('connect', () => void connects++);
    expect(await conn.request()).toEqual([-28674, false]);
    expect(connects).toBe(0);
  });

  it('async: request() returns nothing and the results arrive through the callbacks', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const conn = http.createConnection(`${origin.url}/hello`, { async: true });
    const completed = new Promise<[number, boolean]>((resolve) => conn.on('complete', (s, c) => resolve([s, c])));
    expect(conn.request()).toBeUndefined();
    expect(await completed).toEqual([200, true]);
  });

  it('cert is the CA for HTTPS; without it the server is verified against the system CAs only', async () => {
    const origin = await httpOrigin({ tls: true });
    const http = createNodeMcuHttp(testClient());
    const ok = await fetchBody(http.createConnection(`${origin.url}/hello`, { cert: origin.ca! }));
    expect(ok.status).toBe(200);
    expect(ok.body.toString()).toBe('hello world');
    // The firmware fails without `cert` too (-28674); here the system CAs are tried and refuse it.
    const [status] = (await http.createConnection(`${origin.url}/hello`).request())!;
    expect(status).toBe(-28674);
    // A client that already trusts the CA needs no cert option.
    const trusting = createNodeMcuHttp(clientTrusting(origin.ca));
    expect((await trusting.createConnection(`${origin.url}/hello`).request())![0]).toBe(200);
  });

  it('cert is ignored for http', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const res = await fetchBody(http.createConnection(`${origin.url}/hello`, { cert: 'not a certificate' }));
    expect(res.status).toBe(200);
  });

  it('user:pass@ in the URL becomes Basic credentials', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const url = new URL(`${origin.url}/echo`);
    url.username = 'dev';
    url.password = 's3cret';
    const echo = JSON.parse((await fetchBody(http.createConnection(url.href))).body.toString()) as Echo;
    expect(echo.headers['authorization']).toBe(`Basic ${Buffer.from('dev:s3cret').toString('base64')}`);
  });
});
