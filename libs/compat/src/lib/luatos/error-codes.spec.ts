// LuatOS result codes (C.6), one row at a time.
import { CourierError, errorCodes } from '@courier/origin';
import { describe, expect, it } from 'vitest';
import { createLuatosHttp, luatos } from '../../index.ts';
import { closedPort, httpOrigin, rawOrigin, rawResponder, testClient } from '../../testing/fixtures.ts';

const { LuatosCode, codeByErrorCode, codeForError } = luatos;

describe('LuatOS error codes (C.6)', () => {
  it('every Courier error code maps into -1 … -8, and never to -2, -3 or -9', () => {
    for (const code of errorCodes) {
      expect([-1, -4, -5, -6, -7, -8], code).toContain(codeByErrorCode[code]);
    }
  });

  it('-1 HTTP_ERROR_STATE: only for a fault of Courier itself (INTERNAL)', () => {
    expect(codeForError(new CourierError('INTERNAL', 'bug'))).toBe(LuatosCode.STATE);
    expect(codeForError(new Error('not ours'))).toBe(-1);
  });

  it('-4 HTTP_ERROR_CONNECT: bad arguments at once, then DNS / TCP / TLS connect failures', async () => {
    const port = await closedPort();
    const tls = await httpOrigin({ tls: true });
    const http = createLuatosHttp(testClient());
    expect(await http.request('HEAD', `http://127.0.0.1:${port}/`).wait()).toEqual([-4]);
    expect(await http.request('GET', `http://127.0.0.1:${port}/`).wait()).toEqual([-4]);
    expect(await http.request('GET', `${tls.url}/hello`).wait()).toEqual([-4]);
    // DNS failure, without asking a real resolver.
    const noDns = createLuatosHttp(
      testClient({
        lookup: ((_host: string, _opts: unknown, cb: (err: Error) => void) => cb(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }))) as never,
      }),
    );
    expect(await noDns.request('GET', 'http://device.example/').wait()).toEqual([-4]);
  });

  it('-5 HTTP_ERROR_CLOSE: the peer closed or reset before the response was complete; a malformed response', async () => {
    const fin = await rawOrigin((socket, ctx) => {
      ctx.readRequest().then(() => socket.end(), () => {});
    });
    const reset = await rawOrigin((socket, ctx) => {
      ctx.readRequest().then(() => socket.resetAndDestroy(), () => {});
    });
    const garbage = await rawResponder('HTTP/1.1 xyz\r\n\r\n');
    const http = createLuatosHttp(testClient());
    expect(await http.request('GET', `${fin.url}/`).wait()).toEqual([-5]);
    expect(await http.request('GET', `${reset.url}/`).wait()).toEqual([-5]);
    expect(await http.request('GET', `${garbage.url}/`).wait()).toEqual([-5]);
  });

  it('-6 HTTP_ERROR_RX: the response head does not fit the receive buffer', async () => {
    const origin = await httpOrigin();
    const http = createLuatosHttp(testClient());
    expect(await http.request('GET', `${origin.url}/big-headers/20000`).wait()).toEqual([-6]);
    expect(codeForError(new CourierError('HEADERS_TOO_LARGE', 'x'))).toBe(-6);
  });

  it('-7 HTTP_ERROR_DOWNLOAD: the dst file cannot be written; no memory for the body', () => {
    expect(codeForError(new CourierError('DISK_ERROR', 'ENOSPC'))).toBe(-7);
    expect(codeForError(new CourierError('BAD_PATH', 'x'))).toBe(-7);
    expect(codeForError(new CourierError('BODY_TOO_LARGE', 'x'))).toBe(-7);
  });

  it('-8 HTTP_ERROR_TIMEOUT: the total deadline, connect timeouts included', async () => {
    const origin = await httpOrigin();
    const held = origin.hold('/held');
    const http = createLuatosHttp(testClient());
    expect(await http.request('GET', `${origin.url}/held`, null, null, { timeout: 1000 }).wait()).toEqual([-8]);
    held.release();
    expect(codeForError(new CourierError('CONNECT_TIMEOUT', 'x'))).toBe(-8);
  });

  it('-9 HTTP_ERROR_FOTA: never (a build without FOTA: the fota option is ignored)', async () => {
    const origin = await httpOrigin();
    const http = createLuatosHttp(testClient());
    const result = await http.request('GET', `${origin.url}/hello`, null, null, { fota: true }).wait();
    expect(result[0]).toBe(200);
    expect(Object.values(codeByErrorCode)).not.toContain(LuatosCode.FOTA);
  });
});
