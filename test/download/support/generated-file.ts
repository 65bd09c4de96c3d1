// A large file for download tests, generated on the fly (never stored in the repo) and served
// by a fixture route that honours Range / If-Range (or ignores them), cuts connections after N
// bytes, holds at an offset on a latch, and counts the body bytes it really sent.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpFixture } from '../../fixtures/index.ts';

const BLOCK = 64 * 1024;

/** Byte i of version v. Not periodic on powers of two, so a misplaced block changes the digest. */
export function generatedBytes(offset: number, length: number, version = 1): Buffer {
  const out = Buffer.allocUnsafe(length);
  const salt = (version * 131) % 251;
  for (let i = 0; i < length; i += 1) {
    const at = offset + i;
    out[i] = (at + (at >>> 12) * 7 + salt) % 251;
  }
  return out;
}

const digests = new Map<string, string>();

/** SHA-256 (hex) of the whole generated file; cached per (size, version). */
export function generatedSha256(size: number, version = 1): string {
  const key = `${size}:${version}`;
  const known = digests.get(key);
  if (known) return known;
  const hash = createHash('sha256');
  for (let at = 0; at < size; at += BLOCK) hash.update(generatedBytes(at, Math.min(BLOCK, size - at), version));
  const digest = hash.digest('hex');
  digests.set(key, digest);
  return digest;
}

export interface GeneratedFileSpec {
  size: number;
  /** Version served now; a function lets a test change the file between (or during) requests. */
  version?: number | (() => number);
  /** Honour `Range`. Default true; false answers 200 with the whole file every time. */
  ranges?: boolean;
  /** Send an ETag (default true) and a Last-Modified (default true). */
  etag?: boolean;
  lastModified?: boolean;
  /** Close the connection after this many body bytes of a response (per response index from 0). */
  cutAfter?: number | ((response: number) => number | undefined);
  /** Stop sending at this absolute offset until `release` resolves (the socket stays open). */
  holdAt?: { offset: number; release: Promise<void>; reached?: () => void };
  /** Answer this status (with an empty body) instead of the file, per request index from 0. */
  failWith?: (request: number) => number | undefined;
  /** Pause between chunks (ms), to pace the sender; 0 = as fast as the socket takes them. */
  chunkDelayMs?: number;
}

export interface ServedRequest {
  range: string | undefined;
  ifRange: string | undefined;
  ifNoneMatch: string | undefined;
  status: number;
  /** First byte sent (0 for 200). */
  start: number;
}

export interface GeneratedFile {
  url: string;
  size: number;
  sha256(version?: number): string;
  /** Every request to the path, in order. */
  readonly served: ServedRequest[];
  /** Responses that carried a body (200/206) — the upstream GETs that count. */
  readonly bodyResponses: number;
  /** Body bytes whose write had been handed to the kernel (write callback ran), in all responses. */
  readonly bytesSent: number;
  etagOf(version: number): string;
}

export function serveGeneratedFile(fixture: HttpFixture, path: string, spec: GeneratedFileSpec): GeneratedFile {
  const served: ServedRequest[] = [];
  const counters = { bodyResponses: 0, bytesSent: 0 };
  const versionNow = () => (typeof spec.version === 'function' ? spec.version() : (spec.version ?? 1));
  const etagOf = (v: number) => `"gen-${spec.size}-v${v}"`;
  const lastModifiedOf = (v: number) => new Date(Date.UTC(2024, 0, 1) + v * 60_000).toUTCString();
  let responses = 0;

  fixture.route(path, async (req: IncomingMessage, res: ServerResponse) => {
    const version = versionNow();
    const etag = spec.etag === false ? undefined : etagOf(version);
    const lastModified = spec.lastModified === false ? undefined : lastModifiedOf(version);
    const range = header(req, 'range');
    const ifRange = header(req, 'if-range');
    const ifNoneMatch = header(req, 'if-none-match');
    const validators: Record<string, string> = { ...(etag ? { etag } : {}), ...(lastModified ? { 'last-modified': lastModified } : {}) };
    const record: ServedRequest = { range, ifRange, ifNoneMatch, status: 200, start: 0 };
    served.push(record);
    const failure = spec.failWith?.(served.length - 1);
    if (failure !== undefined) {
      record.status = failure;
      res.writeHead(failure, { 'content-length': 0 });
      res.end();
      return;
    }

    if (ifNoneMatch && etag && ifNoneMatch === etag) {
      record.status = 304;
      res.writeHead(304, validators);
      res.end();
      return;
    }
    let start = 0;
    let status = 200;
    const m = range ? /^bytes=(\d+)-$/.exec(range) : null;
    const ifRangeMatches = !ifRange || ifRange === etag || ifRange === lastModified;
    if (spec.ranges !== false && m && ifRangeMatches) {
      start = Number(m[1]);
      if (start >= spec.size) {
        record.status = 416;
        res.writeHead(416, { ...validators, 'content-range': `bytes */${spec.size}`, 'content-length': 0 });
        res.end();
        return;
      }
      status = 206;
    }
    record.status = status;
    record.start = start;
    const index = responses;
    responses += 1;
    counters.bodyResponses += 1;
    const cut = typeof spec.cutAfter === 'function' ? spec.cutAfter(index) : spec.cutAfter;
    res.writeHead(status, {
      'content-type': 'application/octet-stream',
      'content-length': spec.size - start,
      'accept-ranges': spec.ranges === false ? 'none' : 'bytes',
      ...validators,
      ...(status === 206 ? { 'content-range': `bytes ${start}-${spec.size - 1}/${spec.size}` } : {}),
    });
    await sendBody(res, start, version, cut, counters);
  });

  async function sendBody(res: ServerResponse, start: number, version: number, cut: number | undefined, c: typeof counters) {
    let at = start;
    let sentHere = 0;
    while (!res.destroyed) {
      // A hold at the file's size keeps the body open after its last byte (the end is not sent).
      if (spec.holdAt && at === spec.holdAt.offset) {
        spec.holdAt.reached?.();
        await spec.holdAt.release;
        if (res.destroyed) return;
      }
      if (at >= spec.size) break;
      let length = Math.min(BLOCK, spec.size - at);
      if (spec.holdAt && at < spec.holdAt.offset) length = Math.min(length, spec.holdAt.offset - at);
      if (cut !== undefined) length = Math.min(length, cut - sentHere);
      const chunk = generatedBytes(at, length, version);
      at += length;
      sentHere += length;
      const flushed = new Promise<void>((resolve) => {
        const more = res.write(chunk, (error) => {
          if (!error) c.bytesSent += length;
          resolve();
        });
        // Respect backpressure, so "sent" means handed to the kernel, not queued in node.
        if (!more) res.once('drain', () => {});
      });
      await flushed;
      if (cut !== undefined && sentHere >= cut) {
        res.socket?.destroy();
        return;
      }
      if (spec.chunkDelayMs) await new Promise((r) => setTimeout(r, spec.chunkDelayMs));
    }
    if (!res.destroyed) res.end();
  }

  return {
    url: `${fixture.url}${path}`,
    size: spec.size,
    sha256: (v = versionNow()) => generatedSha256(spec.size, v),
    served,
    get bodyResponses() {
      return counters.bodyResponses;
    },
    get bytesSent() {
      return counters.bytesSent;
    },
    etagOf,
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
