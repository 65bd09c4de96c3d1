/**
 * A real redis-server for one spec file (the Redis path is never tested on the in-memory queue):
 * started before the file's tests, stopped after them, with one admin connection and key
 * prefixes whose keys are deleted at the end.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
// Test support (excluded from the build): the shared harness by path, through its index file
// (the one path eslint.config.js allows src/testing/ to reach outside its library).
import { startRedis, type RedisHandle } from '../../../../test/harness/index.ts';
export { until } from '../../../../test/harness/index.ts';
import { deletePrefix } from './redis-dump.ts';

export interface TestRedis {
  /** The server's URL (valid inside tests and hooks). */
  readonly url: string;
  /** An admin connection to it (valid inside tests and hooks). */
  readonly conn: Redis;
  /** A fresh `courier-test-<uuid>` key prefix; its keys are deleted after the file's tests. */
  prefix(): string;
}

/** Registers the `beforeAll`/`afterAll` hooks of the calling spec file; call it at its top level. */
export function useTestRedis(): TestRedis {
  let handle: RedisHandle | undefined;
  let conn: Redis | undefined;
  const prefixes: string[] = [];
  beforeAll(async () => {
    handle = await startRedis();
    conn = new Redis(handle.url);
  });
  afterAll(async () => {
    if (conn) for (const prefix of prefixes) await deletePrefix(conn, prefix);
    conn?.disconnect();
    await handle?.stop();
  });
  return {
    get url() {
      return handle!.url;
    },
    get conn() {
      return conn!;
    },
    prefix() {
      const prefix = `courier-test-${randomUUID()}`;
      prefixes.push(prefix);
      return prefix;
    },
  };
}
