/**
 * A worker's run of one batch job: claim the requests still to run, take their origin's slots in
 * one acquire-many call per origin, run them concurrently on those slots (never more than the
 * fleet-wide limit), and record each outcome the moment it is known. A request that fails
 * retryably is retried on its own, by this batch job, after its backoff (its attempts count
 * apart from the others'); a cancelled one stops alone. A worker SIGKILLed mid-batch loses
 * nothing: finished requests keep their records, and BullMQ delivers the stalled batch job again,
 * whose claim skips them and runs the rest.
 */
import type { Redis } from 'ioredis';
import type { JobProgress, QueueLogger } from '../driver.ts';
import { runAttempt, stopAttempt, type AttemptControl, type AttemptDeps } from '../job-execution.ts';
import type { Lease } from '../limits/limit-store.ts';
import type { OriginLimiter } from '../limits/origin-limiter.ts';
import type { RetentionOptions } from '../queue-options.ts';
import { originOf } from '@courier/origin';
import { claimBatchMembers, reportMemberProgress, type ClaimedMember, type MemberFinisher, type MemberOutcome } from './batch-members.ts';
import type { CourierKeys } from './queue-keys.ts';
import type { LeaseExchange } from './lease-exchange.ts';
import type { LanePlaces } from './lane-places.ts';

export interface BatchRunContext {
  connection: Redis;
  keys: CourierKeys;
  deps: AttemptDeps;
  limiter: OriginLimiter;
  retention: RetentionOptions;
  /** A control for a request about to run (from the worker's pool), and its return. */
  newControl(): AttemptControl;
  giveControl(control: AttemptControl): void;
  /** Registers a running request under its id (cancel messages find it there); null removes it. */
  track(id: string, control: AttemptControl | null): void;
  /** True (and forgotten) when a cancel of `id` arrived while it was not running here. */
  takeRecentCancel(id: string): boolean;
  /** Deletes a finished request's credentials (its queue room went back with its record: finishBatchMembers). */
  dropSecrets(id: string): void;
  /** Aborted when the worker starts closing: no request starts after it, and waits end. */
  closing: AbortSignal;
  /** The worker's batches hand slots to each other here. */
  exchange: LeaseExchange;
  /** The worker's places for requests of batch jobs (at most its concurrency at once). */
  places: LanePlaces;
  /** Records outcomes, many per script call (group commit: batch-members.ts). */
  finisher: MemberFinisher;
  logger?: QueueLogger | undefined;
}

export type BatchRunOutcome = { type: 'done'; ran: number } | { type: 'handed-back' };

interface Pending extends ClaimedMember {
  /** Epoch milliseconds before which it does not run (a retry's backoff). */
  notBefore: number;
}

interface RunState {
  handedBack: boolean;
  ran: number;
  /**
   * Completed requests' records on their way to Redis: a lane starts its next request without
   * waiting for them (one finish script call then carries many), and the batch job ends only
   * once they are all written.
   */
  recording: Set<Promise<void>>;
  /** The first record that could not be written (Redis away): the run stops and `runBatch` throws it. */
  error: { cause: unknown } | null;
}

/**
 * Runs a batch job's requests. `slots`: leases of `slots.origin` taken before the claim (the
 * worker parks the batch job instead when none is free), each with a place (`ctx.places`) taken
 * for it; given to that origin's requests, or back.
 */
export async function runBatch(
  batchId: string,
  memberIds: readonly string[],
  ctx: BatchRunContext,
  slots: { origin: string; leases: Array<Lease | null> } | null = null,
): Promise<BatchRunOutcome> {
  let claimed: ClaimedMember[];
  try {
    claimed = await claimBatchMembers(ctx.connection, ctx.keys, batchId, memberIds);
  } catch (error) {
    if (slots) {
      ctx.places.give(slots.leases.length);
      await Promise.all(slots.leases.map((lease) => ctx.limiter.release(lease)));
    }
    throw error;
  }
  const byOrigin = new Map<string, Pending[]>();
  for (const member of claimed) {
    // A record written by something else has no URL: runAttempt fails it as BAD_JOB.
    const url = typeof member.data?.input?.url === 'string' ? member.data.input.url : '';
    let origin = '';
    try {
      origin = url ? originOf(url) : '';
    } catch {
      origin = '';
    }
    const list = byOrigin.get(origin) ?? [];
    list.push({ ...member, notBefore: 0 });
    byOrigin.set(origin, list);
  }
  const state: RunState = { handedBack: false, ran: 0, recording: new Set(), error: null };
  const runs = [...byOrigin].map(([origin, pending]) => new OriginRun(batchId, origin, pending, ctx, state));
  if (slots) {
    const index = [...byOrigin.keys()].indexOf(slots.origin);
    if (index >= 0) await runs[index]!.adopt(slots.leases);
    else {
      ctx.places.give(slots.leases.length);
      await Promise.all(slots.leases.map((lease) => ctx.limiter.release(lease)));
    }
  }

  await Promise.all(runs.map((run) => run.run()));
  while (state.recording.size > 0) await Promise.all(state.recording);
  // Redis refused an outcome (OOM, a cluster that stays down): the batch job's delivery fails and
  // runs again after its backoff (bounded attempts, no hot loop while Redis refuses); the next
  // delivery's claim skips what was recorded and runs the rest (at least once, as a plain job
  // whose completion was lost). The slots went back as the lanes ended.
  if (state.error) {
    ctx.logger?.error({ err: state.error.cause, jobId: batchId }, 'batch job: recording an outcome failed; the batch job runs again after its backoff');
    throw state.error.cause;
  }
  return state.handedBack ? { type: 'handed-back' } : { type: 'done', ran: state.ran };
}

