// NodeMCU ESP32 `http` conformance, part 5: the one-shot APIs (B.8) and the seed doc's examples.
import { describe, expect, it } from 'vitest';
import { createNodeMcuHttp } from '../../index.ts';
import { closedPort, deferred, httpOrigin, testClient } from '../../testing/fixtures.ts';

type Echo = { method: string; path: string; headers: Record<string, string>; body: string };
type Result = [number, string, Record<string, string> | undefined];

describe('NodeMCU one-shot APIs (B.8)', () => {
  it('doc example: http.get with a callback (async mode)', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const got = deferred<[number, string]>();
    const returned = http.get(`${origin.url}/hello`, (code, data) => {
      got.resolve([code, data]);
    });
    expect(returned).toBeUndefined();
    const [code, data] = await got.promise;
    expect(code).toBeGreaterThanOrEqual(0);
    expect([code, data]).toEqual([200, 'hello world']);
  });

  it('doc example: code, data = http.get(url) (sync mode)', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const [code, data, headers] = await http.get(`${origin.url}/hello`);
    expect(code).toBe(200);
    expect(data).toBe('hello world');
    expect(headers!['content-type']).toBe('text/plain; charset=utf-8');
  });

  it('doc example: http.post with a JSON body and a callback', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const headers = { 'Content-Type': 'application/json' };
    const body = '{"hello":"world"}';
    const got = deferred<[number, string]>();
    http.post(`${origin.url}/echo`, { headers }, body, (code, data) => {
      got.resolve([code, data]);
    });
    const [code, data] = await got.promise;
    expect(code).toBe(200);
    const echo = JSON.parse(data) as Echo;
    expect(echo.method).toBe('POST');
    expect(echo.body).toBe(body);
    expect(echo.headers['content-type']).toBe('application/json');
  });

  it('put, and post with no options: a form Content-Type is added', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const [code, data] = await http.put(`${origin.url}/echo`, null, 'k=v');
    expect(code).toBe(200);
    expect(JSON.parse(data) as Echo).toMatchObject({ method: 'PUT', body: 'k=v' });
    const [, posted] = await http.post(`${origin.url}/echo`, undefined, '');
    const echo = JSON.parse(posted) as Echo;
    expect(echo.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(echo.headers['content-length']).toBe('0');
  });

  it('always sends Connection: close on a fresh socket, whatever options.headers says', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    await http.get(`${origin.url}/hello`, { headers: { Connection: 'keep-alive' } });
    await http.get(`${origin.url}/hello`);
    expect(origin.requestLog.map((r) => r.headers['connection'])).toEqual(['close', 'close']);
    expect(origin.connections).toBe(2);
  });

  it('async is chosen by the callback, not by options.async', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const result = http.get(`${origin.url}/hello`, { async: true });
    expect(result).toBeInstanceOf(Promise);
    expect((await result)[0]).toBe(200);
    const got = deferred<number>();
    expect(http.get(`${origin.url}/hello`, { async: false }, (code) => got.resolve(code))).toBeUndefined();
    expect(await got.promise).toBe(200);
  });

  it('on error: a negative status, an empty body and no headers', async () => {
    const port = await closedPort();
    const http = createNodeMcuHttp(testClient());
    const result: Result = await http.get(`http://127.0.0.1:${port}/`);
    expect(result).toEqual([-28674, '', undefined]);
    const got = deferred<Result>();
    http.get(`http://127.0.0.1:${port}/`, (...args) => got.resolve(args));
    expect(await got.promise).toEqual([-28674, '', undefined]);
  });

  it('the body is the final response only, even when a redirect body had more pieces (see README)', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const [code, data] = await http.get(`${origin.url}/redirect/302`, { bufsz: 4 });
    expect(code).toBe(200);
    expect(data).toBe('hello world');
  });

  it('post and put need a string body', () => {
    const http = createNodeMcuHttp(testClient());
    expect(() => http.post('http://127.0.0.1:9/', null, undefined as unknown as string)).toThrow(
      "bad argument #3 to 'post' (string expected, got nil)",
    );
    expect(() => http.put('http://127.0.0.1:9/', null, {} as unknown as string)).toThrow("bad argument #3 to 'put' (string expected, got table)");
  });

  it('one-shot requests work over HTTPS with cert', async () => {
    const origin = await httpOrigin({ tls: true });
    const http = createNodeMcuHttp(testClient());
    const [code, data] = await http.get(`${origin.url}/hello`, { cert: origin.ca! });
    expect([code, data]).toEqual([200, 'hello world']);
  });
});
