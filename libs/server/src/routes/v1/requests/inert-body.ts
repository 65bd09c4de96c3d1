import type { FastifyReply } from 'fastify';
import { z } from 'zod';

/**
 * `GET /v1/requests/:id/body?inline=1`: the body shown in the browser tab as plain text instead
 * of downloaded. Only `1`/`true` turn it on; anything else is refused by the schema.
 */
export const bodyQuery = z.strictObject({
  inline: z.enum(['1', 'true', '0', 'false'], { error: 'must be 1, true, 0 or false' }).optional(),
});

/**
 * Upstream bytes are served on the API's own origin, where a signed-in operator's cookie is
 * valid: an HTML body with a script must never run there. So every route that sends stored
 * upstream bytes sends them inert — never sniffed into another type (`nosniff`), in a sandbox
 * with nothing allowed to load (the CSP, in case a browser renders it anyway), and as a download
 * unless the client asks for inline text, which is then labelled `text/plain` whatever the
 * upstream said. API clients reading the bytes keep the upstream's content type as a download.
 */
export function sendInert(reply: FastifyReply, jobId: string, upstreamType: string | undefined, inline: boolean): void {
  reply.header('x-content-type-options', 'nosniff');
  reply.header('content-security-policy', "sandbox; default-src 'none'");
  reply.header('cache-control', 'private, no-store');
  if (inline) {
    reply.header('content-type', 'text/plain; charset=utf-8');
    reply.header('content-disposition', 'inline');
    return;
  }
  reply.header('content-type', safeContentType(upstreamType));
  // Job ids are [A-Za-z0-9._~-]: nothing to quote in the file name.
  reply.header('content-disposition', `attachment; filename="${jobId}.body"`);
}

/** The upstream's content type when it is a plain token/token (with parameters), else octet-stream. */
function safeContentType(value: string | undefined): string {
  if (value === undefined || value.length > 256 || !/^[\w!#$&^.+-]+\/[\w!#$&^.+-]+(\s*;[\x20-\x7e]*)?$/.test(value)) return 'application/octet-stream';
  return value;
}