/** One origin's requests of a batch: slots taken together, requests run on them lane by lane. */
class OriginRun {
  readonly #batchId: string;
  readonly #origin: string;
  readonly #url: string;
  readonly #pending: Pending[];
  readonly #ctx: BatchRunContext;
  readonly #state: RunState;
  #lanes = 0;
  #wake: (() => void) | null = null;

  constructor(batchId: string, origin: string, pending: Pending[], ctx: BatchRunContext, state: RunState) {
    this.#batchId = batchId;
    this.#origin = origin;
    this.#url = pending[0]!.data?.input?.url ?? '';
    this.#pending = pending;
    this.#ctx = ctx;
    this.#state = state;
  }

  /** Requests that may run now and that no lane will take: how many more slots would help. */
  #wanted(now: number): number {
    let ready = 0;
    for (const m of this.#pending) if (m.notBefore <= now) ready += 1;
    return ready - this.#lanes;
  }

  /** When the next request waiting out a backoff becomes due (Infinity: none waits). Due ones are left out: only a lane ending lets them run. */
  #nextAt(now: number): number {
    let next = Infinity;
    for (const m of this.#pending) if (m.notBefore > now) next = Math.min(next, m.notBefore);
    return next;
  }

  /** Resolves at the next change worth looking at (a lane ended, a slot came, the close), after `ms` at the latest (null: no deadline). */
  #changed(ms: number | null): Promise<void> {
    const signal = this.#ctx.closing;
    return new Promise((resolve) => {
      const done = () => {
        this.#wake = null;
        if (timer) clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = ms === null ? null : setTimeout(done, Math.max(1, ms));
      // Once closing, only a lane ending is news (resolving at once would spin this loop in
      // microtasks and starve the very lane it waits for).
      if (!signal.aborted) signal.addEventListener('abort', done, { once: true });
      this.#wake = done;
    });
  }

