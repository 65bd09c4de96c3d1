import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, originMachine, type Client } from '@courier/origin';
import { assign, createActor, setup, type AnyActorRef, type AnyStateMachine } from 'xstate';
import { settledHeapUsed } from '../system/gc.ts';
import { median } from '../stats.ts';
import type { BenchContext, BenchRow, Suite, Verdict } from '../suite.ts';
import { startTarget, type TargetProcess } from '../target/target-process.ts';

const XSTATE_TABLE = 'xstate 5 on one core';
const HEAP_TABLE = 'heap per idle origin actor';
const EVENT_LABEL = 'one event with an assign (small machine)';
const CREATE_SMALL_LABEL = 'create + start one actor (small machine)';
const CREATE_ORIGIN_LABEL = 'create + start one origin-machine actor';
/** The socket is a child actor of the origin's chart (socket-machine.ts): its heap counts here. */
const HEAP_SOCKET_LABEL = 'idle actor + its idle keep-alive socket';
const HEAP_BARE_LABEL = 'idle actor, no socket (after closeConnections)';

/** Longest a micro-measurement round runs, in milliseconds (they converge fast). */
const MICRO_MAX_MS = 1_000;
/** Bounds on the tight loops, whatever the time. */
const MAX_EVENTS = 5_000_000;
const MAX_ACTORS = 20_000;
/** Rounds of the heap figure (each opens and closes `BENCH_ORIGINS` connections). */
const MAX_HEAP_ROUNDS = 3;
/** Requests in flight while the origins are being created. */
const HEAP_CONCURRENCY = 50;
const SOCKETS_CLOSED_TIMEOUT_MS = 30_000;

const counterMachine = setup({
  types: { context: {} as { count: number }, events: {} as { type: 'tick' } },
  actions: { count: assign({ count: ({ context }) => context.count + 1 }) },
}).createMachine({
  context: { count: 0 },
  initial: 'running',
  states: { running: { on: { tick: { actions: 'count' } } } },
});

const originInput = { circuitThreshold: 5, circuitCooldownMs: 1_000, idleEvictionMs: 30_000 };

/** µs per `send()` of an event whose transition runs an `assign`. */
function eventCost(budgetMs: number): number {
  const actor = createActor(counterMachine).start();
  const deadline = performance.now() + budgetMs;
  const started = performance.now();
  let sent = 0;
  while (sent < MAX_EVENTS && performance.now() < deadline) {
    for (let i = 0; i < 1_000; i++) actor.send({ type: 'tick' });
    sent += 1_000;
  }
  const elapsedMs = performance.now() - started;
  const count = actor.getSnapshot().context.count;
  actor.stop();
  if (count !== sent) throw new Error(`the machine counted ${count} events, ${sent} were sent`);
  return (elapsedMs * 1_000) / sent;
}

/** µs per `createActor(machine).start()`, the actors kept alive until the measurement ends (as origin actors are). */
function creationCost(machine: AnyStateMachine, input: unknown, budgetMs: number): number {
  const actors: AnyActorRef[] = [];
  const deadline = performance.now() + budgetMs;
  const started = performance.now();
  while (actors.length < MAX_ACTORS && performance.now() < deadline) {
    for (let i = 0; i < 100; i++) actors.push(createActor(machine, { input }).start());
  }
  const elapsedMs = performance.now() - started;
  for (const actor of actors) actor.stop();
  return (elapsedMs * 1_000) / actors.length;
}

async function waitSocketsClosed(client: Client, target: TargetProcess): Promise<void> {
  const deadline = performance.now() + SOCKETS_CLOSED_TIMEOUT_MS;
  for (;;) {
    const open = client.origins().reduce((n, o) => n + o.sockets.connected + o.sockets.connecting, 0);
    const serverOpen = (await target.stats()).openConnections;
    if (open === 0 && serverOpen === 0) return;
    if (performance.now() > deadline) throw new Error(`sockets still open ${SOCKETS_CLOSED_TIMEOUT_MS} ms after closeConnections(): client ${open}, server ${serverOpen}`);
    // Closes are reported by undici's 'disconnect' events; poll their effect, bounded above.
    await sleep(20);
  }
}

async function fetchOnce(client: Client, url: string): Promise<void> {
  const res = await client.request(url);
  const body = await res.bytes();
  if (res.status !== 200 || body.byteLength !== 64) throw new Error(`${url}: status ${res.status}, ${body.byteLength} bytes`);
}

