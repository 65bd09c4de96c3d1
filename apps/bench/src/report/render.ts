import type { BenchSettings } from '../settings.ts';
import type { BenchRow, Suite, Verdict } from '../suite.ts';
import type { MachineInfo } from './machine.ts';

/** 12,345 for large figures, 5.12 for small ones. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return '–';
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(2);
}

function verdictMark(v: Verdict): string {
  if (v.met === null) return '–';
  return v.met ? 'yes' : 'NO';
}

interface Table {
  title: string;
  header: string[];
  lines: string[][];
}

/** Rows grouped by their table, in first-seen order, with the union of their extra columns. */
export function tables(rows: readonly BenchRow[]): Table[] {
  const out: Table[] = [];
  for (const title of [...new Set(rows.map((r) => r.table))]) {
    const group = rows.filter((r) => r.table === title);
    const extra = [...new Set(group.flatMap((r) => Object.keys(r.columns)))];
    const units = [...new Set(group.map((r) => r.unit))];
    const valueHeading = units.length === 1 ? units[0]! : 'value';
    out.push({
      title,
      header: ['case', valueHeading, ...extra],
      lines: group.map((r) => [
        r.label,
        units.length === 1 ? formatValue(r.value) : `${formatValue(r.value)} ${r.unit}`,
        ...extra.map((k) => r.columns[k] ?? ''),
      ]),
    });
  }
  return out;
}

function verdictTable(verdicts: readonly Verdict[]): Table {
  return { title: 'Targets', header: ['target', 'measured', 'met'], lines: verdicts.map((v) => [v.target, v.measured, verdictMark(v)]) };
}

/** Fixed-width text for the terminal. */
export function renderText(rows: readonly BenchRow[], verdicts: readonly Verdict[]): string {
  const all = [...tables(rows), ...(verdicts.length > 0 ? [verdictTable(verdicts)] : [])];
  return all
    .map((t) => {
      const widths = t.header.map((h, i) => Math.max(h.length, ...t.lines.map((l) => (l[i] ?? '').length)));
      const fmt = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
      return [t.title, fmt(t.header), widths.map((w) => '-'.repeat(w)).join('  '), ...t.lines.map(fmt)].join('\n');
    })
    .join('\n\n');
}

function markdownTable(t: Table): string {
  const esc = (c: string): string => c.replace(/\|/g, '\\|');
  const align = t.header.map((_, i) => (i === 0 ? '---' : '---:'));
  return [
    `### ${t.title}`,
    '',
    `| ${t.header.map(esc).join(' | ')} |`,
    `| ${align.join(' | ')} |`,
    ...t.lines.map((l) => `| ${l.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** Settings that shaped a run, in one line. */
export function describeSettings(s: BenchSettings, pinningNote: string): string {
  const parts = [
    `${s.durationMs.toLocaleString('en-US')} ms × ${s.rounds} rounds`,
    `${s.warmupMs.toLocaleString('en-US')} ms warm-up`,
    `${s.connections} connections`,
    `${s.inFlight} in flight`,
    `${s.origins.toLocaleString('en-US')} origins for the heap figure`,
    pinningNote,
  ];
  if (s.only.length > 0) parts.push(`BENCH_ONLY=${s.only.join(',')}`);
  return parts.join(', ');
}

/** The suite's section of docs/benchmarks.md (without its markers). */
export function renderSection(
  suite: Suite,
  rows: readonly BenchRow[],
  verdicts: readonly Verdict[],
  machine: MachineInfo,
  settingsLine: string,
): string {
  const parts = [
    `## ${suite.title} (\`${suite.name}\`)`,
    '',
    `Measured ${machine.date} on ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, ${machine.platform}` +
      ` (1-min load average ${machine.loadAverage.toFixed(2)} at start).  `,
    `Settings: ${settingsLine}.  `,
    `Command: \`npm run bench -- --suite ${suite.name}\`.`,
    '',
    suite.method,
    '',
    ...tables(rows).flatMap((t) => [markdownTable(t), '']),
  ];
  if (verdicts.length > 0) parts.push(markdownTable(verdictTable(verdicts)), '');
  return parts.join('\n').trimEnd();
}
