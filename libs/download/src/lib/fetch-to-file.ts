import { CourierError, isCourierError, type Client, type CourierResponse } from '@courier/origin';
import type { BandwidthLimiter } from './bandwidth.ts';
import { downloadDefaults } from './defaults.ts';
import { contentLengthOf, contentRangeOf, ifRangeValue, validatorChanged, validatorOf, type Validator } from './http-range.ts';
import { PartFile } from './part-file.ts';
import type { ProgressMeter } from './progress.ts';
import { readSidecar, removeSidecar, trustedLength, writeSidecar, type PartSidecar } from './sidecar.ts';
import { abortedError, backoffMs, sleep } from './sleep.ts';
import type { DownloadOptions } from './types.ts';

/** What the engine needs; `download()` and the shared cache both drive it. */
export interface FetchToFileOptions {
  client: Client;
  url: string;
  /** Final path; bytes go to `partPath` (default `<target>.part`) until verified. */
  target: string;
  partPath?: string;
  /** Lower-case hex. */
  sha256?: string;
  size?: number;
  resume: boolean;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  request?: DownloadOptions['request'];
  /** Revalidate a cached copy: with nothing to resume, send If-None-Match / If-Modified-Since; a 304 ends the call. */
  conditional?: Validator;
  bandwidth: readonly BandwidthLimiter[];
  meter: ProgressMeter;
  maxRetries?: number;
  retryDelayMs?: number;
  maxRestarts?: number;
}

export type FetchOutcome =
  | { kind: 'fetched'; bytes: number; sha256: string; fetchedBytes: number; resumedFrom: number; validator: Validator }
  | { kind: 'not-modified'; fetchedBytes: 0 };

/** Connection cuts worth resuming at once, from the bytes already on disk. */
const resumableCodes = new Set(['CLOSED_PREMATURELY', 'CONNECTION_RESET', 'BODY_TIMEOUT']);

/** 4xx that say "try later", not "this will never work": the part is kept for them. */
const transientStatuses = new Set([408, 425, 429]);

/** Headers the downloader owns; a caller's copy would break resuming. */
const ownedHeaders = new Set(['range', 'if-range', 'if-none-match', 'if-modified-since', 'accept-encoding']);

interface AttemptState {
  sidecar: PartSidecar | null;
  restarts: number;
  fetched: number;
  total: number | null;
  /** The last sidecar checkpoint being written (they are chained, never concurrent). */
  checkpoint: Promise<void>;
  lastCheckpointAt: number;
}

/** Longest time between two durable-length checkpoints while bytes flow, in milliseconds. */
const CHECKPOINT_INTERVAL_MS = 1_000;

/** Records in the sidecar that the first `durable` bytes are on disk (best effort: a failure only costs a re-fetch). */
function checkpoint(state: AttemptState, partPath: string, durable: number): void {
  const sidecar = state.sidecar;
  if (!sidecar || sidecar.durable === durable) return;
  state.lastCheckpointAt = performance.now();
  state.checkpoint = state.checkpoint.then(async () => {
    // The sidecar may have been replaced (restart) or dropped meanwhile: only ever checkpoint the current one.
    if (state.sidecar !== sidecar) return;
    const next = { ...sidecar, durable };
    await writeSidecar(partPath, next).catch(() => {});
    if (state.sidecar === sidecar) state.sidecar = next;
  });
}

type AttemptResult = 'complete' | 'again' | 'not-modified';

/** Errors that make the bytes in the part worthless: it is deleted, not kept for a resume. */
function spoilsPart(error: CourierError): boolean {
  // Over the size bound: resuming would only reach the same bound again.
  if (error.code === 'CHECKSUM_MISMATCH' || error.code === 'RESOURCE_CHANGED' || error.code === 'BODY_TOO_LARGE') return true;
  // A cancelled job (the queue's DELETE) has no next attempt to resume the part; a worker
  // shutting down hands the job back without this flag, and the part is kept for it.
  if (error.code === 'ABORTED' && error.details.discardPartial === true) return true;
  const status = error.details.status;
  return error.code === 'HTTP_STATUS' && typeof status === 'number' && status >= 400 && status < 500 && !transientStatuses.has(status);
}

