import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorCodes } from '@courier/origin';

const libDir = import.meta.dirname;

/** Every error code this lib's sources mention (not its tests). */
async function codesUsed(dir: string): Promise<Set<string>> {
  const codes = new Set<string>();
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.spec.ts')) continue;
    const text = await readFile(path.join(entry.parentPath, entry.name), 'utf8');
    for (const match of text.matchAll(/'([A-Z][A-Z_]+)'/g)) if ((errorCodes as readonly string[]).includes(match[1]!)) codes.add(match[1]!);
  }
  return codes;
}

describe('README', () => {
  it('documents every error code the lib can raise', async () => {
    const readme = await readFile(path.join(libDir, '../../README.md'), 'utf8');
    const used = await codesUsed(libDir);
    expect(used.size).toBeGreaterThan(8);
    const missing = [...used].filter((code) => !readme.includes(`\`${code}\``));
    expect(missing).toEqual([]);
  });
});
