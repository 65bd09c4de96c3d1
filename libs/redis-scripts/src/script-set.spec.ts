import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisHandle } from '../../../test/harness/index.ts';
import { loadScriptSet } from './script-set.ts';

const dirs: string[] = [];

/** A scripts folder with these files (paths relative to it). */
function scriptsDir(files: Record<string, string>): URL {
  const dir = mkdtempSync(join(tmpdir(), 'courier-scripts-'));
  dirs.push(dir);
  for (const [path, body] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), body);
  }
  return pathToFileURL(`${dir}/`);
}

const incrBy = `--- @include "includes/add"\n--- @include "includes/add"\nreturn add(KEYS[1], ARGV[1])\n`;
const add = `local function add(key, n) return redis.call('INCRBY', key, n) end\n`;

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('loadScriptSet', () => {
  it('names each script courier:<namespace>:<name>:<hash of its expanded Lua> and takes its key count from the file name', () => {
    const set = loadScriptSet(scriptsDir({ 'incrBy-1.lua': incrBy, 'includes/add.lua': add }), 'probe', ['incrBy']);
    const [script] = set.scripts;
    expect(script).toMatchObject({ name: 'incrBy', numberOfKeys: 1 });
    expect(script!.command).toMatch(/^courier:probe:incrBy:[0-9a-f]{12}$/);
    // The include is expanded once, however often it is named.
    expect(script!.lua.match(/local function add/g)).toHaveLength(1);
    expect(script!.lua).not.toMatch(/@include/);
  });

  it('changes the version when the Lua (an include included) changes, and keeps it otherwise', () => {
    const command = (includeBody: string) =>
      loadScriptSet(scriptsDir({ 'incrBy-1.lua': incrBy, 'includes/add.lua': includeBody }), 'probe', ['incrBy']).scripts[0]!.command;
    expect(command(add)).toBe(command(add));
    expect(command(`${add}-- changed\n`)).not.toBe(command(add));
  });

  it('refuses a misnamed file, a missing script and an unlisted one at first use, and reads nothing before', () => {
    expect(() => loadScriptSet(new URL('file:///nonexistent-courier-scripts/'), 'probe', ['incrBy'])).not.toThrow();
    expect(() => loadScriptSet(scriptsDir({ 'incrBy.lua': incrBy }), 'probe', ['incrBy']).scripts).toThrow(/<name>-<numberOfKeys>\.lua/);
    expect(() => loadScriptSet(scriptsDir({ 'other-1.lua': 'return 1' }), 'probe', ['incrBy']).scripts).toThrow(/missing \[incrBy\], unlisted \[other\]/);
    expect(() => loadScriptSet(scriptsDir({ 'incrBy-1.lua': 'return 1', 'incrBy-2.lua': 'return 2' }), 'probe', ['incrBy']).scripts).toThrow(/1 duplicate/);
  });
});

describe('a script set on Redis', () => {
  let server: RedisHandle;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it('runs a script directly and in a pipeline, with its includes', async () => {
    const set = loadScriptSet(scriptsDir({ 'incrBy-1.lua': incrBy, 'includes/add.lua': add }), 'probe', ['incrBy']);
    expect(await set.run(redis, 'incrBy', ['n'], [2])).toBe(2);
    const pipeline = set.pipeline(redis);
    set.queue(pipeline, 'incrBy', ['n'], [3]);
    set.queue(pipeline, 'incrBy', ['n'], [4]);
    expect(await pipeline.exec()).toEqual([[null, 5], [null, 9]]);
  });

  it('runs again after Redis forgot its scripts (SCRIPT FLUSH)', async () => {
    const set = loadScriptSet(scriptsDir({ 'incrBy-1.lua': incrBy, 'includes/add.lua': add }), 'probe', ['incrBy']);
    expect(await set.run(redis, 'incrBy', ['m'], [1])).toBe(1);
    await redis.script('FLUSH');
    expect(await set.run(redis, 'incrBy', ['m'], [1])).toBe(2);
  });
});
