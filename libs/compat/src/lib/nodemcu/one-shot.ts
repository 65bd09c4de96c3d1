import { CourierError } from '@courier/origin';
import type { ClientSource } from '../shared/client-source.ts';
import { luaType } from '../shared/lua.ts';
import { GET, POST, PUT } from './constants.ts';
import { NodeMcuConnection } from './connection.ts';
import { parseOptions, type NodeMcuOptions } from './options.ts';

/** `status_code, body, headers`: body `''` and headers `undefined` when no response head arrived. */
export type OneShotResult = [status: number, body: string, headers: Record<string, string> | undefined];
export type OneShotCallback = (status: number, body: string, headers: Record<string, string> | undefined) => unknown;

function checkBody(body: unknown, fn: string): string {
  // luaL_checkstring: a number is taken as its decimal text.
  if (typeof body === 'number') return String(body);
  if (typeof body !== 'string') throw new CourierError('BAD_BODY', `bad argument #3 to '${fn}' (string expected, got ${luaType(body)})`);
  return body;
}

/**
 * A one-shot request (B.8) over a connection object, as the firmware builds it: async when a
 * callback is given whatever `options.async` says, `Connection: close` forced after the
 * caller's headers, the body buffered.
 */
function oneShot(
  client: ClientSource,
  fn: string,
  method: number,
  url: string,
  options: NodeMcuOptions | null | undefined,
  body: string | null,
  callback: OneShotCallback | undefined,
): Promise<OneShotResult> | undefined {
  if (callback !== undefined && typeof callback !== 'function') {
    throw new CourierError('BAD_OPTION', `bad argument to '${fn}' (function expected, got ${luaType(callback)})`);
  }
  const parsed = { ...parseOptions(options, fn), async: callback !== undefined };
  const conn = new NodeMcuConnection({ client, url, method, options: parsed, oneShot: true });
  conn.setheader('Connection', 'close');
  if (body !== null) conn.setbody(body);
  let headers: Record<string, string> | undefined;
  let chunks: Buffer[] = [];
  // Each response head starts a new body: a redirect's body never leaks into the result (see README).
  conn.on('headers', (_status, h) => {
    headers = h;
    chunks = [];
  });
  conn.on('data', (_status, data) => {
    chunks.push(data);
  });
  const result = (status: number): OneShotResult => [status, status < 0 ? '' : Buffer.concat(chunks).toString('utf8'), headers];
  if (callback) {
    conn.on('complete', (status) => callback(...result(status)));
    conn.request();
    return undefined;
  }
  return conn.request()!.then(([status]) => result(status));
}

/** The one-shot functions of a facade over `client`. */
export function oneShotApi(client: ClientSource) {
  /** `http.get(url, [options,] [callback])` */
  function get(url: string, callback: OneShotCallback): undefined;
  function get(url: string, options?: NodeMcuOptions | null): Promise<OneShotResult>;
  function get(url: string, options: NodeMcuOptions | null | undefined, callback: OneShotCallback): undefined;
  function get(url: string, options?: NodeMcuOptions | OneShotCallback | null, callback?: OneShotCallback): Promise<OneShotResult> | undefined {
    if (typeof options === 'function') return oneShot(client, 'get', GET, url, undefined, null, options);
    return oneShot(client, 'get', GET, url, options, null, callback);
  }

  function withBody(fn: 'post' | 'put', method: number) {
    function send(url: string, options: NodeMcuOptions | null | undefined, body: string): Promise<OneShotResult>;
    function send(url: string, options: NodeMcuOptions | null | undefined, body: string, callback: OneShotCallback): undefined;
    function send(url: string, options: NodeMcuOptions | null | undefined, body: string, callback?: OneShotCallback): Promise<OneShotResult> | undefined {
      return oneShot(client, fn, method, url, options, checkBody(body, fn), callback);
    }
    return send;
  }

  return { get, post: withBody('post', POST), put: withBody('put', PUT) };
}