function asCourierError(error: unknown, signal: AbortSignal | undefined): CourierError {
  if (signal?.aborted) return abortedError(signal, error);
  if (isCourierError(error)) return error;
  return new CourierError('INTERNAL', `download failed: ${String(error)}`, { cause: error });
}

function mismatch(message: string, details: Record<string, unknown>): CourierError {
  return new CourierError('CHECKSUM_MISMATCH', message, details);
}

/** A part is worth resuming only for the same URL and digest, with a validator for If-Range or a digest to check the result. */
function canResume(sidecar: PartSidecar | null, o: FetchToFileOptions, partSize: number): sidecar is PartSidecar {
  if (!sidecar || sidecar.url !== o.url) return false;
  if (o.sha256 && sidecar.sha256 && sidecar.sha256 !== o.sha256) return false;
  if (sidecar.total !== null && partSize > sidecar.total) return false;
  return ifRangeValue(sidecar.validator) !== undefined || o.sha256 !== undefined;
}

/**
 * Streams `url` into `<target>.part`, resuming it when it can, and renames it to `target` once
 * the size and the SHA-256 are right (fsync first). Cuts (CLOSED_PREMATURELY, CONNECTION_RESET,
 * BODY_TIMEOUT) are resumed with `Range` + `If-Range` up to `maxRetries` times in a row without
 * progress; a changed resource restarts from zero up to `maxRestarts` times.
 */
export async function fetchToFile(o: FetchToFileOptions): Promise<FetchOutcome> {
  const partPath = o.partPath ?? `${o.target}.part`;
  const maxRetries = o.maxRetries ?? downloadDefaults.maxRetries;
  const retryDelayMs = o.retryDelayMs ?? downloadDefaults.retryDelayMs;
  const sidecar = o.resume ? await readSidecar(partPath) : null;
  const part = await PartFile.open(partPath, o.resume);
  const state: AttemptState = { sidecar: null, restarts: 0, fetched: 0, total: null, checkpoint: Promise.resolve(), lastCheckpointAt: performance.now() };
  let outcome: 'committed' | 'discard' | 'keep' = 'keep';
  try {
    if (part.size > 0 && canResume(sidecar, o, part.size)) {
      state.sidecar = sidecar;
      state.total = sidecar.total;
      // A process that died mid-write may have left a gap in its last writes: cut them off.
      const trusted = trustedLength(sidecar.durable, part.size, downloadDefaults.writeBatchBytes * downloadDefaults.maxWritesInFlight);
      if (trusted < part.size) await part.truncate(trusted);
      o.meter.update(0, state.total, 'verifying');
      await part.hashExisting((hashed) => o.meter.update(hashed, state.total, 'verifying'), o.signal);
    } else if (part.size > 0) {
      await part.truncate(0);
    }
    const resumedFrom = part.size;
    part.onWritten = (written, drained) => {
      // Data paused (or a second went by): note how much is safely on disk for a later process.
      if (drained || performance.now() - state.lastCheckpointAt >= CHECKPOINT_INTERVAL_MS) checkpoint(state, partPath, written);
      // When paused, report once the checkpoint is down: what a report shows survives a crash.
      // Forced: a throttled report would be dropped, and no later one comes while the data stalls.
      if (drained) {
        void state.checkpoint.then(() => {
          o.meter.update(written, state.total, 'fetching');
          o.meter.flush();
        });
      }
      else o.meter.update(written, state.total, 'fetching');
    };
    o.meter.update(part.size, state.total, 'fetching');

    // Everything already there (a crash between the last byte and the rename): check, don't ask.
    const alreadyWhole = resumedFrom > 0 && state.total === resumedFrom && o.sha256 !== undefined && (await part.digest()) === o.sha256;
    let failures = 0;
    let best = part.size;
    while (!alreadyWhole) {
      if (o.signal?.aborted) throw abortedError(o.signal);
      try {
        const result = await attempt(o, part, state);
        if (result === 'not-modified') {
          outcome = 'discard';
          return { kind: 'not-modified', fetchedBytes: 0 };
        }
        if (result === 'complete') break;
      } catch (error) {
        const err = asCourierError(error, o.signal);
        if (!resumableCodes.has(err.code)) throw err;
        await part.flush();
        if (part.size > best) {
          best = part.size;
          failures = 0;
        } else {
          failures += 1;
        }
        if (failures > maxRetries) throw err;
        // Progress since the last cut: resume at once. A cut that brought nothing backs off.
        await sleep(failures === 0 ? 0 : backoffMs(failures, retryDelayMs, downloadDefaults.maxRetryDelayMs), o.signal);
      }
    }

    const bytes = part.size;
    const sha256 = await part.digest();
    if (o.size !== undefined && bytes !== o.size) throw mismatch(`got ${bytes} bytes, expected ${o.size}`, { expectedSize: o.size, actualSize: bytes });
    if (o.sha256 !== undefined && sha256 !== o.sha256) throw mismatch(`SHA-256 is ${sha256}, expected ${o.sha256}`, { expected: o.sha256, actual: sha256 });
    await part.flush();
    part.onWritten = null;
    await state.checkpoint;
    await part.commit(o.target);
    outcome = 'committed';
    await removeSidecar(partPath).catch(() => {});
    o.meter.update(bytes, bytes, 'done');
    o.meter.flush('done');
    return { kind: 'fetched', bytes, sha256, fetchedBytes: state.fetched, resumedFrom, validator: state.sidecar?.validator ?? {} };
  } catch (error) {
    const err = asCourierError(error, o.signal);
    if (spoilsPart(err)) outcome = 'discard';
    throw err;
  } finally {
    // No more checkpoints from here: the last sidecar write below must not race with one.
    part.onWritten = null;
    await state.checkpoint;
    // A spoilt part, or nothing to resume from (a refused connection, an error before the first byte): leave nothing behind.
    if (outcome === 'discard' || (outcome === 'keep' && part.size === 0)) {
      await part.discard();
      await removeSidecar(partPath).catch(() => {});
    } else if (outcome === 'keep') {
      await part.close();
      // A clean stop: everything in the part is contiguous, so all of it is durable.
      if (state.sidecar && state.sidecar.durable !== part.size) {
        await writeSidecar(partPath, { ...state.sidecar, durable: part.size }).catch(() => {});
      }
    }
  }
}

