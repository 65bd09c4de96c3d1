import type { Client } from '@courier/origin';
import { defaultAcceptEncoding, defaultUserAgent, Scheduler, type PlutoHttp } from '@courier/scheduler';

/** The headers the facade sends by default; the direct client sends the same, so the bytes on the wire match. */
export const plutoDefaultHeaders: Array<[string, string]> = [
  ['User-Agent', defaultUserAgent],
  ['Accept-Encoding', defaultAcceptEncoding],
];

export interface LoadOptions {
  /** One URL per origin; loop `i` uses `urls[i % urls.length]`. */
  urls: readonly string[];
  /** Loops (coroutines or async loops), each with one request in flight. */
  inFlight: number;
  /** Stop starting requests after this long, in milliseconds. */
  durationMs: number;
  /** Stop starting requests after this many, whatever the time. */
  maxRequests: number;
  /** Body length every response must have. */
  expectBytes: number;
}

export interface LoadRound {
  requests: number;
  elapsedMs: number;
  /** CPU time of this process during the round, in microseconds. */
  cpuMicros: number;
}

function finish(started: number, cpuBefore: NodeJS.CpuUsage, requests: number): LoadRound {
  const cpu = process.cpuUsage(cpuBefore);
  return { requests, elapsedMs: performance.now() - started, cpuMicros: cpu.user + cpu.system };
}

/**
 * Pluto style: one `Scheduler`, `inFlight` coroutines each looping `yield* http.request(url)`.
 * A failed request (`[null, reason]`) or a short body ends the round with an error.
 */
export async function facadeRound(http: PlutoHttp, o: LoadOptions): Promise<LoadRound> {
  const sched = new Scheduler();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const deadline = started + o.durationMs;
  let issued = 0;
  let requests = 0;
  for (let c = 0; c < o.inFlight; c++) {
    const url = o.urls[c % o.urls.length]!;
    sched.add(function* () {
      while (issued < o.maxRequests && performance.now() < deadline) {
        issued++;
        const [body, statusOrReason] = yield* http.request(url);
        if (body === null) throw new Error(`facade request failed: ${String(statusOrReason)}`);
        if (statusOrReason !== 200 || body.length !== o.expectBytes) throw new Error(`facade: status ${statusOrReason}, ${body.length} bytes`);
        requests++;
      }
    });
  }
  await sched.run();
  return finish(started, cpuBefore, requests);
}

/** The same load straight on the client: `inFlight` async loops of `request` + `bytes()`. */
export async function directRound(client: Client, o: LoadOptions): Promise<LoadRound> {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const deadline = started + o.durationMs;
  let issued = 0;
  let requests = 0;
  const loop = async (url: string): Promise<void> => {
    while (issued < o.maxRequests && performance.now() < deadline) {
      issued++;
      const res = await client.request(url, { headers: plutoDefaultHeaders });
      const body = await res.bytes();
      if (res.status !== 200 || body.length !== o.expectBytes) throw new Error(`direct: status ${res.status}, ${body.length} bytes`);
      requests++;
    }
  };
  await Promise.all(Array.from({ length: o.inFlight }, (_, c) => loop(o.urls[c % o.urls.length]!)));
  return finish(started, cpuBefore, requests);
}
