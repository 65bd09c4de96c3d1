import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { mermaidChart, readmeCharts, spliceCharts } from './chart.ts';

const readmePath = fileURLToPath(new URL('../../README.md', import.meta.url));

describe('the README chart', () => {
  it('is what the machine definitions give now (run `npx tsx libs/origin/scripts/chart.ts` to update it)', async () => {
    const readme = readFileSync(readmePath, 'utf8');
    expect(spliceCharts(readme, await readmeCharts())).toBe(readme);
  });

  it('draws every state, the initial states, guards, actions and delayed transitions', () => {
    const machine = createMachine({
      id: 'm',
      initial: 'a',
      states: {
        a: { on: { GO: { target: 'b', guard: 'ok', actions: 'note' } } },
        b: { initial: 'x', states: { x: { after: { 100: 'y' } }, y: { always: '#m.c' } } },
        c: { type: 'final' },
      },
    });
    expect(mermaidChart(machine).split('\n')).toEqual([
      'stateDiagram-v2',
      '  [*] --> a',
      '  state "a" as a',
      '  a --> b: GO [ok] / note',
      '  state "b" as b {',
      '    [*] --> b_x',
      '    state "x" as b_x',
      '    b_x --> b_y: after 100',
      '    state "y" as b_y',
      '    b_y --> c: always',
      '  }',
      '  state "c" as c',
      '  c --> [*]',
    ]);
  });

  it('refuses a README without the markers', () => {
    expect(() => spliceCharts('# no chart here', [])).toThrow(/markers/);
  });
});
