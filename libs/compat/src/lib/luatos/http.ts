import path from 'node:path';
import type { Client, RequestInit } from '@courier/origin';
import { defaultClient, resolveClient, type ClientSource } from '../shared/client-source.ts';
import { tlsOptionsOf } from '../shared/tls.ts';
import { checkMethod, checkUrl, parseOptions, requestBody, requestHeaders, totalTimeoutMs, type LuatosOptions } from './arguments.ts';
import { LuatosCode } from './error-codes.ts';
import { fetchToFile } from './fetch-to-file.ts';
import { fetchToMemory } from './fetch-to-memory.ts';
import { LuatosCall, type LuatosResult } from './result.ts';

type Pem = string | Buffer;

export interface LuatosHttpOptions {
  /**
   * Directory `opts.dst` files are written under (LuatOS's absolute paths are taken relative to
   * it). Default: `COURIER_DOWNLOAD_ROOT`, else `.courier/downloads` in the working directory.
   */
  downloadRoot?: string;
}

function downloadRoot(options: LuatosHttpOptions): string {
  return path.resolve(options.downloadRoot ?? process.env['COURIER_DOWNLOAD_ROOT'] ?? '.courier/downloads');
}

function failed(code: number): LuatosCall {
  return new LuatosCall(Promise.resolve<LuatosResult>([code]));
}

/** A LuatOS `http` module over `client` (its CA, its lookup, its policies). */
export function createLuatosHttp(client: Client | (() => Client), facadeOptions: LuatosHttpOptions = {}) {
  const source: ClientSource = client;

  /**
   * `http.request(method, url, headers?, body?, opts?, ca?, clientCa?, clientKey?, clientPassword?)`.
   * Returns at once; `.wait()` gives `[code, headers, body]`, or `[negativeCode]` on an error.
   * `clientCa` is the client certificate (PEM) for mutual TLS, `clientKey` its key,
   * `clientPassword` the key's passphrase; `ca` is trusted on top of the system CAs.
   */
  function request(
    method?: string | null,
    url?: string,
    headers?: Record<string, string | number> | null,
    body?: string | number | Uint8Array | null,
    opts?: LuatosOptions | null,
    ca?: Pem | null,
    clientCa?: Pem | null,
    clientKey?: Pem | null,
    clientPassword?: string | null,
  ): LuatosCall {
    // Setup failures are synchronous in LuatOS: the result is there before anyone waits.
    const verb = checkMethod(method);
    const target = checkUrl(url);
    if (verb === null || target === null) return failed(LuatosCode.CONNECT);
    const options = parseOptions(opts);
    const wire = requestHeaders(headers, target);
    const secure = target.protocol === 'https:';
    const tls =
      secure && (ca || clientCa || clientKey)
        ? tlsOptionsOf({ ca: ca ?? undefined, cert: clientCa ?? undefined, key: clientKey ?? undefined, passphrase: clientPassword ?? undefined })
        : undefined;
    const init: RequestInit = {
      method: verb,
      headers: wire,
      body: requestBody(body),
      totalTimeoutMs: totalTimeoutMs(options),
      // The total deadline is LuatOS's only timer.
      headersTimeoutMs: 0,
      bodyTimeoutMs: 0,
      // LuatOS follows no redirect and uses a connection per request.
      maxRedirects: 0,
      dontReuse: true,
      dontMakeReusable: true,
      ...(options.ipv6 ? { preferIpv6: true } : {}),
      ...(tls ? { tls } : {}),
    };
    const run = async (): Promise<LuatosResult> => {
      const c = resolveClient(source);
      if (options.dst !== undefined) return fetchToFile(c, target, init, wire, options, { root: downloadRoot(facadeOptions), dst: options.dst });
      return fetchToMemory(c, target, init, options);
    };
    return new LuatosCall(run().catch((): LuatosResult => [LuatosCode.STATE]));
  }

  return Object.freeze({ request });
}

export type LuatosHttp = ReturnType<typeof createLuatosHttp>;

/** The module over the default client (`COURIER_CA_FILE` from the environment), built on first use. */
export const http: LuatosHttp = createLuatosHttp(defaultClient);
