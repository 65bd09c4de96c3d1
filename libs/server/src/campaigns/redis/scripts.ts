/**
 * The campaign store's Lua scripts (`commands/<name>-<numberOfKeys>.lua`, BullMQ's layout, as in
 * libs/queue), registered on a connection under a versioned name so two releases sharing one
 * Redis never run each other's script. They are read from the source tree at start (the image
 * runs from source; a build that copies `src` to `dist` must copy `commands/` too).
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

const commandsDir = new URL('./commands/', import.meta.url);
const version: string = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export type CampaignScript = 'create' | 'recordOutcome' | 'transition' | 'markReleased';

interface Script {
  name: CampaignScript;
  numberOfKeys: number;
  lua: string;
  command: string;
}

const scripts: readonly Script[] = readdirSync(commandsDir)
  .filter((file) => file.endsWith('.lua'))
  .map((file) => {
    const match = /^(.+)-(\d+)\.lua$/.exec(file);
    if (!match) throw new Error(`Lua script ${file} must be named <name>-<numberOfKeys>.lua`);
    return {
      name: match[1] as CampaignScript,
      numberOfKeys: Number(match[2]),
      lua: readFileSync(new URL(file, commandsDir), 'utf8'),
      command: `courier:campaign:${match[1]}:${version}`,
    };
  });

/** Registers the scripts on `redis` and returns a caller per script. */
export function defineCampaignScripts(redis: Redis): (name: CampaignScript, keys: string[], args: Array<string | number>) => Promise<number> {
  for (const s of scripts) redis.defineCommand(s.command, { numberOfKeys: s.numberOfKeys, lua: s.lua });
  const byName = new Map(scripts.map((s) => [s.name, s]));
  return async (name, keys, args) => {
    const script = byName.get(name)!;
    const call = (redis as unknown as Record<string, (...a: Array<string | number>) => Promise<number>>)[script.command]!;
    return call.call(redis, ...keys, ...args);
  };
}
