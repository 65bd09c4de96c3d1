import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Opening text of a new docs/benchmarks.md; never rewritten afterwards. */
export const DOCS_HEADER = [
  '# Benchmarks',
  '',
  'Written by `npm run bench` (apps/bench). Each suite rewrites only its own section, between its',
  '`bench:begin` and `bench:end` markers, and leaves the rest of this file alone; so sections can come',
  'from different days, and each says when, where and with which settings it was measured.',
  '',
  'Run everything with `npm run bench`, one suite with `npm run bench -- --suite <name>` (or',
  '`BENCH_SUITE=<name>`). Settings come from the environment: `BENCH_DURATION_MS`, `BENCH_WARMUP_MS`,',
  '`BENCH_ROUNDS`, `BENCH_CONNECTIONS`, `BENCH_INFLIGHT`, `BENCH_MAX_REQUESTS`, `BENCH_ORIGINS`,',
  '`BENCH_ONLY=<terms>` (measure only rows whose table or name contains a term; does not write this file',
  'unless `BENCH_WRITE=1`), `BENCH_PIN=0` (no `taskset`), `BENCH_WRITE=0` (print only).',
  '',
  'The reference machine has 2 cores shared with other work: read the ratios rather than the absolute',
  'figures. A ratio is printed as `A (B)`: A is the median of the per-round ratios (both sides measured',
  'in the same interleaved round), B the ratio of the two printed medians. A target counts as met only',
  'when both meet it. Every round\'s raw figures are in `docs/bench-data/<suite>.json`.',
].join('\n');

const begin = (name: string): string => `<!-- bench:begin ${name} -->`;
const end = (name: string): string => `<!-- bench:end ${name} -->`;

/**
 * The document with the suite's section replaced (or appended when it has none yet). Text
 * outside the suite's markers, including other suites' sections, is kept byte for byte.
 */
export function replaceSection(doc: string, name: string, body: string): string {
  const block = `${begin(name)}\n${body.trimEnd()}\n${end(name)}`;
  const source = doc.trim() === '' ? `${DOCS_HEADER}\n` : doc;
  const start = source.indexOf(begin(name));
  const stop = source.indexOf(end(name));
  if (start >= 0 && stop > start) return source.slice(0, start) + block + source.slice(stop + end(name).length);
  if (start >= 0 || stop >= 0) throw new Error(`the markers of section "${name}" are damaged; fix them by hand`);
  return `${source.trimEnd()}\n\n${block}\n`;
}

/** Rewrite the suite's section of the file (write to a temp file, then rename: never half a file). */
export async function writeSection(file: string, name: string, body: string): Promise<void> {
  let doc = '';
  try {
    doc = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, replaceSection(doc, name, body));
  await rename(temp, file);
}
