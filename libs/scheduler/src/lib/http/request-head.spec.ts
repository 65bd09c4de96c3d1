// Issue 15 point 2 (the part done): the method goes on the wire exactly as given, as Pluto
// sends it (reference §1.2: `method = "get"` is sent as `get`) — in-process and in the job the
// fleet transport builds.
import { describe, expect, it, onTestFinished } from 'vitest';
import { startRawFixture } from '../../../../../test/fixtures/index.ts';
import { requestJobFor } from '../fleet/request-job.ts';
import { buildRequest } from './build-request.ts';
import { createPlutoHttp } from './pluto-http.ts';

describe('the request line', () => {
  it('sends method = "get" as get, and "Post" as Post', async () => {
    // The server answers with the request head it received, byte for byte.
    const f = await startRawFixture(async (socket, ctx) => {
      for (;;) {
        const req = await ctx.readRequest();
        const head = req.raw.subarray(0, req.raw.indexOf('\r\n\r\n') + 4);
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${head.length}\r\n\r\n`);
        socket.write(head);
      }
    });
    onTestFinished(() => f.close());
    const h = createPlutoHttp();
    onTestFinished(() => h.client.destroy());
    const [lower] = await h.request(`${f.url}/echo`, { method: 'get' });
    expect(lower?.split('\r\n')[0]).toBe('get /echo HTTP/1.1');
    const [mixed] = await h.request(`${f.url}/echo`, { method: 'Post', body: 'x' });
    expect(mixed?.split('\r\n')[0]).toBe('Post /echo HTTP/1.1');
  });

  it('carries the method verbatim in the fleet job', () => {
    const job = requestJobFor(buildRequest('http://127.0.0.1:1/x', { method: 'get' }));
    expect(job.method).toBe('get');
    expect(job.verbatimMethod).toBe(true);
  });
});
