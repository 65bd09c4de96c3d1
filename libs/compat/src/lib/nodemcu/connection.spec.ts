// NodeMCU ESP32 `http` conformance, part 2: connection events (B.3), flow control (B.4) and the
// request / configuration methods (B.5), plus the seed doc's connection examples.
import { describe, expect, it, onTestFinished } from 'vitest';
import { createNodeMcuHttp, nodemcu } from '../../index.ts';
import { captureWarnings, deferred, httpOrigin, nextWarning, patternBytes, rawResponder, testClient } from '../../testing/fixtures.ts';

const WARNING = 'COURIER_NODEMCU_CALLBACK';

function collect(conn: nodemcu.NodeMcuConnection) {
  const log: unknown[][] = [];
  const chunks: Buffer[] = [];
  conn.on('connect', () => {
    log.push(['connect']);
  });
  conn.on('headers', (status, headers) => {
    log.push(['headers', status]);
    log.at(-1)!.push(headers);
  });
  conn.on('data', (status, data) => {
    chunks.push(data);
    if (log.at(-1)?.[0] !== 'data') log.push(['data', status]);
  });
  conn.on('complete', (status, connected) => {
    log.push(['complete', status, connected]);
  });
  return { log, body: () => Buffer.concat(chunks).toString() };
}

describe('NodeMCU doc examples', () => {
  it('createConnection with headers and a complete callback', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const headers = { Connection: 'close', 'If-Modified-Since': 'Sat, 27 Oct 2018 00:00:00 GMT' };
    const connection = http.createConnection(`${origin.url}/hello`, http.GET, { headers });
    const completed = deferred<number>();
    connection.on('complete', (status) => completed.resolve(status));
    const [status, connected] = (await connection.request())!;
    expect(await completed.promise).toBe(200);
    expect(status).toBe(200);
    expect(connected).toBe(false);
    expect(origin.requestLog[0]!.headers['if-modified-since']).toBe('Sat, 27 Oct 2018 00:00:00 GMT');
    expect(origin.requestLog[0]!.headers['connection']).toBe('close');
  });

  it('seturl makes another request on the same kept-alive connection', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const connection = http.createConnection(`${origin.url}/hello`);
    const { body } = collect(connection);
    expect(await connection.request()).toEqual([200, true]);
    connection.seturl(`${origin.url}/echo`);
    expect(await connection.request()).toEqual([200, true]);
    expect(body()).toContain('"path":"/echo"');
    expect(origin.requestLog.map((r) => r.path)).toEqual(['/hello', '/echo']);
    expect(origin.connections).toBe(1);
    expect(origin.requestLog[1]!.socketId).toBe(origin.requestLog[0]!.socketId);
  });
});