  #addLane(lease: Lease | null): void {
    this.#lanes += 1;
    this.#ctx.exchange.laneStarted(this.#origin);
    // #lane catches what its requests throw (state.error): it never rejects.
    void this.#lane(lease).finally(() => {
      this.#lanes -= 1;
      this.#ctx.exchange.laneEnded(this.#origin);
      this.#wake?.();
    });
  }


  /** Takes slots of this origin that batches of this worker hand over while it waits (until the returned function is called). */
  #takeHandedOver(): () => void {
    return this.#ctx.exchange.wait(this.#origin, (lease) => {
      if (this.#ctx.closing.aborted || this.#wanted(Date.now()) <= 0) return false;
      // The slot comes with the place of the lane that gave it up.
      this.#addLane(lease);
      return true;
    });
  }

  /** Slots taken before the claim (`runBatch`'s `slots`, a place each): lanes for as many as help, the rest back. */
  async adopt(leases: Array<Lease | null>): Promise<void> {
    const wanted = Math.max(0, this.#wanted(Date.now()));
    for (const lease of leases.slice(0, wanted)) this.#addLane(lease);
    const spare = leases.slice(wanted);
    this.#ctx.places.give(spare.length);
    await Promise.all(spare.map((lease) => this.#ctx.limiter.release(lease)));
  }

  async run(): Promise<void> {
    let deferrals = 0;
    for (;;) {
      const stopping = this.#state.handedBack || this.#state.error !== null || this.#ctx.closing.aborted;
      if (stopping && this.#pending.length > 0) this.#state.handedBack = true;
      if ((this.#pending.length === 0 || stopping) && this.#lanes === 0) return;
      const now = Date.now();
      const wanted = stopping ? 0 : this.#wanted(now);
      if (wanted <= 0) {
        // Lanes at work, or retries not due yet: wait for a lane to end or the next one to be due.
        // Closing (or nothing waiting out a backoff): a running lane always ends and wakes this.
        const nextAt = stopping ? Infinity : this.#nextAt(now);
        await this.#changed(Number.isFinite(nextAt) ? nextAt - now : null);
        continue;
      }
      const places = this.#ctx.places.take(wanted);
      if (places === 0) {
        // The worker runs `concurrency` requests of batch jobs already: wait for a place to come
        // free, or for a slot of this origin handed over by a batch ending here (it brings its
        // place: no release and acquire round trips).
        const stopTaking = this.#takeHandedOver();
        const stopWaiting = this.#ctx.places.whenFree(() => this.#wake?.());
        try {
          await this.#changed(null);
        } finally {
          stopWaiting();
          stopTaking();
        }
        continue;
      }
      const slots = this.#url ? await this.#ctx.limiter.acquireMany(this.#url, places) : { ok: true as const, leases: new Array<null>(places).fill(null) };
      if (slots.ok) {
        deferrals = 0;
        this.#ctx.places.give(places - slots.leases.length);
        for (const lease of slots.leases) this.#addLane(lease);
        continue;
      }
      this.#ctx.places.give(places);
      // The origin is full: wait for a lease handed over by a batch of this worker, a lane of
      // this batch to end, or (other workers' slots) the limiter's backoff.
      const stop = this.#takeHandedOver();
      try {
        await this.#changed(this.#ctx.limiter.saturatedDelay(slots, deferrals++));
      } finally {
        stop();
      }
    }
  }

  /** Runs ready requests one after another on one slot, then hands the slot on or gives it back. */
  async #lane(lease: Lease | null): Promise<void> {
    for (;;) {
      if (this.#state.handedBack || this.#state.error !== null || this.#ctx.closing.aborted) break;
      const now = Date.now();
      const index = this.#pending.findIndex((m) => m.notBefore <= now);
      if (index < 0) break;
      const [member] = this.#pending.splice(index, 1);
      let next: Awaited<ReturnType<typeof runMember>>;
      try {
        next = await runMember(this.#batchId, member!, lease, this.#ctx, this.#state);
      } catch (error) {
        // Its record could not be written: it stays unfinished in Redis and runs again on the next delivery.
        this.#state.error ??= { cause: error };
        break;
      }
      if (next === 'again') this.#pending.push(member!);
      else if (next === 'handed-back') this.#state.handedBack = true;
      else this.#state.ran += 1;
    }
    // Handed over: its place goes along with it.
    if (!this.#ctx.closing.aborted && this.#ctx.exchange.offer(this.#origin, lease)) return;
    this.#ctx.places.give();
    const released = this.#ctx.limiter.release(lease);
    if (released) await released;
  }
}

function record(ctx: BatchRunContext, batchId: string, id: string, outcome: MemberOutcome): Promise<boolean> {
  return ctx.finisher.finish(id, batchId, outcome);
}

/** Writes a completed request's record in the background (see `RunState.recording`). */
function recordCompleted(ctx: BatchRunContext, state: RunState, batchId: string, member: Pending, outcome: MemberOutcome & { type: 'completed' }): void {
  const writing = record(ctx, batchId, member.id, outcome).then(
    (recorded) => {
      // Not recorded: cancelled meanwhile (the cancel gave the room back) or no longer this batch's.
      if (recorded && member.data.secrets === true) ctx.dropSecrets(member.id);
    },
    (error: unknown) => {
      state.error ??= { cause: error };
    },
  );
  state.recording.add(writing);
  void writing.finally(() => state.recording.delete(writing));
}

async function runMember(batchId: string, member: Pending, lease: Lease | null, ctx: BatchRunContext, state: RunState): Promise<'done' | 'again' | 'handed-back'> {
  const control = ctx.newControl();
  ctx.track(member.id, control);
  if (ctx.takeRecentCancel(member.id)) stopAttempt(control, 'cancel');
  try {
    const attempt = member.attemptsMade + 1;
    const outcome = await runAttempt(
      {
        id: member.id,
        data: member.data,
        attempt,
        deferrals: 0,
        control,
        reportProgress: (progress: JobProgress) => {
          reportMemberProgress(ctx.connection, ctx.keys, member.id, progress).catch((error: unknown) => ctx.logger?.debug({ err: error, jobId: member.id }, 'progress update failed'));
        },
        slot: { lease },
      },
      ctx.deps,
    );
    switch (outcome.type) {
      case 'completed':
        recordCompleted(ctx, state, batchId, member, { type: 'completed', result: outcome.result, attemptsMade: attempt, keepMs: ctx.retention.completedAgeMs });
        return 'done';
      case 'failed': {
        if (outcome.retryDelayMs !== null && attempt < member.attempts) {
          const retried = await record(ctx, batchId, member.id, { type: 'retry', error: outcome.error, attemptsMade: attempt, delayMs: outcome.retryDelayMs });
          // Not retried when it was cancelled (or finished) meanwhile.
          if (!retried) return 'done';
          member.attemptsMade = attempt;
          member.notBefore = Date.now() + outcome.retryDelayMs;
          return 'again';
        }
        const cancelled = control.stopReason === 'cancel';
        // A cancelled request's record says so already (the cancel wrote it first): this records nothing then.
        const recorded = await record(ctx, batchId, member.id, { type: 'failed', error: outcome.error, attemptsMade: attempt, keepMs: ctx.retention.failedAgeMs });
        // A failed request keeps its credentials (an operator's retry runs it again); a cancelled one does not.
        if (!recorded && cancelled && member.data.secrets === true) ctx.dropSecrets(member.id);
        return 'done';
      }
      case 'deferred':
        // Only without a slot given (never here); run it again after the delay, no attempt used.
        member.notBefore = Date.now() + outcome.delayMs;
        return 'again';
      case 'handed-back':
        return 'handed-back';
    }
  } finally {
    ctx.track(member.id, null);
    ctx.giveControl(control);
  }
}
