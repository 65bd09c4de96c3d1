import { warnCallbackError } from '../shared/warn.ts';

/** Response headers as LuatOS gives them: the server's name case, the last of repeated names wins. */
export type LuatosHeaders = Record<string, string>;

/**
 * `code, headers, body` on a response (any status); only `code` (negative) on an error. `body`
 * is the text, or the byte count with `dst`.
 */
export type LuatosResult = [code: number, headers: LuatosHeaders, body: string | number] | [code: number];

export type LuatosResultCallback = (code: number, headers?: LuatosHeaders, body?: string | number) => unknown;

export const CALLBACK_WARNING = 'COURIER_LUATOS_CALLBACK';

/**
 * The "cwait" object `http.request` returns (C.1): `wait()` for the results, `cb(fn)` for a
 * callback. The result is kept, so a `wait()` that starts late still gets it (LuatOS loses a
 * result published before anyone waits: see README).
 */
export class LuatosCall {
  readonly #result: Promise<LuatosResult>;

  constructor(result: Promise<LuatosResult>) {
    this.#result = result;
  }

  /** The results, once the request has ended. */
  wait(): Promise<LuatosResult> {
    return this.#result;
  }

  /** Calls `fn(code, headers, body)` once the request has ended. A throwing callback is reported as a process warning. */
  cb(fn: LuatosResultCallback): void {
    void this.#result.then((result) => {
      try {
        fn(...(result as [number, LuatosHeaders?, (string | number)?]));
      } catch (error) {
        warnCallbackError(CALLBACK_WARNING, 'http.request cb', error);
      }
    });
  }
}
