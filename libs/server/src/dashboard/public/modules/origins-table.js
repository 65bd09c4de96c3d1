// @ts-check
// The origins table: virtualised (only the rows in view exist in the DOM), sortable, filtered.
import { badge, el, ui } from './dom.js';
import { duration, int, rate } from './format.js';
import { OVERSCAN, ROW_HEIGHT, STATE_ORDER, state } from './state.js';

/** @typedef {import('./state.js').Row} Row */

/**
 * The table's columns: what a cell shows, and what it sorts by.
 * @type {Array<{ id: string, label: string, num?: boolean, title?: string, sort?: (r: Row) => string | number | null, text?: (r: Row) => string }>}
 */
const columns = [
  { id: 'origin', label: 'Origin' },
  { id: 'state', label: 'State', sort: (r) => STATE_ORDER.indexOf(String(r[state.col.state])) },
  { id: 'connected', label: 'Conn', num: true, title: 'Sockets connected (+ connecting)', text: (r) => (Number(r[state.col.connecting]) > 0 ? `${r[state.col.connected]} +${r[state.col.connecting]}` : int(r[state.col.connected])) },
  { id: 'free', label: 'Free', num: true, title: 'Connected sockets with nothing running' },
  { id: 'busy', label: 'Busy', num: true, title: 'Connected sockets running a request' },
  { id: 'inFlight', label: 'In-flight', num: true },
  { id: 'queued', label: 'Queued', num: true, title: 'Requests waiting for a socket' },
  { id: 'rps', label: 'req/s', num: true, title: 'Requests per second over the last minute (run by this process; in the fleet view, by that row’s worker)', text: (r) => rate(r[state.col.rps]) },
  { id: 'p50Ms', label: 'p50', num: true, title: 'Median latency over the last minute (in the fleet view, that row’s worker’s own)', text: (r) => duration(r[state.col.p50Ms]) },
  { id: 'p99Ms', label: 'p99', num: true, title: '99th percentile latency over the last minute (in the fleet view, that row’s worker’s own)', text: (r) => duration(r[state.col.p99Ms]) },
  { id: 'completed', label: 'Done', num: true, title: 'Requests completed since the actor started' },
  { id: 'failed', label: 'Failed', num: true },
  { id: 'lastError', label: 'Last error', text: (r) => String(r[state.col.lastError] ?? '') },
  { id: 'workerId', label: 'Worker', text: (r) => String(r[state.col.workerId] ?? '') },
];

export function buildHead() {
  ui.head.replaceChildren();
  for (const c of columns) {
    const cell = el('span', { role: 'columnheader', 'data-sort': c.id, class: c.num ? 'num' : '' }, [c.label]);
    if (c.title) cell.title = c.title;
    cell.addEventListener('click', () => {
      state.sort = { key: c.id, dir: state.sort.key === c.id ? -state.sort.dir : c.num ? -1 : 1 };
      state.viewDirty = true;
      scheduleRender();
    });
    ui.head.append(cell);
  }
  ui.head.append(el('span', { role: 'columnheader' }, ['']));
}

/** @param {Row} r @param {string} id */
function sortValue(r, id) {
  const c = columns.find((x) => x.id === id);
  return c?.sort ? c.sort(r) : r[state.col[id] ?? -1] ?? null;
}

function rebuildView() {
  const text = ui.filter.value.trim().toLowerCase();
  const only = ui.stateFilter.value;
  const o = state.col.origin ?? 1;
  const s = state.col.state ?? 4;
  /** @type {Row[]} */
  const view = [];
  for (const r of state.rows.values()) {
    if (only !== '' && r[s] !== only) continue;
    if (text !== '' && !String(r[o]).toLowerCase().includes(text)) continue;
    view.push(r);
  }
  const { key, dir } = state.sort;
  const id = state.col.id ?? 0;
  const keyed = view.map((r) => /** @type {const} */ ([sortValue(r, key), r]));
  keyed.sort((a, b) => {
    const x = a[0];
    const y = b[0];
    // Empty values last, whichever the direction; ties in origin-id order so rows don't jump.
    if (x !== y) {
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : 1) * dir;
    }
    return String(a[1][id]) < String(b[1][id]) ? -1 : 1;
  });
  state.view = keyed.map((k) => k[1]);
  state.viewDirty = false;
  for (const cell of ui.head.children) {
    const sortKey = /** @type {HTMLElement} */ (cell).dataset.sort;
    if (sortKey === state.sort.key) cell.setAttribute('aria-sort', state.sort.dir === 1 ? 'ascending' : 'descending');
    else cell.removeAttribute('aria-sort');
  }
}

