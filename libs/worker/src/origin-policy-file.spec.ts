import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadWorkerConfig } from './config.ts';
import { readOriginPolicyFile } from './origin-policy-file.ts';

function file(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'courier-policy-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'policy.yaml');
  writeFileSync(path, content);
  return path;
}

describe('COURIER_CONFIG', () => {
  it('reads YAML (and so JSON) with a policy and per-origin overrides', () => {
    const path = file('policy:\n  connections: 4\norigins:\n  - match: "*.slow.test"\n    policy: { headersTimeoutMs: 120000 }\n');
    expect(readOriginPolicyFile(path)).toEqual({
      policy: { connections: 4 },
      origins: [{ match: '*.slow.test', policy: { headersTimeoutMs: 120000 } }],
    });
    expect(loadWorkerConfig({ COURIER_CONFIG: path }).originPolicy?.policy).toEqual({ connections: 4 });
  });

  it.each([
    ['policy:\n  conections: 4\n', 'policy.conections is not a policy field'],
    ['policy:\n  connections: -1\n', 'connections'],
    ['origins:\n  - match: "https://*.a.test"\n    policy: { connections: -1 }\n', 'connections'],
    ['origins:\n  - policy: {}\n', 'origins[0].match'],
    ['nonsense: 1\n', 'unknown key nonsense'],
    ['[1, 2]\n', 'must hold an object'],
  ])('refuses %j naming what to fix', (content, message) => {
    const path = file(content);
    expect(() => loadWorkerConfig({ COURIER_CONFIG: path })).toThrow(expect.objectContaining({ variable: 'COURIER_CONFIG', message: expect.stringContaining(message) }));
  });

  it('names a missing file', () => {
    expect(() => loadWorkerConfig({ COURIER_CONFIG: '/nonexistent/courier.yaml' })).toThrow(/COURIER_CONFIG: can't read/);
  });
});
