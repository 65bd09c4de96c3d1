// Writes the state charts in libs/origin/README.md from the machine definitions:
//   npx tsx libs/origin/scripts/chart.ts
// src/lib/chart.spec.ts fails when the README is not what this would write.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readmeCharts, spliceCharts } from '../src/lib/chart.ts';

const readme = fileURLToPath(new URL('../README.md', import.meta.url));
const before = readFileSync(readme, 'utf8');
const after = spliceCharts(before, await readmeCharts());
if (after === before) {
  process.stdout.write('README chart is current\n');
} else {
  writeFileSync(readme, after);
  process.stdout.write('README chart written\n');
}
