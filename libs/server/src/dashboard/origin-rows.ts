import type { OriginView } from '../origins/origins-view.ts';
import type { OriginRequestStats } from '@courier/origin';

/**
 * The origins table travels as arrays, not objects: 10,000 rows are about half the bytes that
 * way. The names go to the page once (the `hello` event), so the order lives here only.
 */
export const originColumns = [
  'id',
  'origin',
  'key',
  'workerId',
  'state',
  'connected',
  'connecting',
  'free',
  'busy',
  'inFlight',
  'queued',
  'completed',
  'failed',
  'lastError',
  'rps',
  'p50Ms',
  'p99Ms',
] as const;

export type OriginRow = Array<string | number | null>;

export interface OriginsDiff {
  /** Rows new or changed since the last diff (all rows for a full snapshot). */
  upserts: OriginRow[];
  /** Ids of rows gone since the last diff. */
  removes: string[];
  /** Rows in the table after this diff. */
  total: number;
}

/** Latency rounded to 0.01 ms and rates to 0.01/s: finer changes are noise and would resend every row. */
const round2 = (n: number) => Math.round(n * 100) / 100;

/** The row of one actor snapshot; in the fleet view the id carries the worker, whose actors share keys. */
export function originRow(o: OriginView, stats: OriginRequestStats): OriginRow {
  const id = o.workerId === undefined ? o.key : `${o.workerId} ${o.key}`;
  return [
    id,
    o.origin,
    o.key === o.origin ? null : o.key,
    o.workerId ?? null,
    o.state,
    o.sockets.connected,
    o.sockets.connecting,
    o.sockets.free,
    o.sockets.busy,
    o.inFlight,
    o.queued,
    o.completed,
    o.failed,
    o.lastError,
    round2(stats.rps),
    stats.p50Ms === null ? null : round2(stats.p50Ms),
    stats.p99Ms === null ? null : round2(stats.p99Ms),
  ];
}

function sameRow(a: OriginRow, b: OriginRow): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Keeps the last table sent and tells what changed, so each tick sends only the rows that moved. */
export class OriginTable {
  #rows = new Map<string, OriginRow>();

  /** Replaces the table with `rows` and returns the difference from the previous one. */
  update(rows: OriginRow[]): OriginsDiff {
    const next = new Map<string, OriginRow>();
    const upserts: OriginRow[] = [];
    for (const row of rows) {
      const id = row[0] as string;
      next.set(id, row);
      const before = this.#rows.get(id);
      if (before === undefined || !sameRow(before, row)) upserts.push(row);
    }
    const removes: string[] = [];
    for (const id of this.#rows.keys()) if (!next.has(id)) removes.push(id);
    this.#rows = next;
    return { upserts, removes, total: next.size };
  }

  /** Every row of the table as last updated. */
  all(): OriginRow[] {
    return [...this.#rows.values()];
  }

  get size(): number {
    return this.#rows.size;
  }
}