/** Heap per idle origin actor, with and without its keep-alive socket, over `n` origins (ports). */
async function idleActorHeap(ctx: BenchContext, target: TargetProcess, n: number): Promise<{ withSocket: number; bare: number }> {
  const urls = target.ports.slice(0, n).map((port) => `http://127.0.0.1:${port}/bytes/64`);
  const warmUrl = `http://127.0.0.1:${target.ports[n]!}/bytes/64`;
  // No eviction and a long keep-alive: nothing may go away by itself while we measure.
  const client = createClient({ policy: { idleEvictionMs: 0, keepAliveTimeoutMs: 600_000 }, maxOrigins: n + 10 });
  try {
    // Baseline: one origin used and closed, so code paths and module caches are already warm.
    for (let i = 0; i < 20; i++) await fetchOnce(client, warmUrl);
    await client.closeConnections();
    await waitSocketsClosed(client, target);
    const before = await settledHeapUsed();

    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < urls.length) await fetchOnce(client, urls[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(HEAP_CONCURRENCY, n) }, worker));
    if (client.size !== n + 1) throw new Error(`expected ${n + 1} origin actors, the client has ${client.size}`);
    const withSockets = await settledHeapUsed();

    await client.closeConnections();
    await waitSocketsClosed(client, target);
    const after = await settledHeapUsed();
    if (client.size !== n + 1) throw new Error(`origin actors went away during the measurement: ${client.size} of ${n + 1} left`);
    ctx.log(`${n} idle origin actors: ${Math.round((withSockets - before) / n)} B each with a socket, ${Math.round((after - before) / n)} B without`);
    return { withSocket: (withSockets - before) / n, bare: (after - before) / n };
  } finally {
    await client.destroy();
  }
}

function row(table: string, label: string, unit: string, rounds: number[], digits: number): BenchRow {
  const fmt = (v: number): string => v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  return {
    table,
    label,
    value: median(rounds),
    unit,
    rounds,
    columns: { 'min–max': `${fmt(Math.min(...rounds))}–${fmt(Math.max(...rounds))}` },
  };
}

export const originActorSuite: Suite = {
  name: 'origin-actor',
  title: 'Origin actor and xstate costs',
  method: [
    'xstate rows: tight loops on the bench process (core 0 when pinned), each round bounded by',
    '`min(BENCH_DURATION_MS / 2, 1 s)` and by a count; median of `BENCH_ROUNDS` rounds. The small machine has one',
    'state and one `assign`; the origin machine is `@courier/origin`\'s `originMachine`. Created actors stay alive',
    'until the round ends, as origin actors do.',
    'Heap rows: one client (`idleEvictionMs: 0`) requests `BENCH_ORIGINS` distinct origins (one port each on 127.0.0.1,',
    'served by the canned server in its own process), 50 at a time. Heap is `heapUsed` after forced full GCs,',
    'minus the same figure taken after one warm-up origin; once with every actor holding its idle keep-alive socket,',
    'then after `client.closeConnections()` when client and server both report no open socket.',
    'Median of up to 3 rounds, each with a fresh client.',
  ].join('\n'),

  async run(ctx) {
    const rows: BenchRow[] = [];
    const microMs = Math.max(1, Math.min(MICRO_MAX_MS, Math.floor(ctx.settings.durationMs / 2)));
    const micro: Array<{ label: string; unit: string; measure: () => number }> = [
      { label: EVENT_LABEL, unit: 'µs/event', measure: () => eventCost(microMs) },
      { label: CREATE_SMALL_LABEL, unit: 'µs/actor', measure: () => creationCost(counterMachine, undefined, microMs) },
      { label: CREATE_ORIGIN_LABEL, unit: 'µs/actor', measure: () => creationCost(originMachine, originInput, microMs) },
    ];
    for (const m of micro) {
      if (!ctx.selects(`${XSTATE_TABLE} ${m.label}`)) continue;
      m.measure(); // warm-up round, not counted
      const rounds: number[] = [];
      for (let r = 0; r < ctx.settings.rounds; r++) {
        await ctx.collectGarbage();
        rounds.push(m.measure());
      }
      ctx.log(`${m.label}: ${median(rounds).toFixed(2)} ${m.unit}`);
      rows.push(row(XSTATE_TABLE, m.label, m.unit, rounds, 2));
    }

    const heapTable = `${HEAP_TABLE} (${ctx.settings.origins.toLocaleString('en-US')} origins)`;
    if (ctx.selects(`${heapTable} ${HEAP_SOCKET_LABEL}`) || ctx.selects(`${heapTable} ${HEAP_BARE_LABEL}`)) {
      const n = ctx.settings.origins;
      const target = await startTarget({ listeners: n + 1, core: ctx.serverCore });
      try {
        const withSocket: number[] = [];
        const bare: number[] = [];
        for (let r = 0; r < Math.min(ctx.settings.rounds, MAX_HEAP_ROUNDS); r++) {
          const m = await idleActorHeap(ctx, target, n);
          withSocket.push(m.withSocket);
          bare.push(m.bare);
        }
        rows.push(row(heapTable, HEAP_SOCKET_LABEL, 'B/actor', withSocket, 0));
        rows.push(row(heapTable, HEAP_BARE_LABEL, 'B/actor', bare, 0));
      } finally {
        await target.stop();
      }
    }
    return rows;
  },

  verdicts(rows) {
    const heapVerdict = (label: string, target: string, limit: number): Verdict => {
      const found = rows.find((r) => r.table.startsWith(HEAP_TABLE) && r.label === label);
      return found
        ? { target, measured: `${(found.value / 1024).toFixed(2)} KiB`, met: found.value <= limit }
        : { target, measured: 'not measured', met: null };
    };
    return [
      // Issue 14: the origin actor with its socket children (one socket actor per keep-alive socket).
      heapVerdict(HEAP_SOCKET_LABEL, '≤ 16 KiB heap per idle origin actor with its socket children', 16 * 1024),
      heapVerdict(HEAP_BARE_LABEL, '≤ 8 KiB heap per idle origin actor', 8 * 1024),
    ];
  },
};
