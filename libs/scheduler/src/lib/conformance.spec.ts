// Conformance with Pluto 0.13: every behaviour the reference marks [verified] for the pool,
// hasconnection / closeconnections and the scheduler working together, re-enacted against
// fixture origins; plus the two examples of the seed doc, translated to TypeScript.
import { describe, expect, it, onTestFinished } from 'vitest';
import { forThisTest, startHttpFixture, startRawFixture, type HttpFixture, type RawConnectionHandler, type RawFixture } from '../../../../test/fixtures/index.ts';
import { plutoHttpOverClient as createPlutoHttp, type ClientPlutoHttp as PlutoHttp } from './http/pluto-http.ts';
import type { PlutoClientOptions } from './http/pluto-client.ts';
import type { PlutoResult, PlutoSuccess } from './http/types.ts';
import { Scheduler } from './scheduler.ts';
import { until } from '../../../../test/harness/index.ts';

/** A fixture origin with a `/held` route (tests hold it with `f.hold('/held')`). */
async function fixture(options?: Parameters<typeof startHttpFixture>[0]): Promise<HttpFixture> {
  const f = await forThisTest(startHttpFixture(options));
  f.route('/held', (_req, res) => res.end('held'));
  return f;
}

const raw = (handler: RawConnectionHandler): Promise<RawFixture> => forThisTest(startRawFixture(handler));

function plutoHttp(options?: PlutoClientOptions): PlutoHttp {
  const h = createPlutoHttp(options);
  onTestFinished(() => h.client.destroy());
  return h;
}

function ok(result: PlutoResult | undefined): PlutoSuccess {
  if (!result) throw new Error('no result');
  if (result[0] === null) throw new Error(`request failed: ${result[1]}`);
  return result;
}

/** Resolves once `ready()` holds, checking once per event-loop turn; bounded, never a sleep. */
const response = (body: string) => `HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('hasconnection (§2)', () => {
  it('is false before, true from connect while busy, true while idle, false after closeconnections, true again after a request', async () => {
    const f = await fixture();
    const latch = f.hold('/held');
    const h = plutoHttp();
    const s = new Scheduler();
    expect(h.hasconnection(f.url)).toBe(false);
    let result: PlutoResult | undefined;
    s.add(function* () {
      result = yield* h.request(`${f.url}/held`);
    });
    const running = s.run();
    await latch.waitForArrivals(1);
    expect(h.hasconnection(`${f.url}/some/path?x=1`)).toBe(true); // busy; the path is ignored
    latch.release();
    await running;
    expect(ok(result)[1]).toBe(200);
    expect(h.hasconnection(f.url)).toBe(true); // idle keep-alive
    s.add(function* () {
      yield* h.closeconnections();
    });
    await s.run();
    expect(h.hasconnection(f.url)).toBe(false);
    await f.until((x) => x.openConnections === 0);
    ok(await h.request(`${f.url}/hello`));
    expect(h.hasconnection(f.url)).toBe(true);
  });

  it('compares scheme, host text and port: https ≠ http, localhost ≠ 127.0.0.1, no scheme means https', async () => {
    const f = await fixture();
    const h = plutoHttp();
    ok(await h.request(`${f.url}/hello`));
    expect(h.hasconnection(f.url)).toBe(true);
    expect(h.hasconnection(f.url.replace('http:', 'https:'))).toBe(false);
    expect(h.hasconnection(`http://localhost:${f.port}`)).toBe(false);
    expect(h.hasconnection(`127.0.0.1:${f.port}`)).toBe(false);
  });

  it('is false for a socket opened with dont_make_reusable', async () => {
    const f = await fixture();
    const h = plutoHttp();
    ok(await h.request(`${f.url}/hello`, { dont_make_reusable: true }));
    expect(h.hasconnection(f.url)).toBe(false);
  });
});

