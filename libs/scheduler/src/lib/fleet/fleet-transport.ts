import { CourierError, isCourierError, originIdOf, originOf, remoteToUrl } from '@courier/origin';
import type { EnqueueResult, JobError, JobRecord, JobResult, QueueDriver, QueueEvent, RequestJob } from '@courier/queue';
import type { PlutoRequestSpec } from '../http/build-request.ts';
import { plutoReason, plutoReasons } from '../http/reasons.ts';
import type { PlutoResult } from '../http/types.ts';
import { FleetMirror } from './fleet-mirror.ts';
import { fleetTransportDefaults, type FleetTransportOptions } from './fleet-options.ts';
import { requestJobFor } from './request-job.ts';
import { Operation } from '../operation.ts';
import { failureTuple, inlineSuccessTuple, isStatusFailure, statusOnlyTuple, successTuple } from './result-tuple.ts';
import type { PlutoTransport } from './transport.ts';

/** Counters, for tests and the benchmark. */
export interface FleetTransportStats {
  /** Request jobs enqueued. */
  enqueued: number;
  /** Enqueue calls made (each carries a batch). */
  enqueueCalls: number;
  /** Results delivered (success or failure tuples). */
  settled: number;
  /** Jobs looked up because their result event had not come (`recheckAfterMs`). */
  rechecked: number;
  /** Reads of the fleet view applied to the mirror. */
  mirrorReads: number;
  /** Requests waiting here for room under `maxPending`. */
  queued: number;
  /** Jobs enqueued and not finished. */
  pending: number;
}

/** The fleet transport: `http.request` → a `request` job on the Redis queue, run by a worker. */
export interface FleetTransport extends PlutoTransport {
  readonly kind: 'fleet';
  /** Connects, subscribes to the queue's events and reads the fleet view once. Rejects with `QUEUE_UNAVAILABLE`. */
  ready(): Promise<void>;
  /** Resolves once no request of this transport is queued or pending. */
  idle(): Promise<void>;
  /** Reads the fleet view into the mirror now (the mirror also refreshes by itself while `hasconnection` is used). */
  refresh(): Promise<void>;
  readonly stats: Readonly<FleetTransportStats>;
}

type QueueModule = typeof import('@courier/queue');

interface Connection {
  driver: QueueDriver;
  /** Opened here (so closed here), or given by the caller. */
  owned: boolean;
  unsubscribe(): void;
  /** The queue's request jobs can complete with any HTTP status (Pluto's rule); see the README. */
  anyStatus: boolean;
}

/** One request, from `request()` until its tuple: queued here, then pending in Redis. */
interface Waiter {
  job: RequestJob;
  /** Settled with the tuple; the caller's coroutine waits on it. */
  answer: Operation<PlutoResult>;
  /** When it was enqueued or last looked up, in epoch milliseconds (0 while queued here). */
  since: number;
  /** Counted as running in the mirror (its `active` event came): uncounted when it settles. */
  active?: boolean;
}

const finishedStates = new Set<JobRecord['state']>(['completed', 'failed', 'cancelled']);

/** Rechecks started per tick at most, so a stalled event stream does not turn into a flood of reads. */
const MAX_RECHECKS_PER_TICK = 200;

/** Errors an enqueue of the whole batch can have although each job on its own might go through. */
function isInputError(error: unknown): boolean {
  return isCourierError(error) && error.code !== 'QUEUE_UNAVAILABLE' && error.code !== 'QUEUE_FULL' && error.code !== 'INTERNAL';
}

/** The origin said it closes the socket after this response: no keep-alive socket is left. */
function saysClose(headers: Record<string, string | string[]>): boolean {
  const value = headers['connection'];
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  return /(^|,)\s*close\s*(,|$)/i.test(text);
}

class Transport implements FleetTransport {
  readonly kind = 'fleet' as const;
  readonly #options: FleetTransportOptions;
  readonly #settings: { [K in keyof typeof fleetTransportDefaults]: number };
  readonly #mirror = new FleetMirror();
  readonly #stats = { enqueued: 0, enqueueCalls: 0, settled: 0, rechecked: 0 };
  #connection: Promise<Connection> | null = null;
  /** Known once connected (events, and so results, come only after). */
  #resultsDir = '';
  #closing: Promise<void> | null = null;
  readonly #queued: Waiter[] = [];
  readonly #pending = new Map<string, Waiter>();
  /** Requests not yet answered, for `closeconnections` (waits for those made before it) and `idle()`. */
  readonly #outstanding = new Set<Operation<PlutoResult>>();
  /** Result events for ids we do not know yet, kept while an enqueue is in flight (its ids come back after its jobs may have run). */
  #early: Map<string, QueueEvent> | null = null;
  #flushing = false;
  #flushScheduled = false;
  #refreshTimer: NodeJS.Timeout | null = null;
  #lastAsked = 0;
  #reading: Promise<void> | null = null;
  #recheckTimer: NodeJS.Timeout | null = null;

