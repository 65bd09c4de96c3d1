import { CourierError, isCourierError, type Client, type RequestInit } from '@courier/origin';
import { download } from '@courier/download';
import type { ParsedOptions } from './arguments.ts';
import { codeForError, LuatosCode } from './error-codes.ts';
import { progress } from './fetch-to-memory.ts';
import type { LuatosResult } from './result.ts';

/** Errors after which LuatOS still reports the status, with the file removed and body -1 (C.4). */
const cuts = new Set(['CLOSED_PREMATURELY', 'CONNECTION_RESET', 'BODY_TIMEOUT', 'PROTOCOL_ERROR']);

/**
 * LuatOS paths are absolute on the device's own filesystem (`/data.bin`, `/sd/fw.bin`): here
 * they name files under the download root. `..` still cannot leave it (`BAD_PATH` → -7).
 */
export function dstUnderRoot(dst: string): string {
  return dst.replace(/^[\\/]+/, '');
}

export interface FileTarget {
  root: string;
  dst: string;
}

/**
 * `opts.dst`: the body streamed to a file through `@courier/download` (flat memory, confined to
 * the root, verified size, atomic rename); the body result is the byte count.
 */
export async function fetchToFile(
  client: Client,
  url: URL,
  init: RequestInit,
  headers: Array<[string, string]>,
  options: ParsedOptions,
  target: FileTarget,
): Promise<LuatosResult> {
  const deadline = new AbortController();
  const timeoutMs = init.totalTimeoutMs ?? 0;
  const timer = setTimeout(() => deadline.abort(new CourierError('TOTAL_TIMEOUT', `download took longer than ${timeoutMs} ms`)), timeoutMs);
  timer.unref?.();
  const { method: _method, body: _body, headers: _headers, signal: _signal, totalTimeoutMs: _total, ...request } = init;
  progress(options, 0, 0);
  try {
    const result = await download(client, url.href, dstUnderRoot(target.dst), {
      root: target.root,
      // LuatOS starts every download afresh; a cut within this call is still resumed (README).
      resume: false,
      maxRetries: 0,
      signal: deadline.signal,
      headers: Object.fromEntries(headers),
      progressIntervalMs: 0,
      onProgress: ({ bytes, total, phase }) => {
        if (phase === 'fetching' || phase === 'done') progress(options, total ?? 0, bytes);
      },
      request,
    });
    // download() accepts 2xx only, so the status was a success; it does not hand back the
    // status line or headers (yet: see README).
    return [200, {}, result.bytes];
  } catch (error) {
    if (deadline.signal.aborted) return [LuatosCode.TIMEOUT];
    if (isCourierError(error)) {
      const status = error.details['status'];
      // > 299: LuatOS deletes the file and still returns the status (no file is ever left here).
      if (error.code === 'HTTP_STATUS' && typeof status === 'number') return [status, {}, 0];
      if (cuts.has(error.code)) return [200, {}, -1];
    }
    return [codeForError(error)];
  } finally {
    clearTimeout(timer);
  }
}