describe('closeconnections (§3)', () => {
  it('throws outside a coroutine, even with nothing to close', () => {
    const h = plutoHttp();
    expect(() => h.closeconnections()).toThrow('http.closeconnections must be called inside a coroutine');
  });

  it('inside a coroutine with nothing to close, returns', async () => {
    const h = plutoHttp();
    const s = new Scheduler();
    let returned = false;
    s.add(function* () {
      yield* h.closeconnections();
      returned = true;
    });
    await s.run();
    expect(returned).toBe(true);
  });

  it('waits for the request in flight, sends new requests with Connection: close meanwhile, and returns although another coroutine keeps calling hasconnection', async () => {
    const f = await fixture();
    const latch = f.hold('/held');
    const h = plutoHttp();
    const s = new Scheduler();
    const events: string[] = [];
    s.add(function* () {
      ok(yield* h.request(`${f.url}/held`));
      events.push('held request done');
    });
    s.add(function* () {
      while (latch.arrivals === 0) yield;
      const pending = h.closeconnections();
      // A request started while closeconnections waits goes out on a one-off socket.
      s.add(function* () {
        ok(yield* h.request(`${f.url}/echo`));
        events.push('request during close done');
      });
      yield* pending;
      events.push('closeconnections returned');
    });
    let polls = 0;
    s.addloop(() => {
      polls++;
      h.hasconnection(f.url);
      return events.includes('closeconnections returned') ? false : undefined;
    });
    const running = s.run();
    await f.waitForRequests(2);
    latch.release();
    await running;
    expect(events.indexOf('held request done')).toBeLessThan(events.indexOf('closeconnections returned'));
    expect(events).toContain('request during close done');
    const during = f.requestLog.find((r) => r.path === '/echo')!;
    expect(during.headers['connection']).toBe('close');
    expect(polls).toBeGreaterThan(1);
    expect(h.hasconnection(f.url)).toBe(false);
  });
});

describe('the pool (§4)', () => {
  it('queues requests to a busy origin on its single keep-alive socket, served one after another in start order', async () => {
    const f = await fixture();
    const h = plutoHttp();
    ok(await h.request(`${f.url}/hello`)); // warm: one keep-alive socket
    const latch = f.hold('/held');
    const s = new Scheduler();
    const results: string[] = [];
    for (const path of ['/held?n=1', '/hello?n=2', '/hello?n=3']) {
      s.add(function* () {
        results.push(`${path} ${ok(yield* h.request(`${f.url}${path}`))[1]}`);
      });
    }
    const running = s.run();
    await latch.waitForArrivals(1);
    expect(f.inFlight).toBe(1);
    expect(h.client.origins()[0]).toMatchObject({ inFlight: 1, queued: 2 });
    latch.release();
    await running;
    expect(results).toEqual(['/held?n=1 200', '/hello?n=2 200', '/hello?n=3 200']);
    expect(f.requestLog.map((r) => [r.path, r.socketId])).toEqual([
      ['/hello', 1],
      ['/held?n=1', 1],
      ['/hello?n=2', 1],
      ['/hello?n=3', 1],
    ]);
    expect(f.connections).toBe(1);
    expect(f.maxInFlight).toBe(1);
  });

  it('opens a socket per simultaneous first request; only the first is kept alive and serves what follows', async () => {
    const f = await fixture();
    const h = plutoHttp();
    const s = new Scheduler();
    for (let i = 1; i <= 3; i++) {
      s.add(function* () {
        ok(yield* h.request(`${f.url}/hello?first=${i}`));
      });
    }
    await s.run();
    expect(f.connections).toBe(3);
    const keptAlive = f.requestLog.filter((r) => r.headers['connection'] === 'keep-alive');
    expect(keptAlive).toHaveLength(1);
    expect(f.requestLog.filter((r) => r.headers['connection'] === 'close')).toHaveLength(2);
    ok(await h.request(`${f.url}/hello?after`));
    expect(f.requestLog.at(-1)!.socketId).toBe(keptAlive[0]!.socketId);
    expect(f.connections).toBe(3);
  });

  it('retries a GET once on a fresh socket when the reused socket turns out closed', async () => {
    const f = await raw(async (socket, ctx) => {
      if (ctx.id === 1) {
        await ctx.readRequest();
        socket.write(response('first'));
        await ctx.readRequest(); // the second request arrives on the kept socket …
        socket.end(); // … and the server closes without answering
        return;
      }
      await ctx.readRequest();
      socket.end(response('second'));
    });
    const h = plutoHttp();
    expect(ok(await h.request(`${f.url}/a`))[0]).toBe('first');
    expect(ok(await h.request(`${f.url}/b`))[0]).toBe('second');
    expect(f.connections).toBe(2);
  });

  it('does not re-send a POST the server may have processed (Pluto does): it fails with Connection Closed Prematurely', async () => {
    const f = await raw(async (socket, ctx) => {
      await ctx.readRequest();
      socket.write(response('first'));
      await ctx.readRequest();
      socket.end();
    });
    const h = plutoHttp();
    ok(await h.request(`${f.url}/a`));
    expect(await h.request(`${f.url}/b`, { method: 'POST', body: 'once' })).toEqual([null, 'Connection Closed Prematurely']);
    expect(f.connections).toBe(1);
  });

  it('dont_reuse opens a new Connection: close socket beside the busy keep-alive one and runs in parallel', async () => {
    const f = await fixture();
    const h = plutoHttp();
    ok(await h.request(`${f.url}/hello`));
    const latch = f.hold('/held');
    const s = new Scheduler();
    const order: string[] = [];
    s.add(function* () {
      ok(yield* h.request(`${f.url}/held`));
      order.push('held');
    });
    s.add(function* () {
      while (latch.arrivals === 0) yield;
      ok(yield* h.request(`${f.url}/echo`, { dont_reuse: true }));
      order.push('dont_reuse');
      latch.release();
    });
    await s.run();
    expect(order).toEqual(['dont_reuse', 'held']);
    const oneOff = f.requestLog.find((r) => r.path === '/echo')!;
    expect(oneOff.headers['connection']).toBe('close');
    expect(oneOff.socketId).not.toBe(f.requestLog[0]!.socketId);
    expect(f.connections).toBe(2);
    expect(h.hasconnection(f.url)).toBe(true);
  });

  it('dont_make_reusable closes a new socket after its request, and reuses an idle keep-alive one as usual', async () => {
    const f = await fixture();
    const h = plutoHttp();
    ok(await h.request(`${f.url}/hello`, { dont_make_reusable: true }));
    expect(f.requestLog[0]!.headers['connection']).toBe('close');
    await f.until((x) => x.openConnections === 0);
    ok(await h.request(`${f.url}/hello`));
    expect(f.connections).toBe(2);
    ok(await h.request(`${f.url}/hello`, { dont_make_reusable: true }));
    expect(f.connections).toBe(2);
    expect(f.requestLog[2]!.headers['connection']).toBe('keep-alive');
    expect(f.requestLog[2]!.socketId).toBe(f.requestLog[1]!.socketId);
  });
});