describe('NodeMCU connection:on events (B.3)', () => {
  it('on() chains, refuses unknown events, and nil removes a callback', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const conn = http.createConnection(`${origin.url}/hello`);
    let calls = 0;
    expect(conn.on('data', () => void calls++)).toBe(conn);
    conn.on('data', null);
    await conn.request();
    expect(calls).toBe(0);
    expect(() => conn.on('finish' as 'data', () => {})).toThrow("bad argument #1 to 'on' (invalid option 'finish')");
  });

  it('connect fires after a new connection, not when a kept-alive one is reused', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const conn = http.createConnection(`${origin.url}/hello`);
    const { log } = collect(conn);
    await conn.request();
    await conn.request();
    expect(log.filter((e) => e[0] === 'connect')).toHaveLength(1);
    expect(log[0]).toEqual(['connect']);
  });

  it('connect fires for a new socket even while another reusable one to the origin is busy', async () => {
    const origin = await httpOrigin();
    const held = origin.hold('/held');
    onTestFinished(() => held.release());
    const client = testClient();
    const http = createNodeMcuHttp(client);
    const first = http.createConnection(`${origin.url}/held`, { async: true });
    const firstDone = deferred<number>();
    first.on('complete', (status) => firstDone.resolve(status));
    first.request();
    await held.waitForArrivals(1);
    // A reusable socket exists (busy with the held request): the second request needs its own.
    expect(client.hasConnection(origin.url)).toBe(true);
    const second = http.createConnection(`${origin.url}/hello`);
    const { log } = collect(second);
    expect(await second.request()).toEqual([200, true]);
    expect(log[0]).toEqual(['connect']);
    expect(origin.connections).toBe(2);
    held.release();
    expect(await firstDone.promise).toBe(404);
    // Both sockets are idle now: a third request reuses one and has no connect event.
    const third = http.createConnection(`${origin.url}/hello`);
    const thirdLog = collect(third).log;
    expect(await third.request()).toEqual([200, true]);
    expect(thirdLog.map((e) => e[0])).toEqual(['headers', 'data', 'complete']);
    expect(origin.connections).toBe(2);
  });

  it('headers: (status, table) with lower-cased names; of repeated headers the first wins', async () => {
    const origin = await rawResponder(
      'HTTP/1.1 200 OK\r\nX-Dup: first\r\nX-Dup: second\r\nX-MiXeD-Case: Value\r\nContent-Length: 2\r\n\r\nok',
    );
    const http = createNodeMcuHttp(testClient());
    const conn = http.createConnection(`${origin.url}/`);
    const { log } = collect(conn);
    await conn.request();
    const headers = log.find((e) => e[0] === 'headers')![2] as Record<string, string>;
    expect(log.find((e) => e[0] === 'headers')![1]).toBe(200);
    expect(headers['x-dup']).toBe('first');
    expect(headers['x-mixed-case']).toBe('Value');
    expect(Object.keys(headers).every((k) => k === k.toLowerCase())).toBe(true);
  });

  it('headers fires lazily before the first data, or at the end when there is no body', async () => {
    const origin = await httpOrigin();
    origin.route('/empty', (_req, res) => {
      res.writeHead(204);
      res.end();
    });
    const http = createNodeMcuHttp(testClient());
    const withBody = http.createConnection(`${origin.url}/hello`);
    const a = collect(withBody);
    await withBody.request();
    expect(a.log.map((e) => e[0])).toEqual(['connect', 'headers', 'data', 'complete']);
    const empty = http.createConnection(`${origin.url}/empty`);
    const b = collect(empty);
    await empty.request();
    expect(b.log.filter((e) => e[0] !== 'connect').map((e) => e[0])).toEqual(['headers', 'complete']);
    const head = http.createConnection(`${origin.url}/hello`, http.HEAD);
    const c = collect(head);
    expect((await head.request())![0]).toBe(200);
    expect(c.log.filter((e) => e[0] !== 'connect').map((e) => e[0])).toEqual(['headers', 'complete']);
  });

  it('data: (status, bytes) with the chunked framing removed', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const conn = http.createConnection(`${origin.url}/bytes/70000?chunked=1`, { bufsz: 4096 });
    const pieces: Buffer[] = [];
    const statuses = new Set<number>();
    conn.on('data', (status, data) => {
      statuses.add(status);
      pieces.push(data);
    });
    expect((await conn.request())![0]).toBe(200);
    expect(Buffer.concat(pieces).equals(patternBytes(70000))).toBe(true);
    expect([...statuses]).toEqual([200]);
  });

  it('complete: (status, connected) in sync mode before request() returns, and in async mode', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const sync = http.createConnection(`${origin.url}/hello`);
    const order: string[] = [];
    sync.on('complete', (status, connected) => {
      order.push(`complete ${status} ${connected}`);
    });
    const result = await sync.request();
    order.push('returned');
    expect(result).toEqual([200, true]);
    expect(order).toEqual(['complete 200 true', 'returned']);
    const closing = http.createConnection(`${origin.url}/close`, { async: true });
    const done = deferred<[number, boolean]>();
    closing.on('complete', (s, c) => done.resolve([s, c]));
    closing.request();
    expect(await done.promise).toEqual([200, false]);
  });

  it('a followed redirect shows its hop: headers (and data) fire with the 3xx status', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const conn = http.createConnection(`${origin.url}/redirect/302`);
    const { log, body } = collect(conn);
    expect((await conn.request())![0]).toBe(200);
    expect(log.filter((e) => e[0] === 'headers').map((e) => e[1])).toEqual([302, 200]);
    expect(log.filter((e) => e[0] === 'data').map((e) => e[1])).toEqual([302, 200]);
    expect(body()).toContain('hello world');
  });

  it('a callback that throws is logged and the request goes on', async () => {
    const origin = await httpOrigin();
    const warnings = captureWarnings(WARNING);
    const http = createNodeMcuHttp(testClient());
    const conn = http.createConnection(`${origin.url}/bytes/3000`, { bufsz: 1000 });
    let calls = 0;
    conn.on('data', () => {
      calls += 1;
      throw new Error('boom');
    });
    const logged = nextWarning(WARNING);
    expect((await conn.request())![0]).toBe(200);
    expect(calls).toBe(3);
    expect(await logged).toContain('boom');
    expect(warnings.length).toBeGreaterThanOrEqual(1);
  });
});

