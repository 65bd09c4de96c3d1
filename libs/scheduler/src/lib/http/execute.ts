import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { CourierError, type Client, type ResponseHeaders } from '@courier/origin';
import type { Operation } from '../operation.ts';
import type { PlutoRequestSpec } from './build-request.ts';
import { plutoReason } from './reasons.ts';
import { titleCaseCached } from './title-case.ts';
import type { PlutoHeaders, PlutoResult } from './types.ts';

// The zlib calls run on libuv's thread pool: a large body does not block the scheduler.
const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const inflateRaw = promisify(zlib.inflateRaw);

/**
 * Response headers as Pluto gives them (reference §1.5): Title-Cased names, repeated headers
 * joined with ", " in arrival order (`Set-Cookie` too), `Transfer-Encoding` gone (the body is
 * de-framed).
 */
export function plutoHeaders(headers: ResponseHeaders): PlutoHeaders {
  const out: PlutoHeaders = {};
  for (const name in headers) {
    if (name === 'transfer-encoding') continue;
    const value = headers[name]!;
    out[titleCaseCached(name)] = typeof value === 'string' ? value : value.join(', ');
  }
  return out;
}

/** Soup advertises and decodes only these two (`Accept-Encoding: deflate, gzip`). */
async function decode(encoding: string, body: Buffer): Promise<Buffer> {
  try {
    if (encoding === 'gzip') return await gunzip(body);
    try {
      return await inflate(body);
    } catch {
      // Some servers send raw DEFLATE without the zlib wrapper RFC 9110 asks for.
      return await inflateRaw(body);
    }
  } catch (cause) {
    throw new CourierError('PROTOCOL_ERROR', `response body is not valid ${encoding}`, { cause });
  }
}

/** The body's `Content-Encoding` when it is one Soup decodes and there is something to decode. */
export function encodingToDecode(headers: PlutoHeaders, body: Buffer): 'gzip' | 'deflate' | null {
  const encoding = headers['Content-Encoding']?.trim().toLowerCase();
  return (encoding === 'gzip' || encoding === 'deflate') && body.length > 0 ? encoding : null;
}

/**
 * Decodes a gzip/deflate body and fixes the headers: no `Content-Encoding`, `Content-Length` of
 * the decoded body. Rejects with `PROTOCOL_ERROR` when the body is not what it says.
 */
export async function decoded(headers: PlutoHeaders, body: Buffer, encoding: 'gzip' | 'deflate'): Promise<Buffer> {
  const plain = await decode(encoding, body);
  delete headers['Content-Encoding'];
  if (headers['Content-Length'] !== undefined) headers['Content-Length'] = String(plain.length);
  return plain;
}

/**
 * Runs a built request on `client`: `[body, status, headers, statusText]`, or `[null, reason]`
 * with Pluto's reason for whatever failed (connect, TLS, timeout, a cut body …). Never rejects.
 * Given `op`, it also settles `op` with the result directly (the facade's hot path: no extra
 * promise reaction between the response and the waiting coroutine).
 */
export async function executeRequest(client: Client, spec: PlutoRequestSpec, op?: Operation<PlutoResult>): Promise<PlutoResult> {
  let result: PlutoResult;
  try {
    const res = await client.request(spec.url, spec.init);
    const raw = await res.bytes();
    const headers = plutoHeaders(res.headers);
    // Most bodies are not encoded: no extra promise turn for them.
    const encoding = encodingToDecode(headers, raw);
    const body = encoding === null ? raw : await decoded(headers, raw, encoding);
    result = [body.toString('utf8'), res.status, headers, res.statusText];
  } catch (error) {
    result = [null, plutoReason(error)];
  }
  op?.resolve(result);
  return result;
}