describe('the scheduler with I/O', () => {
  it('suspends only the coroutine that waits: another keeps running meanwhile', async () => {
    const f = await fixture();
    const latch = f.hold('/held');
    const h = plutoHttp();
    const s = new Scheduler();
    let done = false;
    let loops = 0;
    s.add(function* () {
      ok(yield* h.request(`${f.url}/held`));
      done = true;
    });
    s.addloop(() => {
      loops++;
      return done ? false : undefined;
    });
    const running = s.run();
    await latch.waitForArrivals(1);
    const before = loops;
    await until(() => loops > before + 10, 'ten more loop passes', 10_000, 1);
    latch.release();
    await running;
    expect(done).toBe(true);
  });

  it('uses no CPU while every coroutine waits: no pass and no resume until a response arrives', async () => {
    const f = await fixture();
    const latch = f.hold('/held');
    const h = plutoHttp();
    const s = new Scheduler();
    const results: PlutoResult[] = [];
    for (let i = 0; i < 5; i++) {
      s.add(function* () {
        results.push(yield* h.request(`${f.url}/held?i=${i}`));
      });
    }
    const running = s.run();
    await latch.waitForArrivals(5);
    await until(() => s.sleeping, 'the scheduler asleep', 10_000, 1);
    const passes = s.passes;
    const resumes = s.resumes;
    expect(s.waiting).toBe(5);
    // A measuring window (not an ordering wait): timers and event-loop turns go by.
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(s.passes - passes).toBe(0);
    expect(s.resumes - resumes).toBe(0);
    latch.release();
    await running;
    expect(results.map((r) => r[1])).toEqual([200, 200, 200, 200, 200]);
  });
});

