/**
 * Loads the Lua scripts of `commands/` (BullMQ's layout: `<name>-<numberOfKeys>.lua`, shared
 * functions in `includes/` pulled in with `--- @include "includes/<name>"`) and registers them on
 * an ioredis connection with `defineCommand` under a versioned name, `courier:<name>:<version>`,
 * so two releases sharing one Redis never run each other's script.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

const commandsDir = new URL('./commands/', import.meta.url);

// The package version names the scripts; read once (JSON import attributes vary across runtimes).
const packageVersion: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface ScriptDefinition {
  name: string;
  numberOfKeys: number;
  lua: string;
  /** The name registered on the connection. */
  command: string;
}

const includeRe = /^--- @include "([^"]+)"\s*$/gm;

function expandIncludes(lua: string, seen: Set<string> = new Set()): string {
  return lua.replace(includeRe, (_line, path: string) => {
    if (seen.has(path)) return ''; // each include once, even when two includes share one
    seen.add(path);
    return expandIncludes(readFileSync(new URL(`${path}.lua`, commandsDir), 'utf8'), seen);
  });
}

function loadScripts(): ScriptDefinition[] {
  return readdirSync(commandsDir)
    .filter((file) => file.endsWith('.lua'))
    .map((file) => {
      const match = /^(.+)-(\d+)\.lua$/.exec(file);
      if (!match) throw new Error(`Lua script ${file} must be named <name>-<numberOfKeys>.lua`);
      const name = match[1]!;
      return {
        name,
        numberOfKeys: Number(match[2]),
        lua: expandIncludes(readFileSync(new URL(file, commandsDir), 'utf8')),
        command: `courier:${name}:${packageVersion}`,
      };
    });
}

export const scripts: readonly ScriptDefinition[] = loadScripts();

export type ScriptName = 'acquireSlot' | 'renewLease' | 'releaseLease' | 'takeToken' | 'storeSecrets' | 'reserveDepth' | 'releaseDepth';

const defined = new WeakSet<Redis>();

/** Registers every script on the connection (once per connection). */
export function defineCommands(redis: Redis): void {
  if (defined.has(redis)) return;
  for (const script of scripts) redis.defineCommand(script.command, { numberOfKeys: script.numberOfKeys, lua: script.lua });
  defined.add(redis);
}

type ScriptCall = (...args: Array<string | number>) => Promise<unknown>;

/** Calls a registered script: keys first, then arguments (ioredis runs EVALSHA, loading on NOSCRIPT). */
export function runScript(redis: Redis, name: ScriptName, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
  defineCommands(redis);
  const script = scripts.find((s) => s.name === name);
  if (!script) throw new Error(`no Lua script named ${name}`);
  const call = (redis as unknown as Record<string, ScriptCall>)[script.command]!;
  return call.call(redis, ...keys, ...args);
}

/** A pipeline that knows the scripts (ioredis copies defined commands when it creates one). */
export function scriptPipeline(redis: Redis): ReturnType<Redis['pipeline']> {
  defineCommands(redis);
  return redis.pipeline();
}

/** The same call queued on a pipeline from `scriptPipeline` (for batches: one round trip). */
export function pipelineScript(
  pipeline: ReturnType<Redis['pipeline']>,
  name: ScriptName,
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
): void {
  const script = scripts.find((s) => s.name === name)!;
  const call = (pipeline as unknown as Record<string, (...a: Array<string | number>) => unknown>)[script.command]!;
  call.call(pipeline, ...keys, ...args);
}