describe('NodeMCU DELAYACK / ACKNOW / ack() (B.4)', () => {
  it('DELAYACK in sync mode is an error of the callback: logged, and the transfer goes on', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const conn = http.createConnection(`${origin.url}/bytes/2048`, { bufsz: 1024 });
    let calls = 0;
    conn.on('data', () => {
      calls += 1;
      return http.DELAYACK;
    });
    const logged = nextWarning(WARNING);
    expect((await conn.request())![0]).toBe(200);
    expect(calls).toBe(2);
    expect(await logged).toContain('Cannot delay acknowledgment of a callback when using synchronous callbacks');
  });

  it("DELAYACK from a callback other than data is refused: \"Cannot delay acknowledgment of callbacks other than 'data'\"", async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const conn = http.createConnection(`${origin.url}/hello`, { async: true });
    conn.on('headers', () => http.DELAYACK);
    const done = deferred<number>();
    conn.on('complete', (s) => done.resolve(s));
    const logged = nextWarning(WARNING);
    conn.request();
    expect(await done.promise).toBe(200);
    expect(await logged).toContain("Cannot delay acknowledgment of callbacks other than 'data'");
  });

  it('ACKNOW (or any other value) acknowledges at once', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const conn = http.createConnection(`${origin.url}/bytes/4096`, { async: true, bufsz: 1024 });
    let calls = 0;
    conn.on('data', () => {
      calls += 1;
      return calls % 2 ? http.ACKNOW : 'anything';
    });
    const done = deferred<number>();
    conn.on('complete', (s) => done.resolve(s));
    conn.request();
    expect(await done.promise).toBe(200);
    expect(calls).toBe(4);
  });

  it('DELAYACK holds every further callback until ack()', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const conn = http.createConnection(`${origin.url}/bytes/8192`, { async: true, bufsz: 1024 });
    let calls = 0;
    const first = deferred();
    conn.on('data', () => {
      calls += 1;
      if (calls === 1) {
        first.resolve();
        return http.DELAYACK;
      }
      return http.ACKNOW;
    });
    const done = deferred<number>();
    conn.on('complete', (s) => done.resolve(s));
    conn.request();
    await first.promise;
    // The whole response has left the server; still nothing more is delivered without the ack.
    await origin.until((f) => f.inFlight === 0);
    expect(calls).toBe(1);
    expect(conn.active).toBe(true);
    conn.ack();
    expect(await done.promise).toBe(200);
    expect(calls).toBe(8);
  });

  it('ack() errors: nothing pending, and from within the callback itself', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const conn = http.createConnection(`${origin.url}/hello`, { async: true });
    expect(() => conn.ack()).toThrow('No asynchronous callback pending');
    const inside = deferred<unknown>();
    conn.on('data', () => {
      try {
        conn.ack();
      } catch (error) {
        inside.resolve(error);
      }
      return http.DELAYACK;
    });
    const done = deferred<number>();
    conn.on('complete', (s) => done.resolve(s));
    conn.request();
    expect(String(await inside.promise)).toContain('Cannot call ack() from within the callback itself');
    conn.ack();
    expect(await done.promise).toBe(200);
  });
});

