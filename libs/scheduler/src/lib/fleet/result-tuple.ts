import { STATUS_CODES } from 'node:http';
import { isCourierError, type ErrorCode } from '@courier/origin';
import { openResultBody, type JobError, type RequestResult } from '@courier/queue';
import { decoded, encodingToDecode, plutoHeaders } from '../http/execute.ts';
import { plutoReason, plutoReasons } from '../http/reasons.ts';
import type { PlutoHeaders, PlutoResult } from '../http/types.ts';

/** Thrown inside this module only; becomes `[null, reason]`. */
class Failure {
  constructor(readonly reason: string) {}
}

/**
 * The body file of a large result, read from this machine's results directory the way the API
 * reads it (`openResultBody`: the exact `<id>.body` name, no link followed, a regular file only).
 */
async function readBodyFile(resultsDir: string, bodyFile: string): Promise<Buffer> {
  try {
    const { stream } = await openResultBody(resultsDir, bodyFile);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  } catch (error) {
    if (isCourierError(error) && error.code === 'BAD_PATH') throw new Failure(plutoReasons.BAD_PATH);
    // Written by a worker on another machine without a shared results volume, or swept already.
    throw new Failure(plutoReasons.DISK_ERROR);
  }
}

/** The reason string for a failed job's error code (an unknown code from a newer worker: `Protocol Error`). */
export function failureTuple(error: JobError): PlutoResult {
  const reason = (plutoReasons as Partial<Record<string, string>>)[error.code] ?? plutoReasons.INTERNAL;
  return [null, reason];
}

/**
 * A request job that failed because the origin answered ≥ 400, from a queue whose request jobs
 * cannot yet complete with such a status (see the README): the status is all that travelled, so
 * the body is empty, the headers are missing and the status text is the standard one.
 */
export function statusOnlyTuple(error: JobError & { status: number }): PlutoResult {
  return ['', error.status, {}, STATUS_CODES[error.status] ?? ''];
}

/** True for the failure `statusOnlyTuple` stands for. */
export function isStatusFailure(error: JobError): error is JobError & { status: number } {
  return error.code === ('HTTP_STATUS' satisfies ErrorCode) && typeof error.status === 'number';
}

/**
 * `successTuple` without a promise, for the usual result: the body inline and not encoded.
 * Null when the result needs a file read or decoding.
 */
export function inlineSuccessTuple(result: RequestResult): PlutoResult | null {
  if (result.bodyFile !== undefined) return null;
  const headers: PlutoHeaders = plutoHeaders(result.headers);
  const body = Buffer.from(result.bodyBase64 ?? '', 'base64');
  if (encodingToDecode(headers, body) !== null) return null;
  return [body.toString('utf8'), result.status, headers, result.statusText];
}

/**
 * A completed request job as Pluto's tuple, built as the in-process path builds it (the same
 * helpers): Title-Cased headers joined with ", ", no `Transfer-Encoding`, gzip/deflate decoded
 * (and `Content-Encoding` dropped, `Content-Length` the decoded size), the body as UTF-8 text.
 */
export async function successTuple(result: RequestResult, resultsDir: string): Promise<PlutoResult> {
  try {
    const raw = result.bodyFile !== undefined ? await readBodyFile(resultsDir, result.bodyFile) : Buffer.from(result.bodyBase64 ?? '', 'base64');
    const headers: PlutoHeaders = plutoHeaders(result.headers);
    const encoding = encodingToDecode(headers, raw);
    const body = encoding === null ? raw : await decoded(headers, raw, encoding);
    return [body.toString('utf8'), result.status, headers, result.statusText];
  } catch (error) {
    if (error instanceof Failure) return [null, error.reason];
    // A body that is not the gzip/deflate it claims is PROTOCOL_ERROR; anything else, INTERNAL.
    return [null, plutoReason(error)];
  }
}
