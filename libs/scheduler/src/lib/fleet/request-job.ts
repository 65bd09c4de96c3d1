import { plutoPolicy } from '@courier/origin';
import type { RequestJob } from '@courier/queue';
import type { PlutoRequestSpec } from '../http/build-request.ts';

/**
 * A built Pluto request as a queue `request` job: the same method, the same headers in the same
 * order and case (defaults included), the same body, so the origin sees the request it would see
 * in-process. Pluto's per-request options travel with it (`dontReuse`, `dontMakeReusable`,
 * `preferIpv6`) and so do Pluto's limits the worker's own policy may not share: no redirects,
 * 30 s for the whole exchange, no separate header or body timeout.
 */
export function requestJobFor(spec: PlutoRequestSpec): RequestJob {
  const { init } = spec;
  const job: RequestJob = {
    kind: 'request',
    url: spec.url,
    method: init.method ?? 'GET',
    headers: init.headers.map(([name, value]) => [name, value]),
    maxRedirects: 0,
    totalTimeoutMs: plutoPolicy.totalTimeoutMs!,
    headersTimeoutMs: plutoPolicy.headersTimeoutMs!,
    bodyTimeoutMs: plutoPolicy.bodyTimeoutMs!,
  };
  const body = init.body;
  // '' (no payload on a method other than GET) is kept: it asks for `Content-Length: 0`, as in-process.
  if (typeof body === 'string') job.body = body;
  else if (body instanceof Uint8Array) job.body = { base64: Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64') };
  if (init.dontReuse === true) job.dontReuse = true;
  if (init.dontMakeReusable === true) job.dontMakeReusable = true;
  if (init.preferIpv6 === true) job.preferIpv6 = true;
  if (init.verbatimMethod === true) job.verbatimMethod = true;
  // Pluto's pool semantics travel with the job: the worker runs it on its Pluto client.
  job.plutoPool = true;
  return job;
}
