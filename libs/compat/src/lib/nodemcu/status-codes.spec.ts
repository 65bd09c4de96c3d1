// NodeMCU ESP32 `http` conformance, part 3: the negative status codes (B.6), one row at a time,
// with a raw-socket origin where the bytes on the wire make the fault.
import { CourierError, errorCodes } from '@courier/origin';
import { describe, expect, it } from 'vitest';
import { createNodeMcuHttp, nodemcu } from '../../index.ts';
import { closedPort, httpOrigin, rawOrigin, rawResponder, testClient } from '../../testing/fixtures.ts';

const { NodeMcuStatus, statusByErrorCode, statusForError } = nodemcu;

async function status(http: nodemcu.NodeMcuHttp, url: string, options: nodemcu.NodeMcuOptions = {}): Promise<number> {
  return (await http.createConnection(url, options).request())![0];
}

describe('NodeMCU negative status codes (B.6)', () => {
  it('every Courier error code maps to a negative status', () => {
    for (const code of errorCodes) expect(statusByErrorCode[code], code).toBeLessThan(0);
  });

  it('-1 (ESP_FAIL): a redirect without a Location, or with one that cannot be parsed', async () => {
    const noLocation = await rawResponder('HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n');
    const badLocation = await rawResponder('HTTP/1.1 301 Moved\r\nLocation: http://[::1\r\nContent-Length: 0\r\n\r\n');
    const http = createNodeMcuHttp(testClient());
    expect(await status(http, `${noLocation.url}/`)).toBe(-1);
    expect(await status(http, `${badLocation.url}/`)).toBe(-1);
    expect(statusForError(new CourierError('REDIRECT_REFUSED', 'x'))).toBe(-1);
  });

  it('-28673 (MAX_REDIRECT): more redirects than max_redirects', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    expect(await status(http, `${origin.url}/redirect/302/3`, { max_redirects: 2 })).toBe(NodeMcuStatus.MAX_REDIRECT);
    expect(NodeMcuStatus.MAX_REDIRECT).toBe(-28673);
  });

  it('-28674 (CONNECT): nothing listens, or the TLS handshake fails', async () => {
    const port = await closedPort();
    const tlsOrigin = await httpOrigin({ tls: true });
    const http = createNodeMcuHttp(testClient());
    expect(await status(http, `http://127.0.0.1:${port}/`)).toBe(-28674);
    expect(await status(http, `${tlsOrigin.url}/hello`)).toBe(-28674);
    // A cert that does not make the server trusted fails the same way.
    expect(await status(http, `${tlsOrigin.url}/hello`, { cert: 'garbage' })).toBe(-28674);
  });

  it('-28675 (WRITE_DATA): the socket broke while the request was being written (EPIPE)', () => {
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    expect(statusForError(new CourierError('CONNECTION_RESET', 'write EPIPE', { cause: epipe }))).toBe(-28675);
  });

  it('-28676 (FETCH_HEADER): a reset or a malformed head while waiting for the response', async () => {
    const reset = await rawOrigin((socket, ctx) => {
      ctx.readRequest().then(() => socket.resetAndDestroy(), () => {});
    });
    const garbage = await rawResponder('HTTP/1.1 abc nonsense\r\n\r\n');
    const http = createNodeMcuHttp(testClient());
    expect(await status(http, `${reset.url}/`)).toBe(-28676);
    expect(await status(http, `${garbage.url}/`)).toBe(-28676);
  });

  it('-28677 (INVALID_TRANSPORT): neither http nor https', async () => {
    const http = createNodeMcuHttp(testClient());
    expect(await status(http, 'ftp://127.0.0.1/file')).toBe(-28677);
  });

  it('-28679 (EAGAIN): a socket operation timed out; mid-body too (the firmware returns a short body)', async () => {
    const origin = await httpOrigin();
    const held = origin.hold('/held');
    const http = createNodeMcuHttp(testClient());
    expect(await status(http, `${origin.url}/held`, { timeout: 150 })).toBe(-28679);
    held.release();
    const conn = http.createConnection(`${origin.url}/drip/10?pieces=2&interval=60000`, { timeout: 1000 });
    const data: Buffer[] = [];
    const headers: number[] = [];
    conn.on('headers', (s) => void headers.push(s));
    conn.on('data', (_s, d) => void data.push(d));
    expect((await conn.request())![0]).toBe(-28679);
    expect(headers).toEqual([200]);
    expect(Buffer.concat(data).length).toBe(5);
  });

  it('-28680 (CONNECTION_CLOSED): FIN before the response head, or before the declared end of the body', async () => {
    const fin = await rawOrigin((socket, ctx) => {
      ctx.readRequest().then(() => socket.end(), () => {});
    });
    const short = await rawOrigin((socket, ctx) => {
      ctx.readRequest().then(() => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this'), () => {});
    });
    const http = createNodeMcuHttp(testClient());
    expect(await status(http, `${fin.url}/`)).toBe(-28680);
    const conn = http.createConnection(`${short.url}/`);
    const data: Buffer[] = [];
    conn.on('data', (_s, d) => void data.push(d));
    // The firmware reports 200 with the short body; a truncated body is an error here (README).
    expect((await conn.request())![0]).toBe(-28680);
    expect(Buffer.concat(data).toString()).toBe('only this');
  });

  it('-257 / -258 / -259: out of memory, invalid argument, invalid state', () => {
    expect(statusForError(new CourierError('BODY_TOO_LARGE', 'x'))).toBe(-257);
    expect(statusForError(new CourierError('BAD_HEADER', 'x'))).toBe(-258);
    expect(statusForError(new CourierError('CLIENT_CLOSED', 'x'))).toBe(-259);
    expect(statusForError(new Error('not a CourierError'))).toBe(-1);
  });

  it('a request line longer than 512 bytes works (the firmware fails it with -1: see README)', async () => {
    const origin = await httpOrigin();
    const http = createNodeMcuHttp(testClient());
    expect(await status(http, `${origin.url}/hello?${'q'.repeat(2000)}`)).toBe(200);
  });

  it('status_code is reported by each request, an error after a success included', async () => {
    const origin = await httpOrigin();
    const held = origin.hold('/held');
    const http = createNodeMcuHttp(testClient());
    const conn = http.createConnection(`${origin.url}/status/503`, { timeout: 1000 });
    expect((await conn.request())![0]).toBe(503);
    conn.seturl(`${origin.url}/held`);
    expect((await conn.request())![0]).toBe(-28679);
    held.release();
  });
});
