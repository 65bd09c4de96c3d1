import type { ResponseBody } from './response-body.ts';
import type { RedirectHop, ResponseHeaders, Timings } from './types.ts';

export interface ResponseInit {
  status: number;
  statusText: string;
  headers: ResponseHeaders;
  /** `[name, value, …]` with the names' original case. */
  rawHeaders: string[];
  body: ResponseBody;
  url: string;
  redirects: RedirectHop[];
  timings: Timings;
  trailers: ResponseHeaders;
  reusedSocket: boolean;
}

export class CourierResponse {
  readonly status: number;
  readonly statusText: string;
  /** Lower-case names; a repeated header is an array. */
  readonly headers: ResponseHeaders;
  readonly body: ResponseBody;
  /** The final URL, after redirects. */
  readonly url: string;
  /** The redirects followed to get here, in order. */
  readonly redirects: readonly RedirectHop[];
  readonly timings: Timings;
  /** Trailers of a chunked body, filled in once the body has been read. */
  readonly trailers: ResponseHeaders;
  /** The final hop ran on a socket that had served a request before. */
  readonly reusedSocket: boolean;
  readonly #rawHeaders: string[];

  constructor(init: ResponseInit) {
    this.status = init.status;
    this.statusText = init.statusText;
    this.headers = init.headers;
    this.body = init.body;
    this.url = init.url;
    this.redirects = init.redirects;
    this.timings = init.timings;
    this.trailers = init.trailers;
    this.reusedSocket = init.reusedSocket;
    this.#rawHeaders = init.rawHeaders;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /** Header names with their original case, in order: `[name, value, name, value …]`. */
  get rawHeaders(): string[] {
    return [...this.#rawHeaders];
  }

  /** One header's value; repeated headers are joined with ", ". */
  header(name: string): string | undefined {
    const v = this.headers[name.toLowerCase()];
    return Array.isArray(v) ? v.join(', ') : v;
  }

  text(): Promise<string> {
    return this.body.text();
  }

  json<T = unknown>(): Promise<T> {
    return this.body.json<T>();
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return this.body.arrayBuffer();
  }

  bytes(): Promise<Buffer> {
    return this.body.bytes();
  }
}

/**
 * undici gives raw header buffers — views into the socket's read buffer, so they must not be
 * kept (a 64 KiB chunk would stay alive with every response). They become strings here: the
 * lower-cased object, and (when `rawOut` is given) `[name, value, …]` with the original case.
 */
export function parseRawHeaders(raw: ReadonlyArray<Buffer | string>, into: ResponseHeaders = {}, rawOut?: string[]): ResponseHeaders {
  for (let i = 0; i < raw.length; i += 2) {
    const original = raw[i]!.toString('latin1');
    const name = original.toLowerCase();
    const value = raw[i + 1]!.toString('utf8');
    rawOut?.push(original, value);
    const prev = into[name];
    if (prev === undefined) into[name] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else into[name] = [prev, value];
  }
  return into;
}