function requestHeaders(o: FetchToFileOptions, offset: number, sidecar: PartSidecar | null): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(o.headers ?? {})) if (!ownedHeaders.has(name.toLowerCase())) headers[name] = value;
  // Byte ranges must count the bytes as stored: no content coding.
  headers['accept-encoding'] = 'identity';
  if (offset > 0) {
    headers['range'] = `bytes=${offset}-`;
    const ifRange = ifRangeValue(sidecar?.validator);
    if (ifRange) headers['if-range'] = ifRange;
  } else if (o.conditional?.etag) {
    headers['if-none-match'] = o.conditional.etag;
  } else if (o.conditional?.lastModified) {
    headers['if-modified-since'] = o.conditional.lastModified;
  }
  return headers;
}

/** Starts over from byte 0; a change of version counts against `maxRestarts`. */
async function restart(o: FetchToFileOptions, part: PartFile, state: AttemptState, changed: boolean, why: string): Promise<void> {
  if (changed) {
    state.restarts += 1;
    const max = o.maxRestarts ?? downloadDefaults.maxRestarts;
    if (state.restarts > max) throw new CourierError('RESOURCE_CHANGED', `${o.url} changed during the download ${state.restarts} times (${why})`, { url: o.url });
  }
  await part.truncate(0);
  state.sidecar = null;
  state.total = null;
  o.meter.update(0, null, 'fetching');
}

function discardBody(res: CourierResponse): void {
  // Not worth reading to the end for the sake of the socket: it may be a large file.
  res.body.cancel('the downloader does not need this body');
}

