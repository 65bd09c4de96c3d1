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
import { claimBatchMembers, finishBatchMember, reportMemberProgress, type ClaimedMember, type MemberOutcome } from './batch-members.ts';
import type { CourierKeys } from './queue-keys.ts';

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
  /** A request finished for good: give its queue room back (and its credentials, when `dropSecrets`). */
  finished(id: string, dropSecrets: boolean): void;
  /** Aborted when the worker starts closing: no request starts after it, and waits end. */
  closing: AbortSignal;
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
}

/** Resolves after `ms`, or at once when `signal` is aborted. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(1, ms));
    signal.addEventListener('abort', done, { once: true });
  });
}

export async function runBatch(batchId: string, memberIds: readonly string[], ctx: BatchRunContext): Promise<BatchRunOutcome> {
  const claimed = await claimBatchMembers(ctx.connection, ctx.keys, batchId, memberIds);
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
  const state: RunState = { handedBack: false, ran: 0 };
  await Promise.all([...byOrigin.values()].map((pending) => runOrigin(batchId, pending, ctx, state)));
  return state.handedBack ? { type: 'handed-back' } : { type: 'done', ran: state.ran };
}

/** One origin's requests of the batch: slots taken together, requests run on them lane by lane. */
async function runOrigin(batchId: string, pending: Pending[], ctx: BatchRunContext, state: RunState): Promise<void> {
  const url = pending[0]!.data?.input?.url ?? '';
  let deferrals = 0;
  while (pending.length > 0 && !state.handedBack) {
    if (ctx.closing.aborted) {
      state.handedBack = true;
      return;
    }
    const now = Date.now();
    let ready = 0;
    let nextAt = Infinity;
    for (const m of pending) {
      if (m.notBefore <= now) ready += 1;
      else nextAt = Math.min(nextAt, m.notBefore);
    }
    if (ready === 0) {
      await pause(nextAt - now, ctx.closing);
      continue;
    }
    const slots = url ? await ctx.limiter.acquireMany(url, ready) : { ok: true as const, leases: new Array<null>(ready).fill(null) };
    if (!slots.ok) {
      // The origin is full (other workers' requests hold every slot): wait, then ask again.
      await pause(ctx.limiter.saturatedDelay(slots, deferrals++), ctx.closing);
      continue;
    }
    deferrals = 0;
    await Promise.all(slots.leases.map((lease) => lane(batchId, lease, pending, ctx, state)));
  }
}

/** Runs ready requests one after another on one slot, then gives the slot back. */
async function lane(batchId: string, lease: Lease | null, pending: Pending[], ctx: BatchRunContext, state: RunState): Promise<void> {
  try {
    for (;;) {
      if (state.handedBack || ctx.closing.aborted) return;
      const now = Date.now();
      const index = pending.findIndex((m) => m.notBefore <= now);
      if (index < 0) return;
      const [member] = pending.splice(index, 1);
      const next = await runMember(batchId, member!, lease, ctx);
      if (next === 'again') pending.push(member!);
      else if (next === 'handed-back') state.handedBack = true;
      else state.ran += 1;
    }
  } finally {
    const released = ctx.limiter.release(lease);
    if (released) await released;
  }
}

async function record(ctx: BatchRunContext, batchId: string, id: string, outcome: MemberOutcome): Promise<boolean> {
  return finishBatchMember(ctx.connection, ctx.keys, id, batchId, outcome);
}

async function runMember(batchId: string, member: Pending, lease: Lease | null, ctx: BatchRunContext): Promise<'done' | 'again' | 'handed-back'> {
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
        await record(ctx, batchId, member.id, { type: 'completed', result: outcome.result, attemptsMade: attempt, keepMs: ctx.retention.completedAgeMs });
        ctx.finished(member.id, member.data.secrets === true);
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
        await record(ctx, batchId, member.id, { type: 'failed', error: outcome.error, attemptsMade: attempt, keepMs: ctx.retention.failedAgeMs });
        ctx.finished(member.id, cancelled && member.data.secrets === true);
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