describe('the seed doc\'s examples, translated', () => {
  it('http.request outside a coroutine: status line, headers, body', async () => {
    const f = await fixture({ tls: true });
    f.route('/anything', (req, res) => {
      const body = JSON.stringify({ method: req.method, url: req.url });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    const http = plutoHttp({ ca: f.ca! });
    const printed: string[] = [];
    const print = (...values: unknown[]) => printed.push(values.map(String).join('\t'));

    // local http = require "pluto:http"
    // local body, status_code, headers, status_text = http.request("https://httpbin.org/anything")
    // print(status_code.." "..status_text)
    // if os.platform != "wasm" then print(dumpvar(headers)) end
    // print(body)
    const [body, status_code, headers, status_text] = await http.request(`https://127.0.0.1:${f.port}/anything`);
    print(`${status_code} ${status_text}`);
    print(JSON.stringify(headers));
    print(body);

    expect(printed[0]).toBe('200 OK');
    expect(JSON.parse(printed[1]!)).toMatchObject({ 'Content-Type': 'application/json' });
    expect(JSON.parse(printed[2]!)).toEqual({ method: 'GET', url: '/anything' });
  });

  it('an addloop printing hasconnection beside a coroutine requesting; the loop returns false once the request is done', async () => {
    const f = await fixture({ tls: true });
    f.route('/anything', (_req, res) => res.end('anything'));
    const http = plutoHttp({ ca: f.ca! });
    const remote = `https://127.0.0.1:${f.port}`;
    const printed: string[] = [];
    const print = (value: unknown) => printed.push(String(value));

    // local sched = new scheduler()
    // sched:addloop(function() print(http.hasconnection("https://httpbin.org")) end)
    // sched:add(function() print((http.request("https://httpbin.org/anything"))) end)
    // sched:run()
    // (The original's loop never returns false, so its run() never ends; this one stops once
    // the request is done.)
    let done = false;
    const sched = new Scheduler();
    sched.addloop(() => {
      print(http.hasconnection(remote));
      if (done) return false;
    });
    sched.add(function* () {
      print((yield* http.request(`${remote}/anything`))[0]);
      done = true;
    });
    await sched.run();

    expect(printed[0]).toBe('false');
    expect(printed).toContain('anything');
    expect(printed.at(-1)).toBe('true');
    const firstTrue = printed.indexOf('true');
    expect(firstTrue).toBeGreaterThan(0);
    expect(printed.slice(firstTrue).filter((p) => p === 'false')).toEqual([]); // false → true, never back
  });
});

describe('issue 15: closeconnections and keep-alive as the real runtime', () => {
  it('closeconnections with a request in flight: the request\'s waiter runs before the caller resumes', async () => {
    // Pluto: the request ends, its coroutine is resumed on the next pass and goes on; only
    // after that does closeconnections see the I/O thread gone and return. The caller is
    // added first (key 1), so a pass that woke both would resume it first: it must not be
    // woken before the waiter (key 2) has run.
    const f = await fixture();
    const latch = f.hold('/held');
    const h = plutoHttp();
    const s = new Scheduler();
    const log: string[] = [];
    let started = false;
    s.add(function* () {
      while (!started || latch.arrivals === 0) yield;
      log.push('close called');
      const pending = h.closeconnections();
      latch.release();
      yield* pending;
      log.push('close returned');
    });
    s.add(function* () {
      started = true;
      const [body] = ok(yield* h.request(`${f.url}/held`));
      log.push(`request: ${body}`);
    });
    await s.run();
    expect(log).toEqual(['close called', 'request: held', 'close returned']);
  });

  it('keep-alive comes back after the server closed it: the next request opens a new keep-alive socket', async () => {
    const f = await fixture();
    f.route('/close', (_req, res) => {
      res.setHeader('Connection', 'close');
      res.end('bye');
    });
    const h = plutoHttp();
    const s = new Scheduler();
    const seen: boolean[] = [];
    s.add(function* () {
      ok(yield* h.request(`${f.url}/echo`));
      ok(yield* h.request(`${f.url}/close`));
    });
    await s.run();
    await f.until(() => f.openConnections === 0);
    seen.push(h.hasconnection(f.url));
    s.add(function* () {
      ok(yield* h.request(`${f.url}/echo`));
      seen.push(h.hasconnection(f.url));
      ok(yield* h.request(`${f.url}/echo`));
    });
    await s.run();
    expect(seen).toEqual([false, true]);
    const after = f.requestLog.slice(2);
    expect(after.map((r) => r.headers['connection'])).toEqual(['keep-alive', 'keep-alive']);
    // One socket for the first two requests, one new keep-alive socket for the last two.
    expect(f.connections).toBe(2);
  });
});
