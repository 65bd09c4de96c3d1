import { createClient, isCourierError, type Client, type CourierError, type OriginPolicy } from '@courier/origin';
import { describe, expect, it, onTestFinished } from 'vitest';
import { forThisTest, startRawFixture, unroutableConnectTarget, type RawConnectionHandler, type RawFixture } from '../fixtures/index.ts';

// Connect, headers and body timeouts fire within 20 ms of their value, also below one second
// (undici's fast timers turned 100 ms into ~1 s). How this is measured, on a noisy machine:
// - the duration asserted is the one the client's own timer recorded (`elapsedMs` on the error:
//   the fire time minus the phase start), not wall clock around an awaited call, which would add
//   the fixture's and the event loop's delays to the client's;
// - the lower bound is hard, on every trial: a timeout never fires before its value;
// - the upper bound (value + 20 ms) is asserted on the median of TRIALS concurrent trials, so one
//   trial whose timer callback was delayed by a busy CPU does not fail the test, while a coarse
//   timer (undici's ticked every ~500 ms) fails every trial and so the median. The trials run
//   one after another: run at once, their timers fire in one callback and share one delay.
const TRIALS = 3;
const VALUES = [100, 200, 1_500];
const SLACK_MS = 20;

type Phase = 'connectTimeoutMs' | 'headersTimeoutMs' | 'bodyTimeoutMs';

function client(phase: Phase, ms: number): Client {
  const policy: Partial<OriginPolicy> = { [phase]: ms };
  const c = createClient({ policy });
  onTestFinished(() => c.destroy());
  return c;
}

const raw = (handler: RawConnectionHandler): Promise<RawFixture> => forThisTest(startRawFixture(handler));

/** Runs `attempt` TRIALS times in turn; returns each trial's error and wall-clock duration. */
async function trials(attempt: () => Promise<unknown>): Promise<Array<{ error: CourierError; wallMs: number }>> {
  const results: Array<{ error: CourierError; wallMs: number }> = [];
  for (let i = 0; i < TRIALS; i += 1) {
    const started = performance.now();
    const error = await attempt().then(
      () => new Error('expected a timeout, the request succeeded'),
      (e: unknown) => e,
    );
    if (!isCourierError(error)) throw error;
    results.push({ error, wallMs: performance.now() - started });
  }
  return results;
}

function expectPrecise(results: Array<{ error: CourierError; wallMs: number }>, code: string, ms: number): void {
  const elapsed = results.map((r) => {
    expect(r.error.code).toBe(code);
    const e = r.error.details['elapsedMs'];
    expect(typeof e, 'the error carries the elapsed time its timer measured').toBe('number');
    expect(e as number).toBeGreaterThanOrEqual(ms);
    // The phase starts after the call, so the caller waited at least as long as the timer says.
    expect(r.wallMs).toBeGreaterThanOrEqual(e as number);
    return e as number;
  });
  elapsed.sort((a, b) => a - b);
  const median = elapsed[Math.floor(elapsed.length / 2)]!;
  expect(median, `median of ${elapsed.join(', ')} ms`).toBeLessThanOrEqual(ms + SLACK_MS);
}

describe('timeouts fire within 20 ms of their value', () => {
  for (const ms of VALUES) {
    // Watchdogs at ~10× the timeout (and never below a few seconds): the bound asserted is elapsedMs.
    const watchdog = Math.max(ms * 10 * TRIALS, 5_000);

    it(`connect ${ms} ms → CONNECT_TIMEOUT`, async () => {
      const target = await unroutableConnectTarget();
      expect(target, 'this platform cannot make a connect hang on loopback').not.toBeNull();
      onTestFinished(() => target!.close());
      const c = client('connectTimeoutMs', ms);
      expectPrecise(await trials(() => c.request(target!.url)), 'CONNECT_TIMEOUT', ms);
    }, watchdog);

    it(`headers ${ms} ms → HEADERS_TIMEOUT`, async () => {
      // Reads each request and never answers: the head is held for good.
      const f = await raw((_socket, ctx) => void ctx.readRequest().catch(() => {}));
      const c = client('headersTimeoutMs', ms);
      expectPrecise(await trials(() => c.request(f.url)), 'HEADERS_TIMEOUT', ms);
    }, watchdog);

    it(`body ${ms} ms → BODY_TIMEOUT`, async () => {
      // The head and 10 of 100 body bytes at once, then the body stalls.
      const f = await raw((socket, ctx) => {
        ctx.readRequest().then(
          () => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789'),
          () => {},
        );
      });
      const c = client('bodyTimeoutMs', ms);
      expectPrecise(
        await trials(async () => {
          const res = await c.request(f.url);
          expect(res.status).toBe(200);
          return res.text();
        }),
        'BODY_TIMEOUT',
        ms,
      );
    }, watchdog);
  }
});
