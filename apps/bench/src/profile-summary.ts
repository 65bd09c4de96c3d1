// Self time by function from a V8 `.cpuprofile` (written by `node --cpu-prof`), for reading a
// Courier-only bench run:
//   BENCH_SUITE=http-clients BENCH_ONLY=courier node --cpu-prof --cpu-prof-dir=/tmp/prof \
//     --conditions=@courier/source --import tsx apps/bench/src/main.ts
//   node --import tsx apps/bench/src/profile-summary.ts /tmp/prof/<file>.cpuprofile [path-filter] [top]
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  /** Where the function lives (path shortened to the part after node_modules/ or the repo). */
  where: string;
  selfMs: number;
  share: number;
}

function shorten(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) return path.slice(nm + 'node_modules/'.length);
  const repo = path.search(/\/(libs|apps|test)\//);
  return repo >= 0 ? path.slice(repo + 1) : path || '(native)';
}

/** Self time per function (name + file + line), largest first; `filter` keeps functions whose file contains it. */
export function selfTimes(profile: Profile, filter = ''): { total: number; rows: SelfTime[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<string, { name: string; where: string; us: number }>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]!);
    const dt = profile.timeDeltas[i] ?? 0;
    if (!node) continue;
    total += dt;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = `${shorten(url)}${url ? `:${lineNumber + 1}` : ''}`;
    const key = `${functionName}@${where}`;
    const entry = selfUs.get(key) ?? { name: functionName || '(anonymous)', where, us: 0 };
    entry.us += dt;
    selfUs.set(key, entry);
  }
  const rows = [...selfUs.values()]
    .filter((e) => filter === '' || e.where.includes(filter))
    .sort((a, b) => b.us - a.us)
    .map((e) => ({ name: e.name, where: e.where, selfMs: e.us / 1000, share: total > 0 ? e.us / total : 0 }));
  return { total: total / 1000, rows };
}

/** Self time per file (module), largest first. */
export function selfTimesByFile(profile: Profile): Array<{ where: string; selfMs: number; share: number }> {
  const { total, rows } = selfTimes(profile);
  const byFile = new Map<string, number>();
  for (const r of rows) {
    const file = r.where.replace(/:\d+$/, '');
    byFile.set(file, (byFile.get(file) ?? 0) + r.selfMs);
  }
  return [...byFile].sort((a, b) => b[1] - a[1]).map(([where, selfMs]) => ({ where, selfMs, share: selfMs / total }));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const [file, filter = '', top = '25'] = process.argv.slice(2);
  if (!file) {
    console.error('usage: profile-summary <file.cpuprofile> [path-filter] [top]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const { total, rows } = selfTimes(profile, filter);
  const pct = (x: number): string => `${(x * 100).toFixed(1).padStart(5)} %`;
  console.log(`total sampled ${total.toFixed(0)} ms${filter ? `; functions in files matching "${filter}"` : ''}`);
  for (const r of rows.slice(0, Number(top))) console.log(`${pct(r.share)}  ${r.selfMs.toFixed(0).padStart(7)} ms  ${r.name}  ${r.where}`);
  if (!filter) {
    console.log('\nby file:');
    for (const f of selfTimesByFile(profile).slice(0, Number(top))) console.log(`${pct(f.share)}  ${f.selfMs.toFixed(0).padStart(7)} ms  ${f.where}`);
  }
}
