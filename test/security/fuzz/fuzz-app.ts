// The real API app (the `@courier/server` entry point, in-memory queue, no worker, no port) and
// the one check every fuzz case goes through: a 4xx with the stable error body, within a watchdog.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@courier/origin';
import { createQueue, type QueueDriver } from '@courier/queue';
import { buildApp, serverDefaults } from '@courier/server';
import type { FastifyInstance, HTTPMethods } from 'fastify';
import { expect, onTestFinished } from 'vitest';

export interface FuzzApp {
  app: FastifyInstance;
  queue: QueueDriver;
}

/** A whole app as `courier serve` builds it, with jobs left waiting (no worker: nothing is fetched). */
export async function startFuzzApp(token?: string): Promise<FuzzApp> {
  const resultsDir = mkdtempSync(join(tmpdir(), 'courier-fuzz-'));
  const queue = await createQueue({});
  const client = createClient();
  const app = await buildApp({
    config: {
      token,
      bodyLimitBytes: serverDefaults.bodyLimitBytes,
      maxBatch: serverDefaults.maxBatch,
      // A well-formed `?wait=` on an unknown id must not hold a case for long.
      maxWaitMs: 50,
      metricsTopOrigins: serverDefaults.metricsTopOrigins,
      resultsDir,
    },
    queue,
    client,
    sseHeartbeatMs: 60_000,
  });
  await app.ready();
  onTestFinished(async () => {
    await app.close();
    await queue.close();
    await client.destroy();
    rmSync(resultsDir, { recursive: true, force: true });
  });
  return { app, queue };
}

/**
 * Every `METHOD /path` the app serves, read from its own router (`printRoutes`), HEAD left out
 * (Fastify adds it to every GET). A route added later shows up here without anyone listing it.
 */
export function routesOf(app: FastifyInstance): string[] {
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    // `    │   └── /:id (GET, HEAD, DELETE)`: each level indents by four columns.
    const at = line.indexOf('── ');
    const match = at < 0 ? null : /^(\S+)(?: \(([A-Z, ]+)\))?$/u.exec(line.slice(at + 3));
    if (match === null) continue;
    const depth = (at + 3) / 4 - 1;
    stack.length = depth;
    const path = `${stack[depth - 1] ?? ''}/${match[1]!}`.replace(/\/{2,}/g, '/');
    stack.push(path);
    for (const method of match[2]?.split(', ') ?? []) if (method !== 'HEAD') routes.push(`${method} ${path}`);
  }
  return routes.sort();
}

/** What a case must be answered with. */
export interface Expect {
  /** An exact status; otherwise any 4xx. */
  status?: number;
  /** Allowed `error.code`s; otherwise any code of the API. */
  codes?: readonly string[];
  /** The answer names a field that starts with this (`jobs[2].url`, `query.wait`, `params.id`). */
  field?: string;
  /** The answer names some field (arbitrary bodies: which one depends on the value). */
  named?: boolean;
  /** A route that takes no input: any 2xx is right too (never a 5xx). */
  ok?: boolean;
}

export interface FuzzCase {
  method: HTTPMethods;
  url: string;
  headers?: Record<string, string>;
  /** Sent as these exact bytes. */
  payload?: string;
  expect: Expect;
}

/** Every code an error body may carry (`ApiErrorCode`, plus INTERNAL, which is exactly what must not happen). */
const apiCodes = new Set([
  'BAD_URL',
  'BAD_HEADER',
  'BAD_METHOD',
  'BAD_BODY',
  'BAD_OPTION',
  'BAD_JOB',
  'BAD_PATH',
  'UNSUPPORTED_SCHEME',
  'BLOCKED_DESTINATION',
  'UNAUTHORIZED',
  'NOT_FOUND',
  'CONFLICT',
  'BODY_TOO_LARGE',
]);

/** Longest one case may take before it counts as a hang (inject answers in well under a millisecond). */
const caseWatchdogMs = 5_000;

/** Sends one case and checks its answer; the assertion message carries the case, so a failure reproduces by hand. */
export async function runCase(app: FastifyInstance, c: FuzzCase): Promise<void> {
  const label = `${c.method} ${c.url.slice(0, 300)} ${c.payload === undefined ? '' : c.payload.slice(0, 300)}`;
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${caseWatchdogMs} ms: ${label}`)), caseWatchdogMs);
  });
  const response = await Promise.race([
    app.inject({ method: c.method, url: c.url, headers: c.headers ?? {}, ...(c.payload === undefined ? {} : { payload: c.payload }) }),
    hang,
  ]).finally(() => clearTimeout(timer));
  const where = `${label}\n→ ${response.statusCode} ${response.body.slice(0, 500)}`;
  if (c.expect.ok === true && response.statusCode >= 200 && response.statusCode < 300) return;
  if (c.expect.status !== undefined) expect(response.statusCode, where).toBe(c.expect.status);
  else expect(response.statusCode >= 400 && response.statusCode < 500, where).toBe(true);
  expect(response.headers['content-type'], where).toMatch(/^application\/json/);
  const answer = JSON.parse(response.body) as { error?: { code?: unknown; message?: unknown; field?: unknown } };
  expect(Object.keys(answer), where).toEqual(['error']);
  const { code, message, field } = answer.error!;
  expect(apiCodes.has(code as string), where).toBe(true);
  if (c.expect.codes !== undefined) expect(c.expect.codes, where).toContain(code);
  expect(typeof message === 'string' && message.length > 0, where).toBe(true);
  // A named field comes first in the message, so a reader of the message alone finds it too.
  if (field !== undefined) expect((message as string).startsWith(`${String(field)}: `), where).toBe(true);
  if (c.expect.field !== undefined) expect(typeof field === 'string' && field.startsWith(c.expect.field), where).toBe(true);
  if (c.expect.named === true) expect(typeof field, where).toBe('string');
  expect(response.body, where).not.toMatch(/\bat .*\.[jt]s:\d+|node_modules|\/work\//);
}
