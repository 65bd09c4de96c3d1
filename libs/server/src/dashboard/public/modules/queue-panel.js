// @ts-check
// The queue's counts and its throughput chart (jobs finished per second, last two minutes).
import { ui } from './dom.js';
import { int, rate } from './format.js';
import { state } from './state.js';

/** @param {{ counts: Record<string, number> | null, history?: Array<[number, number, number]>, point?: [number, number, number] }} msg */
export function applyQueue(msg) {
  for (const name of ['waiting', 'active', 'delayed', 'completed', 'failed']) {
    const cell = document.querySelector(`[data-count="${name}"]`);
    if (cell) cell.textContent = msg.counts === null ? '?' : int(msg.counts[name]);
  }
  if (msg.history) state.history = msg.history;
  if (msg.point) state.history.push(msg.point);
  if (state.history.length > 120) state.history.splice(0, state.history.length - 120);
  drawChart();
}

function drawChart() {
  const points = state.history;
  const max = Math.max(1, ...points.map((p) => Math.max(p[1], p[2])));
  ui.chartMax.textContent = rate(Math.max(0, ...points.map((p) => p[1] + p[2])));
  /** @param {number} field */
  const line = (field) =>
    points.map((p, i) => `${((120 - points.length + i) / 119) * 600},${(100 - (p[field] / max) * 95).toFixed(1)}`).join(' ');
  ui.lineCompleted.setAttribute('points', line(1));
  ui.lineFailed.setAttribute('points', line(2));
}
