import type { Client, CourierResponse, RequestInit } from '@courier/origin';
import { warnCallbackError } from '../shared/warn.ts';
import { RESPONSE_HEAD_LIMIT, type ParsedOptions } from './arguments.ts';
import { codeForError, LuatosCode } from './error-codes.ts';
import { declaredLength, headBytes, luatosHeaders } from './response-headers.ts';
import { CALLBACK_WARNING, type LuatosResult } from './result.ts';

/** Calls the progress callback; it must not break the transfer (LuatOS would crash its loop). */
export function progress(options: ParsedOptions, contentLen: number, bodyLen: number): void {
  if (!options.callback) return;
  try {
    options.callback(contentLen, bodyLen, options.userdata);
  } catch (error) {
    warnCallbackError(CALLBACK_WARNING, 'http.request opts.callback', error);
  }
}

/** The head must fit LuatOS's receive buffer, else -6 (C.4). */
export function headFits(res: CourierResponse): boolean {
  if (headBytes(res) <= RESPONSE_HEAD_LIMIT) return true;
  res.body.cancel('response head larger than the LuatOS receive buffer');
  return false;
}

/** A request whose body is collected in memory and returned as text. */
export async function fetchToMemory(client: Client, url: URL, init: RequestInit, options: ParsedOptions): Promise<LuatosResult> {
  let res: CourierResponse;
  try {
    res = await client.request(url, init);
  } catch (error) {
    return [codeForError(error)];
  }
  if (!headFits(res)) return [LuatosCode.RX];
  const headers = luatosHeaders(res);
  const contentLen = declaredLength(res);
  progress(options, contentLen, 0);
  const chunks: Buffer[] = [];
  let received = 0;
  try {
    for await (const chunk of res.body) {
      chunks.push(chunk);
      received += chunk.length;
      progress(options, contentLen, received);
    }
  } catch (error) {
    // A body cut short is -5 here, not a short success (see README).
    return [codeForError(error)];
  }
  return [res.status, headers, Buffer.concat(chunks).toString('utf8')];
}
