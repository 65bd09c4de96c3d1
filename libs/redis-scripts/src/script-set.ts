/**
 * The one way Courier's libraries ship Lua to Redis. A library keeps its scripts in a folder as
 * `<name>-<numberOfKeys>.lua` (BullMQ's layout), with shared functions in `includes/` pulled in
 * by `--- @include "includes/<name>"`, and loads the folder once with `loadScriptSet`. Each
 * script is registered on a connection as an ioredis custom command (EVALSHA, loaded again on
 * NOSCRIPT) named `courier:<namespace>:<name>:<hash>`, where the hash is of the Lua after its
 * includes: two releases sharing one Redis never run each other's script, and a release that
 * leaves a script unchanged keeps its name.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { ChainableCommander, Redis } from 'ioredis';

export interface LuaScript {
  name: string;
  numberOfKeys: number;
  /** The source with its includes expanded: what Redis runs. */
  lua: string;
  /** The name registered on a connection: `courier:<namespace>:<name>:<hash>`. */
  command: string;
}

export interface ScriptSet<Name extends string> {
  readonly scripts: readonly LuaScript[];
  /** Registers every script on the connection (once per connection). */
  define(redis: Redis): void;
  /** Runs a script: keys first, then arguments. */
  run(redis: Redis, name: Name, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown>;
  /** A pipeline that knows the scripts (ioredis copies defined commands when it creates one). */
  pipeline(redis: Redis): ChainableCommander;
  /** The same call as `run`, queued on a pipeline from `pipeline` (a batch in one round trip). */
  queue(pipeline: ChainableCommander, name: Name, keys: readonly string[], args: ReadonlyArray<string | number>): void;
}

const fileRe = /^(.+)-(\d+)\.lua$/;
const includeRe = /^--- @include "([^"]+)"\s*$/gm;
/** Enough of the SHA-256 to tell releases apart; the name stays short in SCRIPT/MONITOR output. */
const HASH_CHARS = 12;

function expandIncludes(dir: URL, lua: string, seen: Set<string>): string {
  return lua.replace(includeRe, (_line, path: string) => {
    if (seen.has(path)) return ''; // each include once, even when two includes share one
    seen.add(path);
    return expandIncludes(dir, readFileSync(new URL(`${path}.lua`, dir), 'utf8'), seen);
  });
}

function readScripts(dir: URL, namespace: string): LuaScript[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.lua'))
    .map((file) => {
      const match = fileRe.exec(file);
      if (!match) throw new Error(`Lua script ${file} must be named <name>-<numberOfKeys>.lua`);
      const name = match[1]!;
      const lua = expandIncludes(dir, readFileSync(new URL(file, dir), 'utf8'), new Set());
      const hash = createHash('sha256').update(lua).digest('hex').slice(0, HASH_CHARS);
      return { name, numberOfKeys: Number(match[2]), lua, command: `courier:${namespace}:${name}:${hash}` };
    });
}

type Call = (...args: Array<string | number>) => unknown;

/** The scripts of `dir`, checked against `names`: exactly one file per name, and no other script. */
function readCheckedScripts(dir: URL, namespace: string, names: readonly string[]): Map<string, LuaScript> {
  const scripts = readScripts(dir, namespace);
  const byName = new Map(scripts.map((s) => [s.name, s]));
  const missing = names.filter((n) => !byName.has(n));
  const unlisted = scripts.filter((s) => !names.includes(s.name)).map((s) => s.name);
  if (missing.length > 0 || unlisted.length > 0 || byName.size !== scripts.length) {
    throw new Error(`Lua scripts in ${dir.pathname}: missing [${missing.join(', ')}], unlisted [${unlisted.join(', ')}], ${scripts.length - byName.size} duplicate name(s)`);
  }
  return byName;
}

/**
 * The scripts of `dir` (a folder URL, e.g. `new URL('./commands/', import.meta.url)`): exactly one
 * file per name in `names`, and no other script, or it throws — a missing or misnamed file fails
 * at the set's first use (a process's start, where the connection is made), never mid-call.
 * Files are read at that first use, not at import: a library imported into a bundle that never
 * touches Redis (the bench's download child) must not need the folder.
 */
export function loadScriptSet<const Name extends string>(dir: URL, namespace: string, names: readonly Name[]): ScriptSet<Name> {
  let loaded: Map<string, LuaScript> | undefined;
  const byNameOf = (): Map<string, LuaScript> => (loaded ??= readCheckedScripts(dir, namespace, names));
  const defined = new WeakSet<Redis>();
  const define = (redis: Redis): void => {
    if (defined.has(redis)) return;
    for (const s of byNameOf().values()) redis.defineCommand(s.command, { numberOfKeys: s.numberOfKeys, lua: s.lua });
    defined.add(redis);
  };
  const call = (target: Redis | ChainableCommander, name: Name, keys: readonly string[], args: ReadonlyArray<string | number>): unknown => {
    const fn = (target as unknown as Record<string, Call>)[byNameOf().get(name)!.command];
    if (typeof fn !== 'function') throw new Error(`Lua script ${name} is not defined on this connection or pipeline`);
    return fn.call(target, ...keys, ...args);
  };
  return {
    get scripts() {
      return [...byNameOf().values()];
    },
    define,
    // Not async: the caller gets ioredis's own promise, settled in the same tick as the reply
    // (an async wrapper would settle it later than replies read in the same chunk).
    run: (redis, name, keys, args) => {
      define(redis);
      return call(redis, name, keys, args) as Promise<unknown>;
    },
    pipeline: (redis) => {
      define(redis);
      return redis.pipeline();
    },
    queue: (pipeline, name, keys, args) => void call(pipeline, name, keys, args),
  };
}