describe('NodeMCU request and configuration methods (B.5)', () => {
  it('request, seturl, setmethod, setheader and setbody are refused while a request is active', async () => {
    const origin = await httpOrigin();
    const held = origin.hold('/held');
    const http = createNodeMcuHttp(testClient());
    const conn = http.createConnection(`${origin.url}/held`, { async: true });
    const done = deferred<number>();
    const inCallback: string[] = [];
    conn.on('headers', () => {
      for (const call of [() => conn.request(), () => conn.seturl(`${origin.url}/x`), () => conn.setbody('x')]) {
        try {
          call();
        } catch (error) {
          inCallback.push(String(error));
        }
      }
    });
    conn.on('complete', (s) => done.resolve(s));
    conn.request();
    await held.waitForArrivals(1);
    const busy = 'Cannot modify connection while a request is active';
    expect(() => conn.request()).toThrow(busy);
    expect(() => conn.seturl(`${origin.url}/hello`)).toThrow(busy);
    expect(() => conn.setmethod(http.POST)).toThrow(busy);
    expect(() => conn.setheader('X-A', 'b')).toThrow(busy);
    expect(() => conn.setbody('data')).toThrow(busy);
    expect(() => conn.setpostdata('data')).toThrow(busy);
    held.release();
    expect(await done.promise).toBe(404); // /held has no route: the fixture answers 404
    expect(inCallback).toHaveLength(3);
    expect(inCallback.every((e) => e.includes(busy))).toBe(true);
  });

  it('the connection may be reused from inside the complete callback', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const conn = http.createConnection(`${origin.url}/hello`, { async: true });
    const statuses: number[] = [];
    const done = deferred();
    conn.on('complete', (status) => {
      statuses.push(status);
      if (statuses.length === 1) {
        conn.seturl(`${origin.url}/status/201`);
        conn.request();
      } else {
        done.resolve();
      }
    });
    conn.request();
    await done.promise;
    expect(statuses).toEqual([200, 201]);
  });

  it('setmethod changes the method; anything outside 0…16 is "Bad HTTP method"', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const conn = http.createConnection(`${origin.url}/echo`);
    conn.setmethod(http.DELETE);
    await conn.request();
    expect(origin.requestLog[0]!.method).toBe('DELETE');
    expect(() => conn.setmethod(42)).toThrow('Bad HTTP method 42');
    expect(() => conn.setmethod('GET' as unknown as number)).toThrow("bad argument #1 to 'setmethod' (number expected, got string)");
  });

  it('setheader replaces case-insensitively, nil removes, CR/LF is refused', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const conn = http.createConnection(`${origin.url}/echo`, { headers: { 'X-Token': 'one', 'X-Gone': 'soon' } });
    conn.setheader('x-token', 'two');
    conn.setheader('X-Gone');
    conn.setheader('User-Agent', 'custom');
    await conn.request();
    const seen = origin.requestLog[0]!;
    expect(seen.headers['x-token']).toBe('two');
    expect(seen.headers['x-gone']).toBeUndefined();
    expect(seen.headers['user-agent']).toBe('custom');
    expect(seen.rawHeaders.filter((h) => h.toLowerCase() === 'x-token')).toHaveLength(1);
    expect(() => conn.setheader('X-Evil', 'a\r\nInjected: yes')).toThrow(/CR, LF/);
  });

  it('setbody sends the body with every method and adds a form Content-Type unless one is set', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const conn = http.createConnection(`${origin.url}/echo`, http.POST);
    conn.setbody('a=1&b=2');
    await conn.request();
    let seen = origin.requestLog.at(-1)!;
    expect(seen.body.toString()).toBe('a=1&b=2');
    expect(seen.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(seen.headers['content-length']).toBe('7');
    // A caller's Content-Length never wins over the real one.
    conn.setheader('Content-Length', '999');
    await conn.request();
    expect(origin.requestLog.at(-1)!.headers['content-length']).toBe('7');
    // The ESP32 setbody keeps the method: a GET carries the body too.
    conn.setmethod(http.GET);
    conn.setheader('Content-Type', 'application/json');
    conn.setpostdata('{"x":1}');
    await conn.request();
    seen = origin.requestLog.at(-1)!;
    expect(seen.method).toBe('GET');
    expect(seen.body.toString()).toBe('{"x":1}');
    expect(seen.headers['content-type']).toBe('application/json');
    // nil clears the body and the Content-Type.
    conn.setbody(null);
    await conn.request();
    seen = origin.requestLog.at(-1)!;
    expect(seen.body.length).toBe(0);
    expect(seen.headers['content-type']).toBeUndefined();
    expect(() => conn.setbody({} as unknown as string)).toThrow("bad argument #1 to 'setbody' (string expected, got table)");
  });

  it('close() when idle closes the socket and keeps URL, headers and callbacks', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const conn = http.createConnection(`${origin.url}/echo`, { headers: { 'X-Keep': 'me' } });
    let completes = 0;
    conn.on('complete', () => void completes++);
    expect(await conn.request()).toEqual([200, true]);
    expect(origin.openConnections).toBe(1);
    conn.close();
    await origin.until((f) => f.openConnections === 0);
    expect(await conn.request()).toEqual([200, true]);
    expect(origin.connections).toBe(2);
    expect(origin.requestLog[1]!.headers['x-keep']).toBe('me');
    expect(completes).toBe(2);
  });

  it('close() from a sync callback aborts the request; complete still comes', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const conn = http.createConnection(`${origin.url}/bytes/1000000`, { bufsz: 1000 });
    let calls = 0;
    conn.on('data', () => {
      calls += 1;
      if (calls === 3) conn.close();
    });
    const [status, connected] = (await conn.request())!;
    expect(status).toBe(200);
    expect(connected).toBe(false);
    expect(calls).toBe(3);
  });

  it('close() of an async request: refused outside a callback, allowed while an ack is pending', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    const conn = http.createConnection(`${origin.url}/bytes/1000000`, { async: true, bufsz: 1000 });
    const first = deferred();
    let calls = 0;
    conn.on('data', () => {
      calls += 1;
      first.resolve();
      return http.DELAYACK;
    });
    const done = deferred<[number, boolean]>();
    conn.on('complete', (s, c) => done.resolve([s, c]));
    const held = origin.hold('/held');
    const other = http.createConnection(`${origin.url}/held`, { async: true });
    const otherDone = deferred<number>();
    other.on('complete', (s) => otherDone.resolve(s));
    other.request();
    await held.waitForArrivals(1);
    expect(() => other.close()).toThrow('Cannot close an ongoing async request outside of a callback or pending ack');
    held.release();
    expect(await otherDone.promise).toBe(404);

    conn.request();
    await first.promise;
    conn.close(); // allowed: an ack is pending
    conn.ack(); // and must still be given
    expect(await done.promise).toEqual([200, false]);
    expect(calls).toBe(1);
  });
});
