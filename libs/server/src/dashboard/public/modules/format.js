// @ts-check
// How numbers, durations, sizes and times are written on the page.

/** @param {unknown} n */
export const int = (n) => (typeof n === 'number' ? n.toLocaleString('en-US') : '–');
/** @param {unknown} n */
export const rate = (n) => (typeof n !== 'number' || n === 0 ? '0' : n < 9.95 ? n.toFixed(1) : Math.round(n).toLocaleString('en-US'));
/** @param {unknown} ms */
export function duration(ms) {
  if (typeof ms !== 'number') return '–';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}
/** @param {number} n */
export function bytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}
/** @param {number} at */
export function clock(at) {
  const d = new Date(at);
  return `${d.toLocaleTimeString('en-GB', { hour12: false })}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}
/** @param {number} r */
export const pct = (r) => `${(r * 100).toFixed(r < 0.1 ? 1 : 0)} %`;
