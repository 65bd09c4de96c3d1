import { readFile } from 'node:fs/promises';
import type { FastifyPluginAsync } from 'fastify';

const publicDir = new URL('./public/', import.meta.url);

/**
 * The page allows nothing but its own script, styles and API: no inline script, no inline style
 * attribute, no framing. Data is written with `textContent`, so an origin named like markup
 * stays text even without this.
 */
const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const securityHeaders = {
  'content-security-policy': contentSecurityPolicy,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // The files change with the server, which is never long: revalidate rather than keep stale code.
  'cache-control': 'no-cache',
};

/**
 * The dashboard page (`/`) and its two static files, read once at start: a server-rendered
 * shell (it is told whether sign-in is needed) and one plain JavaScript module, no build step.
 * Public, like `/healthz`: they hold no data, and the page has to load to show its login box.
 */
export const dashboardPage: FastifyPluginAsync = async (app) => {
  const read = (name: string) => readFile(new URL(name, publicDir), 'utf8');
  const [html, script, styles] = await Promise.all([read('index.html'), read('dashboard.js'), read('dashboard.css')]);
  const page = html.replace('{{auth}}', app.auth.enabled ? 'on' : 'off');

  const publicRoute = { config: { public: true }, logLevel: 'warn' as const };
  app.get('/', publicRoute, async (_request, reply) => reply.headers(securityHeaders).type('text/html; charset=utf-8').send(page));
  app.get('/dashboard/dashboard.js', publicRoute, async (_request, reply) =>
    reply.headers(securityHeaders).type('text/javascript; charset=utf-8').send(script),
  );
  app.get('/dashboard/dashboard.css', publicRoute, async (_request, reply) => reply.headers(securityHeaders).type('text/css; charset=utf-8').send(styles));
};
