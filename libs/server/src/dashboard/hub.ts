import { channels, RequestWindow, type RequestEndMessage } from '@courier/origin';
import type { QueueCounts, QueueDriver } from '@courier/queue';
import type { FastifyBaseLogger } from 'fastify';
import type { OriginsView } from '../origins/origins-view.ts';
import type { CampaignsPayload, CampaignsSource } from './campaigns.ts';
import { originColumns, originRow, OriginTable, type OriginRow } from './origin-rows.ts';
import { Throughput } from './throughput.ts';
import type { Viewer } from './viewer.ts';

export interface DashboardHubOptions {
  origins: OriginsView;
  queue: QueueDriver;
  campaigns: CampaignsSource;
  /** Interval of origin updates, in milliseconds; queue counts and campaigns follow every second. */
  tickMs: number;
  log: FastifyBaseLogger;
}

/** Rows per `origins` event of a full snapshot: the first screen can draw before the last chunk arrives. */
const snapshotChunkRows = 2_000;

/** What a page is told first: how to read the rows, and what this server can show. */
export interface DashboardHello {
  columns: readonly string[];
  scope: 'local' | 'fleet';
  queue: string;
  tickMs: number;
}

/**
 * One loop for every open dashboard: origin snapshots are read, diffed and sent a few times a
 * second, queue counts and campaigns once a second, whoever watches and however many do. It
 * runs only while a page is open: with nobody watching it reads nothing and records nothing
 * (request latencies included), so the figures cover the time since the first page opened, up
 * to the last minute.
 */
export class DashboardHub {
  readonly #options: DashboardHubOptions;
  readonly #viewers = new Set<Viewer>();
  readonly #table = new OriginTable();
  #window: RequestWindow | null = null;
  #throughput: Throughput | null = null;
  #unsubscribeQueue: (() => void) | null = null;
  #timer: NodeJS.Timeout | null = null;
  #ticking: Promise<void> | null = null;
  #ticks = 0;
  #synced = false;
  #counts: QueueCounts | null = null;
  #campaigns: CampaignsPayload = { available: false, campaigns: [] };
  #campaignsJson = '';
  readonly #onRequestEnd = (message: unknown) => {
    const m = message as RequestEndMessage;
    this.#window?.record(m.origin, m.durationMs);
  };

  constructor(options: DashboardHubOptions) {
    this.#options = options;
  }

  get hello(): DashboardHello {
    return { columns: originColumns, scope: this.#options.origins.scope, queue: this.#options.queue.name, tickMs: this.#options.tickMs };
  }

  /** Pages open now. */
  get viewers(): number {
    return this.#viewers.size;
  }

  /** Adds a page; it gets the whole picture at once when the loop already has one, else with the first tick. */
  add(viewer: Viewer): void {
    this.#viewers.add(viewer);
    viewer.onClose(() => {
      this.#viewers.delete(viewer);
      if (this.#viewers.size === 0) this.#stop();
    });
    viewer.send('hello', this.hello, false);
    if (this.#timer === null) this.#start();
    else if (this.#synced) this.#sendFull(viewer);
  }

  /** Stops the loop (the app is closing); pages are closed by the event-streams plugin. */
  close(): Promise<void> {
    this.#stop();
    return this.#ticking ?? Promise.resolve();
  }

  #start(): void {
    this.#window = new RequestWindow();
    this.#throughput = new Throughput();
    channels.requestEnd.subscribe(this.#onRequestEnd);
    this.#unsubscribeQueue = this.#options.queue.subscribe((event) => this.#throughput?.observe(event));
    this.#ticks = 0;
    this.#synced = false;
    this.#timer = setInterval(() => this.#tick(), this.#options.tickMs);
    this.#timer.unref();
    this.#tick();
  }

  #stop(): void {
    if (this.#timer === null) return;
    clearInterval(this.#timer);
    this.#timer = null;
    channels.requestEnd.unsubscribe(this.#onRequestEnd);
    this.#unsubscribeQueue?.();
    this.#unsubscribeQueue = null;
    this.#window = null;
    this.#throughput = null;
    this.#table.update([]);
    this.#counts = null;
    this.#campaigns = { available: false, campaigns: [] };
    this.#campaignsJson = '';
  }

  /** A tick that finds the previous one still running (a slow fleet view) is skipped, not stacked. */
  #tick(): void {
    if (this.#ticking !== null) return;
    this.#ticking = this.#runTick()
      .catch((error: unknown) => this.#options.log.warn({ err: error }, 'dashboard: update failed'))
      .finally(() => {
        this.#ticking = null;
      });
  }

  async #runTick(): Promise<void> {
    const everySecond = Math.max(1, Math.round(1000 / this.#options.tickMs));
    const slow = this.#ticks % everySecond === 0;
    this.#ticks += 1;
    const [rows, counts, campaigns] = await Promise.all([
      this.#readOrigins(),
      slow ? this.#readCounts() : undefined,
      slow ? this.#options.campaigns.poll() : undefined,
    ]);
    if (this.#timer === null) return;
    const at = Date.now();
    const diff = rows === undefined ? undefined : this.#table.update(rows);
    const point = slow ? this.#throughput?.close(at) : undefined;
    if (counts !== undefined) this.#counts = counts;
    let campaignsChanged = false;
    if (campaigns !== undefined) {
      const json = JSON.stringify(campaigns);
      campaignsChanged = json !== this.#campaignsJson;
      this.#campaigns = campaigns;
      this.#campaignsJson = json;
    }
    if (slow) this.#window?.prune(at);
    this.#synced = true;

    for (const viewer of this.#viewers) {
      if (viewer.needsFull) {
        this.#sendFull(viewer);
        continue;
      }
      if (diff !== undefined && (diff.upserts.length > 0 || diff.removes.length > 0)) viewer.send('origins', { at, full: false, ...diff });
      if (point !== undefined) viewer.send('queue', { at, counts: this.#counts, point });
      if (campaignsChanged) viewer.send('campaigns', this.#campaigns);
    }
  }

  #sendFull(viewer: Viewer): void {
    viewer.needsFull = false;
    const rows = this.#table.all();
    const at = Date.now();
    const chunks = Math.max(1, Math.ceil(rows.length / snapshotChunkRows));
    for (let i = 0; i < chunks; i++) {
      const upserts = rows.slice(i * snapshotChunkRows, (i + 1) * snapshotChunkRows);
      viewer.send('origins', { at, full: true, first: i === 0, last: i === chunks - 1, upserts, removes: [], total: rows.length }, false);
    }
    viewer.send('queue', { at, counts: this.#counts, history: this.#throughput?.history() ?? [] }, false);
    viewer.send('campaigns', this.#campaigns, false);
  }

  async #readOrigins(): Promise<OriginRow[] | undefined> {
    try {
      const list = await this.#options.origins.list();
      const now = Date.now();
      const window = this.#window;
      // In the fleet view each worker's row carries that worker's own figures (published with its
      // heartbeat); this process's window would give every worker of an origin the same ones.
      return list.map((o) => originRow(o, o.requests ?? (window === null ? { rps: 0, p50Ms: null, p99Ms: null } : window.stats(o.origin, now))));
    } catch (error) {
      this.#options.log.warn({ err: error }, 'dashboard: origin snapshots unavailable');
      return undefined;
    }
  }

  async #readCounts(): Promise<QueueCounts | null> {
    try {
      return await this.#options.queue.counts();
    } catch (error) {
      this.#options.log.warn({ err: error }, 'dashboard: queue counts unavailable');
      return null;
    }
  }
}
