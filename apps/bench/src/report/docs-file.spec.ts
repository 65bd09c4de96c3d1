import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { DOCS_HEADER, replaceSection, writeSection } from './docs-file.ts';

describe('docs/benchmarks.md sections', () => {
  it('starts a new file with the header and the section', () => {
    const doc = replaceSection('', 'a', '## A\n1');
    expect(doc.startsWith(DOCS_HEADER)).toBe(true);
    expect(doc).toContain('<!-- bench:begin a -->\n## A\n1\n<!-- bench:end a -->');
  });

  it('replaces only its own section and keeps the rest byte for byte', () => {
    const doc = `# Title\n\nhand-written note\n\n<!-- bench:begin a -->\nold A\n<!-- bench:end a -->\n\nbetween\n\n<!-- bench:begin b -->\nB rows\n<!-- bench:end b -->\ntail\n`;
    const next = replaceSection(doc, 'a', 'new A');
    expect(next).toBe(doc.replace('old A', 'new A'));
    expect(replaceSection(next, 'b', 'B rows')).toBe(next);
  });

  it('appends a section that is not there yet', () => {
    const doc = '# Title\n\n<!-- bench:begin a -->\nA\n<!-- bench:end a -->\n';
    expect(replaceSection(doc, 'c', 'C')).toBe('# Title\n\n<!-- bench:begin a -->\nA\n<!-- bench:end a -->\n\n<!-- bench:begin c -->\nC\n<!-- bench:end c -->\n');
  });

  it('refuses to guess when a marker is missing', () => {
    expect(() => replaceSection('<!-- bench:begin a -->\nA\n', 'a', 'x')).toThrow(/damaged/);
  });

  it('writes the file in place', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-docs-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'docs', 'benchmarks.md');
    await writeSection(file, 'a', 'first');
    await writeFile(file, (await readFile(file, 'utf8')) + '\nmanual line\n');
    await writeSection(file, 'a', 'second');
    const doc = await readFile(file, 'utf8');
    expect(doc).toContain('<!-- bench:begin a -->\nsecond\n<!-- bench:end a -->');
    expect(doc).toContain('manual line');
    expect(doc).not.toContain('first');
  });
});
