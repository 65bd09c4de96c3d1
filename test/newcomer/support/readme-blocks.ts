// The TypeScript blocks of the READMEs, as a reader copies them: every ```ts fence, unless the
// line before it says `<!-- not-run: reason -->` (a fragment on purpose).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ReadmeBlock {
  /** `README.md#2`: the file (relative to the repo) and the block's ordinal in it. */
  name: string;
  code: string;
  /** The reason given in `<!-- not-run: reason -->`, or null for a block that must run. */
  notRun: string | null;
}

/** README.md and every libs/<name>/README.md of the checkout at `root`. */
export function readmeFiles(root: string): string[] {
  const libs = readdirSync(join(root, 'libs'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => `libs/${d.name}/README.md`)
    .filter((file) => readdirSync(join(root, file, '..')).includes('README.md'));
  return ['README.md', ...libs.sort()];
}

export function readmeBlocks(root: string, file: string): ReadmeBlock[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i]!)) continue;
    let previous = i - 1;
    while (previous >= 0 && lines[previous]!.trim() === '') previous -= 1;
    const marker = /<!--\s*not-run:\s*(.+?)\s*-->/.exec(lines[previous] ?? '');
    const end = lines.findIndex((line, j) => j > i && /^```\s*$/.test(line));
    if (end === -1) throw new Error(`${file}:${i + 1}: a \`\`\`ts block without its closing fence`);
    blocks.push({ name: `${file}#${blocks.length + 1}`, code: lines.slice(i + 1, end).join('\n'), notRun: marker?.[1] ?? null });
    i = end;
  }
  return blocks;
}

/**
 * The block with its made-up hosts pointed at `origin`: `https://example.com/api` →
 * `http://127.0.0.1:PORT/api`, and so for every `*.example`, `example.*` and `httpbin.*` host
 * and `.local` names (the tests send traffic only to loopback origins they start).
 */
export function onFixture(code: string, origin: string): string {
  return code.replace(/https?:\/\/(?:[a-z0-9-]+\.)*(?:example(?:\.[a-z]+)?|httpbin\.[a-z]+|[a-z0-9-]+\.local)(?::\d+)?(?=[/'"`\s]|$)/gi, origin);
}
