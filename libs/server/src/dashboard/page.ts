import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
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

const contentTypes: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * The dashboard page (`/`) and its static files (`public/`: the stylesheet and the JavaScript
 * modules, subfolders included), read once at start: a server-rendered shell (it is told whether
 * sign-in is needed) and plain JavaScript modules, no build step. Each file gets its own route,
 * so nothing outside that list is ever served. Public, like `/healthz`: they hold no data, and
 * the page has to load to show its login box.
 */
export const dashboardPage: FastifyPluginAsync = async (app) => {
  const entries = await readdir(publicDir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile() && extname(entry.name) in contentTypes)
    .map((entry) => relative(fileURLToPath(publicDir), join(entry.parentPath, entry.name)).split(sep).join('/'));
  const read = (name: string) => readFile(new URL(name, publicDir), 'utf8');
  const page = (await read('index.html')).replace('{{auth}}', app.auth.enabled ? 'on' : 'off');

  const publicRoute = { config: { public: true }, logLevel: 'warn' as const };
  app.get('/', publicRoute, async (_request, reply) => reply.headers(securityHeaders).type('text/html; charset=utf-8').send(page));
  for (const file of files) {
    const body = await read(file);
    const type = contentTypes[extname(file)]!;
    app.get(`/dashboard/${file}`, publicRoute, async (_request, reply) => reply.headers(securityHeaders).type(type).send(body));
  }
};