  constructor(options: FleetTransportOptions) {
    if (options?.queue === undefined && !options?.clusterNodes && (typeof options?.redisUrl !== 'string' || !/^rediss?:\/\//.test(options.redisUrl))) {
      throw new CourierError('BAD_OPTION', 'createFleetTransport: redisUrl must be a redis:// or rediss:// URL');
    }
    this.#options = options;
    const settings = { ...fleetTransportDefaults };
    for (const key of Object.keys(fleetTransportDefaults) as Array<keyof typeof fleetTransportDefaults>) {
      const value = options[key];
      if (value === undefined) continue;
      if (!Number.isInteger(value) || value < 1) throw new CourierError('BAD_OPTION', `createFleetTransport: ${key} must be a positive integer`);
      (settings as Record<string, number>)[key] = value;
    }
    this.#settings = settings;
  }

  get stats(): FleetTransportStats {
    return { ...this.#stats, mirrorReads: this.#mirror.reads, queued: this.#queued.length, pending: this.#pending.size };
  }

  // ---- connection ----

  #connect(): Promise<Connection> {
    if (this.#closing) return Promise.reject(new CourierError('CLIENT_CLOSED', 'the fleet transport is closed'));
    if (!this.#connection) {
      const connecting = this.#open();
      this.#connection = connecting;
      // A failed connect is retried by the next call rather than remembered forever.
      connecting.catch(() => {
        if (this.#connection === connecting) this.#connection = null;
      });
    }
    return this.#connection;
  }

  async #open(): Promise<Connection> {
    // Loaded on first use: an in-process script never loads BullMQ.
    const queue: QueueModule = await import('@courier/queue');
    const { redisUrl, clusterNodes, shards, prefix, queueName, logger } = this.#options;
    const owned = this.#options.queue === undefined;
    const driver =
      this.#options.queue ??
      (await queue.createQueue({
        ...(redisUrl ? { redisUrl } : {}),
        ...(clusterNodes ? { clusterNodes } : {}),
        ...(shards ? { shards } : {}),
        prefix,
        queueName,
        events: true,
        ...(logger ? { logger } : {}),
      }));
    try {
      // createQueue does not fail while Redis is away; this does (QUEUE_UNAVAILABLE).
      await driver.counts();
    } catch (error) {
      if (owned) await driver.close();
      throw error;
    }
    // Results arrive through the queue's event stream, read from before our first enqueue.
    const unsubscribe = driver.subscribe((event) => this.#onEvent(event));
    // The listener is attached once the event reader is open (a promise callback); events come on I/O, later.
    await new Promise((resolve) => setImmediate(resolve));
    const resultsDir = this.#options.resultsDir ?? process.env['COURIER_RESULTS_DIR'] ?? queue.defaultResultsDir();
    const anyStatus = 'acceptAnyStatus' in queue.requestJobSchema.shape;
    if (this.#closing) {
      unsubscribe();
      if (owned) await driver.close();
      throw new CourierError('CLIENT_CLOSED', 'the fleet transport is closed');
    }
    this.#resultsDir = resultsDir;
    return { driver, owned, unsubscribe, anyStatus };
  }

  async ready(): Promise<void> {
    await this.#connect();
    await this.refresh();
  }

  // ---- requests ----

  request(spec: PlutoRequestSpec, op?: Operation<PlutoResult>): PromiseLike<PlutoResult> {
    // One object per request on this hot path: the caller's Operation is the answer (a thenable
    // for callers without one).
    const answer = op ?? new Operation<PlutoResult>();
    if (this.#closing) {
      answer.resolve([null, plutoReasons.CLIENT_CLOSED]);
      return answer;
    }
    this.#outstanding.add(answer);
    this.#queued.push({ job: requestJobFor(spec), answer, since: 0 });
    this.#scheduleFlush();
    return answer;
  }

  #resolve(waiter: Waiter, result: PlutoResult): void {
    this.#outstanding.delete(waiter.answer);
    this.#stats.settled++;
    waiter.answer.resolve(result);
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#flushing) return;
    this.#flushScheduled = true;
    // After the current scheduler pass: every request made in it goes out in one enqueue call.
    queueMicrotask(() => {
      this.#flushScheduled = false;
      void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      while (this.#queued.length > 0 && this.#pending.size < this.#settings.maxPending && !this.#closing) {
        let connection: Connection;
        try {
          connection = await this.#connect();
        } catch (error) {
          const failure: PlutoResult = [null, plutoReason(error)];
          for (const waiter of this.#queued.splice(0)) this.#resolve(waiter, failure);
          return;
        }
        const room = Math.min(this.#queued.length, this.#settings.maxBatch, this.#settings.maxPending - this.#pending.size);
        await this.#enqueue(connection, this.#queued.splice(0, room));
      }
    } finally {
      this.#flushing = false;
    }
  }

  async #enqueue(connection: Connection, batch: Waiter[]): Promise<void> {
    this.#early = new Map();
    try {
      await this.#add(connection, batch);
    } finally {
      this.#early = null;
    }
  }

  async #add(connection: Connection, batch: Waiter[]): Promise<void> {
    const jobs: RequestJob[] = [];
    for (const waiter of batch) {
      // The job object is this request's own (made by requestJobFor): set in place, no copy.
      if (connection.anyStatus) waiter.job.acceptAnyStatus = true;
      jobs.push(waiter.job);
    }
    let ids: EnqueueResult[];
    try {
      this.#stats.enqueueCalls++;
      // One attempt: Pluto retries nothing but a stale socket, which the worker's client does itself.
      ids = await connection.driver.enqueue(jobs, { attempts: 1 }, { batch: this.#options.batchJobs === true && jobs.length > 1 });
    } catch (error) {
      // A batch is all or nothing; one bad request (a URL the queue refuses) fails only itself.
      if (batch.length > 1 && isInputError(error)) {
        for (const one of batch) await this.#add(connection, [one]);
        return;
      }
      const failure: PlutoResult = [null, plutoReason(error)];
      for (const waiter of batch) this.#resolve(waiter, failure);
      return;
    }
    this.#stats.enqueued += batch.length;
    const now = Date.now();
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!.id;
      const waiter = batch[i]!;
      waiter.since = now;
      this.#pending.set(id, waiter);
      const early = this.#early?.get(id);
      if (early) this.#onEvent(early);
    }
    this.#armRecheck();
  }

  #onEvent(event: QueueEvent): void {
    if (event.type === 'active') {
      const waiter = this.#pending.get(event.id);
      // A request that may make its socket reusable: hasconnection is true while it runs.
      if (waiter && !waiter.active && waiter.job.dontMakeReusable !== true && waiter.job.dontReuse !== true) {
        waiter.active = true;
        this.#mirror.noteJobActive(originOf(waiter.job.url));
      }
      return;
    }
    if (event.type !== 'completed' && (event.type !== 'failed' || event.willRetry)) return;
    const waiter = this.#pending.get(event.id);
    if (!waiter) {
      this.#early?.set(event.id, event);
      return;
    }
    if (event.type === 'completed') this.#settleCompleted(event.id, waiter, event.result);
    else this.#settleFailed(event.id, waiter, event.error);
  }

  #finish(id: string): void {
    const waiter = this.#pending.get(id);
    if (waiter?.active) {
      waiter.active = false;
      this.#mirror.noteJobEnded(originOf(waiter.job.url));
    }
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#disarmRecheck();
    if (this.#queued.length > 0) this.#scheduleFlush();
  }

  #settleCompleted(id: string, waiter: Waiter, result: JobResult | undefined): void {
    this.#finish(id);
    if (!result || result.kind !== 'request') {
      this.#resolve(waiter, [null, plutoReasons.INTERNAL]);
      return;
    }
    // Before the coroutine resumes: it may ask `hasconnection` at once, before the worker's next heartbeat.
    if (saysClose(result.headers)) {
      // Served on the worker's keep-alive socket, which the server has now closed.
      if (waiter.job.dontReuse !== true) this.#mirror.noteClosed(result.workerId, originOf(waiter.job.url));
    } else if (waiter.job.dontMakeReusable !== true) {
      this.#mirror.noteReusable(result.workerId, originOf(waiter.job.url));
    }
    // A small plain body is the usual answer: its tuple needs no file read or decoding, no promise turn.
    const tuple = inlineSuccessTuple(result);
    if (tuple) this.#resolve(waiter, tuple);
    else void successTuple(result, this.#resultsDir).then((t) => this.#resolve(waiter, t));
  }


  #settleFailed(id: string, waiter: Waiter, error: JobError): void {
    this.#finish(id);
    this.#resolve(waiter, isStatusFailure(error) ? statusOnlyTuple(error) : failureTuple(error));
  }

  // ---- missed events: the stream is capped, so a job whose event never came is looked up ----

  #armRecheck(): void {
    if (this.#recheckTimer || this.#pending.size === 0) return;
    this.#recheckTimer = setInterval(() => this.#recheck(), Math.max(1, Math.floor(this.#settings.recheckAfterMs / 2)));
    this.#recheckTimer.unref();
  }

  #disarmRecheck(): void {
    if (this.#recheckTimer) clearInterval(this.#recheckTimer);
    this.#recheckTimer = null;
  }

  #recheck(): void {
    const now = Date.now();
    const due: Array<[string, Waiter]> = [];
    for (const entry of this.#pending) {
      if (now - entry[1].since < this.#settings.recheckAfterMs) continue;
      entry[1].since = now;
      due.push(entry);
      if (due.length >= MAX_RECHECKS_PER_TICK) break;
    }
    if (due.length === 0) return;
    void this.#connect().then(
      (connection) => {
        for (const [id, waiter] of due) {
          this.#stats.rechecked++;
          connection.driver.get(id).then(
            (record) => {
              if (this.#pending.get(id) !== waiter) return; // its event came meanwhile
              if (!record) this.#settleFailed(id, waiter, { code: 'NOT_FOUND', message: 'the job is gone from the queue' });
              else if (record.state === 'completed') this.#settleCompleted(id, waiter, record.result);
              else if (finishedStates.has(record.state)) this.#settleFailed(id, waiter, record.error ?? { code: 'INTERNAL', message: record.state });
            },
            () => {}, // Redis away: the next tick tries again
          );
        }
      },
      () => {},
    );
  }

  // ---- fleet-wide connection state ----

  hasConnection(remote: string | URL): boolean {
    const origin = originIdOf(remoteToUrl(remote), undefined).origin;
    this.#lastAsked = Date.now();
    if (!this.#refreshTimer && !this.#closing) {
      // Read while someone asks, not forever: workers publish no change notification, only a
      // heartbeat hash, so the view is read every `refreshMs` (see the README).
      this.#refreshTimer = setInterval(() => {
        if (Date.now() - this.#lastAsked > this.#settings.refreshIdleMs) this.#stopRefreshing();
        // A read slower than the interval (Redis busy) is not queued behind: the next tick reads again.
        else if (!this.#reading) void this.refresh().catch(() => {});
      }, this.#settings.refreshMs);
      this.#refreshTimer.unref();
      void this.refresh().catch(() => {});
    }
    return this.#mirror.hasConnection(origin);
  }

  #stopRefreshing(): void {
    if (this.#refreshTimer) clearInterval(this.#refreshTimer);
    this.#refreshTimer = null;
  }

  refresh(): Promise<void> {
    // One read at a time; a caller during a read gets a read that starts after it.
    const previous = this.#reading;
    const read: Promise<void> = (async () => {
      await previous?.catch(() => {});
      const connection = await this.#connect();
      const ticket = this.#mirror.beginRead();
      const workers = await connection.driver.fleet.workers();
      this.#mirror.apply(ticket, workers);
    })();
    this.#reading = read;
    void read.finally(() => {
      if (this.#reading === read) this.#reading = null;
    }).catch(() => {});
    return read;
  }

  async closeConnections(): Promise<void> {
    // The requests made before the call are "in flight at the call" wherever they are (queued here,
    // waiting in Redis, running on a worker): they finish first, then every worker drains.
    await Promise.all([...this.#outstanding]);
    const connection = await this.#connect();
    const report = await connection.driver.fleet.closeConnections(undefined, { timeoutMs: this.#settings.closeTimeoutMs });
    this.#mirror.noteDrained(report.drained.map((w) => w.workerId));
    void this.refresh().catch(() => {});
  }

  async idle(): Promise<void> {
    while (this.#outstanding.size > 0) await Promise.all([...this.#outstanding]);
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#stopRefreshing();
      this.#disarmRecheck();
      const closed: PlutoResult = [null, plutoReasons.CLIENT_CLOSED];
      for (const waiter of this.#queued.splice(0)) this.#resolve(waiter, closed);
      for (const [id, waiter] of [...this.#pending]) {
        this.#pending.delete(id);
        this.#resolve(waiter, closed);
      }
      const connection = await this.#connection?.catch(() => null);
      if (connection) {
        connection.unsubscribe();
        if (connection.owned) await connection.driver.close();
      }
    })();
    return this.#closing;
  }
}

/**
 * The fleet transport for `createPlutoHttp({ transport })`. Nothing connects until the first
 * request or `hasconnection` (or `ready()`); `close()` releases the Redis connections.
 */
export function createFleetTransport(options: FleetTransportOptions): FleetTransport {
  return new Transport(options);
}
