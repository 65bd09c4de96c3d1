// Test support for the facade suites (excluded from the build): fixture origins and clients
// that clean up after the test that made them.
import { once } from 'node:events';
import { onTestFinished } from 'vitest';
import { createClient, type Client, type ClientOptions } from '@courier/origin';
// Test support only (excluded from the build): the shared fixtures by path, through their index
// file (the one path eslint.config.js allows src/testing/ to reach outside its library).
import {
  startHttpFixture,
  startRawFixture,
  type HttpFixture,
  type HttpFixtureOptions,
  type RawConnectionHandler,
  type RawFixture,
} from '../../../../test/fixtures/index.ts';

export * from '../../../../test/fixtures/index.ts';

export async function httpOrigin(options?: HttpFixtureOptions): Promise<HttpFixture> {
  const fixture = await startHttpFixture(options);
  onTestFinished(() => fixture.close());
  return fixture;
}

export async function rawOrigin(handler: RawConnectionHandler): Promise<RawFixture> {
  const fixture = await startRawFixture(handler);
  onTestFinished(() => fixture.close());
  return fixture;
}

export function testClient(options: ClientOptions = {}): Client {
  const client = createClient(options);
  onTestFinished(() => client.destroy());
  return client;
}

/** A client that trusts the fixture CA (origin adds it to the system's). */
export function clientTrusting(ca: string | undefined, options: ClientOptions = {}): Client {
  return testClient({ ...options, ...(ca === undefined ? {} : { tls: { ca } }) });
}

/** Process warnings with a given code, collected until the test ends. */
export function captureWarnings(code: string): Array<{ message: string }> {
  const seen: Array<{ message: string }> = [];
  const onWarning = (warning: Error & { code?: string }) => {
    if (warning.code === code) seen.push({ message: warning.message });
  };
  process.on('warning', onWarning);
  onTestFinished(() => {
    process.off('warning', onWarning);
  });
  return seen;
}

/** Resolves with the next warning of `code`. */
export async function nextWarning(code: string): Promise<string> {
  for (;;) {
    const [warning] = (await once(process, 'warning')) as [Error & { code?: string }];
    if (warning.code === code) return warning.message;
  }
}

/** A promise with its resolve function, for ordering callbacks in tests. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A loopback port where nothing listens (a server was there a moment ago). */
export async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A raw origin answering every request on a connection with `response` (exact bytes). */
export function rawResponder(response: string | Buffer | ((n: number) => string | Buffer)): Promise<RawFixture> {
  return rawOrigin((socket, ctx) => {
    const loop = async (n: number): Promise<void> => {
      await ctx.readRequest();
      socket.write(typeof response === 'function' ? response(n) : response);
      return loop(n + 1);
    };
    loop(1).catch(() => {});
  });
}