function newRowElement() {
  const row = el('div', { class: 'row', role: 'row' });
  for (const c of columns) {
    const cls = [c.num ? 'num' : '', c.id === 'origin' ? 'origin' : '', c.id === 'lastError' ? 'lasterror' : ''].join(' ').trim();
    row.append(el('span', { role: 'cell', class: cls, 'data-col': c.id }));
  }
  const inspect = el('button', { type: 'button', class: 'small', 'data-action': 'inspect', title: 'Follow this origin actor’s state transitions' }, ['inspect']);
  const drain = el('button', { type: 'button', class: 'small danger', 'data-action': 'drain', title: 'closeconnections for this origin: close its sockets once its requests in flight have finished' }, ['drain']);
  row.append(el('span', { role: 'cell', class: 'actions' }, [inspect, drain]));
  return row;
}

/** @param {HTMLElement} rowEl @param {Row} r @param {number} index */
function fillRow(rowEl, r, index) {
  rowEl.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
  rowEl.dataset.id = String(r[state.col.id]);
  rowEl.dataset.origin = String(r[state.col.origin]);
  const cells = rowEl.children;
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i];
    const cell = /** @type {HTMLElement} */ (cells[i]);
    if (c.id === 'state') {
      const name = String(r[state.col.state]);
      const current = cell.firstElementChild;
      if (current?.getAttribute('data-state') !== name) cell.replaceChildren(badge(name));
      continue;
    }
    const text = c.text ? c.text(r) : c.num ? int(r[state.col[c.id]]) : String(r[state.col[c.id]] ?? '');
    if (cell.textContent !== text) cell.textContent = text;
    if (c.id === 'origin') cell.title = String(r[state.col.key] ?? r[state.col.origin]);
  }
}

function render() {
  state.renderQueued = false;
  if (state.viewDirty) rebuildView();
  const total = state.view.length;
  ui.spacer.style.height = `${total * ROW_HEIGHT}px`;
  ui.originCount.textContent = total === state.rows.size ? `${int(total)}` : `${int(total)} of ${int(state.rows.size)}`;
  ui.originsEmpty.hidden = state.rows.size > 0;
  const height = ui.viewport.clientHeight || 560;
  const first = Math.max(0, Math.floor(ui.viewport.scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(total, Math.ceil((ui.viewport.scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
  const needed = last - first;
  while (state.pool.length < needed) {
    const rowEl = newRowElement();
    state.pool.push(rowEl);
    ui.spacer.append(rowEl);
  }
  for (let i = 0; i < state.pool.length; i++) {
    const rowEl = state.pool[i];
    if (i < needed) {
      rowEl.hidden = false;
      fillRow(rowEl, state.view[first + i], first + i);
    } else {
      rowEl.hidden = true;
    }
  }
  if (state.firstScreenPending && !state.firstScreenMarked) {
    state.firstScreenMarked = true;
    performance.mark('courier:first-screen', { detail: { rows: state.rows.size } });
  }
}

export function scheduleRender() {
  if (state.renderQueued) return;
  state.renderQueued = true;
  requestAnimationFrame(render);
}

/** @param {{ full: boolean, first?: boolean, last?: boolean, upserts: Row[], removes: string[] }} msg */
export function applyOrigins(msg) {
  if (msg.full && msg.first) state.rows.clear();
  const id = state.col.id ?? 0;
  for (const r of msg.upserts) state.rows.set(String(r[id]), r);
  for (const gone of msg.removes) state.rows.delete(gone);
  if (msg.full && msg.last) state.firstScreenPending = true;
  state.viewDirty = true;
  scheduleRender();
}
