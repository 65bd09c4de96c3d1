// The README's code tables must say what the code does: every Courier error code is listed
// under the status its facade maps it to.
import { readFileSync } from 'node:fs';
import { errorCodes } from '@courier/origin';
import { describe, expect, it } from 'vitest';
import { luatos, nodemcu } from './index.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

function section(title: string): string {
  const start = readme.indexOf(`## ${title}`);
  const end = readme.indexOf('\n## ', start + 3);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** Table rows `| −28674 (…) | … CODE … |` → code → status. */
function rows(text: string): Map<string, number[]> {
  const found = new Map<string, number[]>();
  for (const line of text.split('\n')) {
    const m = /^\| (−\d+)/.exec(line);
    if (!m) continue;
    const status = -Number(m[1]!.slice(1));
    for (const code of line.match(/`([A-Z_]+)`/g) ?? []) {
      const name = code.slice(1, -1);
      found.set(name, [...(found.get(name) ?? []), status]);
    }
  }
  return found;
}

describe('README', () => {
  it('lists every error code under its NodeMCU status', () => {
    const table = rows(section('NodeMCU ESP32 `http`'));
    for (const code of errorCodes) expect(table.get(code), code).toContain(nodemcu.statusByErrorCode[code]);
  });

  it('lists every error code under its LuatOS code', () => {
    const table = rows(section('LuatOS `http`'));
    for (const code of errorCodes) expect(table.get(code), code).toContain(luatos.codeByErrorCode[code]);
  });

  it('has an API, an example and deviations for each facade', () => {
    for (const title of ['NodeMCU ESP32 `http`', 'LuatOS `http`', 'Eryx `HttpConnection`']) {
      const text = section(title);
      expect(text).toContain('### API');
      expect(text).toContain('### Example');
      expect(text).toMatch(/### Deviations from/);
    }
  });
});
