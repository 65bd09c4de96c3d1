import { createClient, isCourierError } from '@courier/origin';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Scheduler } from '../scheduler.ts';
import { createPlutoHttp } from './create-pluto-http.ts';
import { http, setDefaultTransport, transportFromEnv } from './default-http.ts';
import { createFleetTransport } from './fleet-transport.ts';
import { createInProcessTransport } from './in-process-transport.ts';

function codeOf(f: () => unknown): string {
  try {
    f();
    return 'no error';
  } catch (error) {
    return isCourierError(error) ? `${error.code}: ${error.message}` : String(error);
  }
}

describe('transport choice', () => {
  it('keeps createPlutoHttp(client) in-process, with its client as transport', () => {
    const client = createClient();
    onTestFinished(() => client.destroy());
    const h = createPlutoHttp(client);
    expect(h.client).toBe(client);
    expect(h.transport.kind).toBe('in-process');
    const viaTransport = createPlutoHttp({ transport: createInProcessTransport(client) });
    expect(viaTransport.client).toBe(client);
  });

  it('applies the facade rules in front of the fleet transport', () => {
    // Nothing listens there: hasconnection answers from the (empty) mirror while it tries to connect.
    const transport = createFleetTransport({ redisUrl: 'redis://127.0.0.1:1' });
    onTestFinished(() => transport.close());
    const h = createPlutoHttp({ transport });
    expect(h.transport).toBe(transport);
    expect(codeOf(() => h.client)).toMatch(/^BAD_OPTION: http.client: the fleet transport has no local client/);
    expect(codeOf(() => h.request({} as never))).toBe("BAD_URL: Table is missing 'url' option");
    expect(codeOf(() => h.hasconnection(42 as never))).toBe("BAD_URL: bad argument #1 to 'hasconnection' (string expected, got number)");
    expect(h.hasconnection('ftp://x')).toBe(false);
    expect(h.hasconnection('http://127.0.0.1:9')).toBe(false);
    expect(codeOf(() => h.closeconnections())).toBe('BAD_OPTION: http.closeconnections must be called inside a coroutine');
  }, 60_000);

  it('answers a request with a reason when the queue cannot be reached', async () => {
    const transport = createFleetTransport({ redisUrl: 'redis://127.0.0.1:1' });
    onTestFinished(() => transport.close());
    const h = createPlutoHttp({ transport });
    const sched = new Scheduler();
    let result: unknown;
    sched.add(function* () {
      result = yield* h.request('http://127.0.0.1:9/');
    });
    await sched.run();
    expect(result).toEqual([null, 'Connection Closed Prematurely']);
    await expect(transport.ready()).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
  }, 120_000);

  it('refuses bad options and transports', () => {
    expect(codeOf(() => createFleetTransport({ redisUrl: 'http://x' }))).toMatch(/^BAD_OPTION: createFleetTransport: redisUrl/);
    expect(codeOf(() => createFleetTransport({ redisUrl: 'redis://x', maxPending: 0 }))).toMatch(/^BAD_OPTION: createFleetTransport: maxPending/);
    expect(codeOf(() => createPlutoHttp({ transport: {} as never }))).toMatch(/^BAD_OPTION: createPlutoHttp: transport/);
  });

  it('picks the default http transport from setDefaultTransport, else COURIER_TRANSPORT', () => {
    expect(transportFromEnv({})).toBeNull();
    expect(transportFromEnv({ COURIER_TRANSPORT: 'in-process', REDIS_URL: 'redis://x' })).toBeNull();
    expect(codeOf(() => transportFromEnv({ COURIER_TRANSPORT: 'fleet' }))).toMatch(/^BAD_OPTION: COURIER_TRANSPORT=fleet needs REDIS_URL or REDIS_CLUSTER_NODES/);
    expect(codeOf(() => transportFromEnv({ COURIER_TRANSPORT: 'moon' }))).toMatch(/^BAD_OPTION: COURIER_TRANSPORT must be/);
    const fleet = transportFromEnv({ COURIER_TRANSPORT: 'fleet', REDIS_URL: 'redis://127.0.0.1:1' });
    onTestFinished(() => fleet?.close());
    expect(fleet?.kind).toBe('fleet');

    const transport = createFleetTransport({ redisUrl: 'redis://127.0.0.1:1' });
    onTestFinished(() => transport.close());
    expect(setDefaultTransport(transport)).toBeNull();
    onTestFinished(() => {
      setDefaultTransport(null);
    });
    expect(http.transport).toBe(transport);
    expect(setDefaultTransport(null)).toBe(transport);
    expect(http.transport.kind).toBe('in-process');
    onTestFinished(() => http.transport.close());
  });
});