/** One request: decides from the status what the body is, then streams it into the part. */
async function attempt(o: FetchToFileOptions, part: PartFile, state: AttemptState): Promise<AttemptResult> {
  const offset = part.size;
  const res = await o.client.request(o.url, { ...o.request, headers: requestHeaders(o, offset, state.sidecar), signal: o.signal });
  const seen = validatorOf(res.headers);
  let total: number | null;

  if (res.status === 304 && offset === 0 && o.conditional) {
    await res.body.dump();
    return 'not-modified';
  } else if (res.status === 416 && offset > 0) {
    const range = contentRangeOf(res.headers);
    discardBody(res);
    // `bytes */N` with N = what we hold: the part was already whole (cut before the rename).
    if (range?.total === offset && !validatorChanged(state.sidecar?.validator, seen)) {
      state.total = offset;
      return 'complete';
    }
    await restart(o, part, state, true, 'range not satisfiable');
    return 'again';
  } else if (res.status === 206 && offset > 0) {
    const range = contentRangeOf(res.headers);
    if (!range || range.start === null) {
      discardBody(res);
      throw new CourierError('PROTOCOL_ERROR', `206 response without a usable Content-Range from ${o.url}`, { url: o.url });
    }
    const changed = validatorChanged(state.sidecar?.validator, seen);
    if (changed || range.start !== offset) {
      discardBody(res);
      await restart(o, part, state, true, changed ? 'validator changed' : `asked for byte ${offset}, got ${range.start}`);
      return 'again';
    }
    total = range.total;
  } else if (res.status >= 200 && res.status < 300 && res.status !== 206) {
    if (offset > 0) {
      // Range ignored (same version: not a change) or If-Range did not match (a new version).
      const changed = validatorChanged(state.sidecar?.validator, seen);
      if (changed) {
        try {
          await restart(o, part, state, true, 'validator changed');
        } catch (error) {
          discardBody(res);
          throw error;
        }
      } else {
        await restart(o, part, state, false, 'range ignored');
      }
    }
    total = contentLengthOf(res.headers);
  } else {
    discardBody(res);
    throw new CourierError('HTTP_STATUS', `${o.url} answered ${res.status} ${res.statusText}`.trim(), { status: res.status, url: o.url });
  }

  if (o.size !== undefined && total !== null && total !== o.size) {
    discardBody(res);
    throw mismatch(`${o.url} is ${total} bytes, expected ${o.size}`, { expectedSize: o.size, actualSize: total });
  }
  const maxBytes = wholeFileLimit(o);
  if (maxBytes > 0 && total !== null && total > maxBytes) {
    discardBody(res);
    throw tooLarge(o.url, maxBytes, total);
  }
  state.total = total;
  const validator = seen.etag || seen.lastModified ? seen : (state.sidecar?.validator ?? {});
  const next: PartSidecar = { v: 1, url: o.url, validator, total, sha256: o.sha256 ?? null, durable: part.written };
  if (JSON.stringify(next) !== JSON.stringify(state.sidecar)) {
    try {
      await state.checkpoint;
      await writeSidecar(part.path, next);
    } catch (error) {
      discardBody(res);
      throw error;
    }
    state.sidecar = next;
  }
  o.meter.update(part.written, total, 'fetching');

  for await (const chunk of res.body) {
    for (const limiter of o.bandwidth) await limiter.take(chunk.length, o.signal);
    const room = part.write(chunk);
    if (room) await room;
    state.fetched += chunk.length;
    o.meter.received(chunk.length);
    if (o.size !== undefined && part.size > o.size) throw mismatch(`${o.url} sent more than the expected ${o.size} bytes`, { expectedSize: o.size });
    if (total !== null && part.size > total) throw new CourierError('PROTOCOL_ERROR', `${o.url} sent more bytes than it declared (${total})`, { url: o.url });
    if (maxBytes > 0 && part.size > maxBytes) throw tooLarge(o.url, maxBytes, null);
  }
  // A 206 may cover less than the rest of the file: ask again for what is missing.
  return total !== null && part.size < total ? 'again' : 'complete';
}

/**
 * The request's `maxResponseBytes` bounds the whole file, not only one response: the client
 * checks each response against it, but a resumed transfer's ranges add up past it.
 */
function wholeFileLimit(o: FetchToFileOptions): number {
  return o.request?.maxResponseBytes ?? 0;
}

function tooLarge(url: string, maxBytes: number, declared: number | null): CourierError {
  const what = declared === null ? 'sent more than' : `is ${declared} bytes, over`;
  return new CourierError('BODY_TOO_LARGE', `${url} ${what} the largest download allowed (${maxBytes} bytes)`, { url, maxBytes });
}
