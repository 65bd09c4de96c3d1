// @ts-check
/**
 * The Courier dashboard page: plain JavaScript served as is (no build step), fed by one
 * server-sent event stream (`/v1/dashboard/events`). The origins table is virtualised: however
 * many origins there are, only the rows in view exist in the DOM. Everything from the server is
 * written with `textContent`, never parsed as HTML.
 */

const ROW_HEIGHT = 28;
/** Rows drawn above and below the visible ones, so a scroll does not show blanks before the next frame. */
const OVERSCAN = 8;
const MAX_TRANSITIONS = 200;
const STATE_ORDER = ['backoff', 'draining', 'active', 'connecting', 'available', 'idle', 'closed'];

/** @type {<T extends HTMLElement = HTMLElement>(id: string) => T} */
const byId = (id) => /** @type {any} */ (document.getElementById(id));

const ui = {
  dashboard: byId('dashboard'),
  login: byId('login'),
  loginForm: /** @type {HTMLFormElement} */ (byId('login-form')),
  token: /** @type {HTMLInputElement} */ (byId('token')),
  loginError: byId('login-error'),
  signOut: byId('sign-out'),
  closeAll: byId('close-all'),
  status: byId('stream-status'),
  scope: byId('scope'),
  toast: byId('toast'),
  filter: /** @type {HTMLInputElement} */ (byId('filter')),
  stateFilter: /** @type {HTMLSelectElement} */ (byId('state-filter')),
  head: byId('origin-head'),
  viewport: byId('origin-viewport'),
  spacer: byId('origin-spacer'),
  originCount: byId('origin-count'),
  originsEmpty: byId('origins-empty'),
  campaignList: byId('campaign-list'),
  chartMax: byId('chart-max'),
  lineCompleted: byId('line-completed'),
  lineFailed: byId('line-failed'),
  inspector: byId('inspector'),
  inspectorOrigin: byId('inspector-origin'),
  inspectorWatching: byId('inspector-watching'),
  inspectorSnapshot: byId('inspector-snapshot'),
  transitions: byId('transitions'),
};

/** @typedef {Array<string | number | null>} Row */

const state = {
  /** @type {Record<string, number>} column name → index in a row */
  col: {},
  /** @type {Map<string, Row>} */
  rows: new Map(),
  /** @type {Row[]} rows after filter and sort */
  view: [],
  viewDirty: true,
  renderQueued: false,
  sort: { key: 'origin', dir: 1 },
  scope: 'local',
  /** @type {Array<[number, number, number]>} */
  history: [],
  /** @type {EventSource | null} */
  events: null,
  /** @type {{ origin: string, events: EventSource } | null} */
  inspector: null,
  /** @type {HTMLElement[]} pooled row elements */
  pool: [],
  /** The whole first snapshot has arrived and is not drawn yet (the bench reads the mark set when it is). */
  firstScreenPending: false,
  firstScreenMarked: false,
};

// ---------- formatting ----------

/** @param {unknown} n */
const int = (n) => (typeof n === 'number' ? n.toLocaleString('en-US') : '–');
/** @param {unknown} n */
const rate = (n) => (typeof n !== 'number' || n === 0 ? '0' : n < 9.95 ? n.toFixed(1) : Math.round(n).toLocaleString('en-US'));
/** @param {unknown} ms */
function duration(ms) {
  if (typeof ms !== 'number') return '–';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}
/** @param {number} n */
function bytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}
/** @param {number} at */
function clock(at) {
  const d = new Date(at);
  return `${d.toLocaleTimeString('en-GB', { hour12: false })}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}
/** @param {number} r */
const pct = (r) => `${(r * 100).toFixed(r < 0.1 ? 1 : 0)} %`;

/**
 * @param {string} tag
 * @param {Record<string, string>} [attrs]
 * @param {Array<Node | string>} [children]
 */
function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

/** @param {string} name */
function badge(name) {
  return el('span', { class: 'badge', 'data-state': name }, [name]);
}

let toastTimer = 0;
/** @param {string} text @param {'info' | 'error'} [kind] */
function toast(text, kind = 'info') {
  ui.toast.textContent = text;
  ui.toast.dataset.kind = kind;
  ui.toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => (ui.toast.hidden = true), 6000);
}

// ---------- origins table ----------

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
  { id: 'rps', label: 'req/s', num: true, title: 'Requests per second over the last minute (run by this process)', text: (r) => rate(r[state.col.rps]) },
  { id: 'p50Ms', label: 'p50', num: true, title: 'Median latency over the last minute', text: (r) => duration(r[state.col.p50Ms]) },
  { id: 'p99Ms', label: 'p99', num: true, title: '99th percentile latency over the last minute', text: (r) => duration(r[state.col.p99Ms]) },
  { id: 'completed', label: 'Done', num: true, title: 'Requests completed since the actor started' },
  { id: 'failed', label: 'Failed', num: true },
  { id: 'lastError', label: 'Last error', text: (r) => String(r[state.col.lastError] ?? '') },
  { id: 'workerId', label: 'Worker', text: (r) => String(r[state.col.workerId] ?? '') },
];

function buildHead() {
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

function scheduleRender() {
  if (state.renderQueued) return;
  state.renderQueued = true;
  requestAnimationFrame(render);
}

/** @param {{ full: boolean, first?: boolean, last?: boolean, upserts: Row[], removes: string[] }} msg */
function applyOrigins(msg) {
  if (msg.full && msg.first) state.rows.clear();
  const id = state.col.id ?? 0;
  for (const r of msg.upserts) state.rows.set(String(r[id]), r);
  for (const gone of msg.removes) state.rows.delete(gone);
  if (msg.full && msg.last) state.firstScreenPending = true;
  state.viewDirty = true;
  scheduleRender();
}

// ---------- queue ----------

/** @param {{ counts: Record<string, number> | null, history?: Array<[number, number, number]>, point?: [number, number, number] }} msg */
function applyQueue(msg) {
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

// ---------- campaigns ----------

/**
 * @typedef {{ index: number, state: string, devices: number, waiting: number, active: number, completed: number, failed: number }} Wave
 * @typedef {{ id: string, name: string | null, state: string, devices: number, bytesDone: number, bytesTotal: number | null, failureThreshold: number | null, waves: Wave[] }} Campaign
 */

/** @param {{ available: boolean, campaigns: Campaign[] }} msg */
function applyCampaigns(msg) {
  if (!msg.available) {
    ui.campaignList.replaceChildren(el('p', { class: 'empty' }, ['No campaigns API on this server yet (GET /v1/campaigns does not answer).']));
    return;
  }
  if (msg.campaigns.length === 0) {
    ui.campaignList.replaceChildren(el('p', { class: 'empty' }, ['No campaigns.']));
    return;
  }
  ui.campaignList.replaceChildren(...msg.campaigns.map(campaignElement));
}

/** @param {Campaign} c */
function campaignElement(c) {
  const total = c.bytesTotal === null ? '' : ` of ${bytes(c.bytesTotal)}`;
  const threshold = c.failureThreshold === null ? 'no threshold' : `halts above ${pct(c.failureThreshold)} failures`;
  const title = el('div', { class: 'title' }, [
    el('strong', {}, [c.name ?? c.id]),
    badge(c.state),
    el('span', { class: 'meta' }, [`${int(c.devices)} devices · ${bytes(c.bytesDone)}${total} done · ${threshold}`]),
  ]);
  const waves = c.waves.map((w) => {
    const n = Math.max(w.devices, 1);
    const finished = w.completed + w.failed;
    const ratio = finished === 0 ? 0 : w.failed / finished;
    const over = c.failureThreshold !== null && ratio > c.failureThreshold;
    // Widths through the CSSOM: the page's CSP refuses inline style attributes.
    /** @param {string} cls @param {number} part */
    const segment = (cls, part) => {
      const span = el('span', { class: cls });
      span.style.width = `${(part / n) * 100}%`;
      return span;
    };
    const bar = el('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': String(w.devices), 'aria-valuenow': String(finished) }, [
      segment('done', w.completed),
      segment('failed', w.failed),
      segment('active', w.active),
    ]);
    const failures = el('span', { class: over ? 'over' : '' }, [
      `${int(finished)}/${int(w.devices)} · failures ${pct(ratio)}${c.failureThreshold === null ? '' : ` (threshold ${pct(c.failureThreshold)})`}`,
    ]);
    return el('div', { class: 'wave', 'data-wave': String(w.index) }, [el('span', {}, [`Wave ${w.index + 1} · `, badge(w.state)]), bar, failures]);
  });
  return el('div', { class: 'campaign', 'data-campaign': c.id }, [title, ...waves]);
}

// ---------- inspector ----------

/** @param {string} origin */
function openInspector(origin) {
  closeInspector();
  ui.inspector.hidden = false;
  ui.inspectorOrigin.textContent = origin;
  ui.inspectorWatching.textContent = 'looking for the actor…';
  ui.inspectorSnapshot.replaceChildren();
  ui.transitions.replaceChildren();
  const events = new EventSource(`/v1/dashboard/inspect?origin=${encodeURIComponent(origin)}`);
  state.inspector = { origin, events };
  events.addEventListener('snapshot', (e) => {
    const msg = JSON.parse(/** @type {MessageEvent} */ (e).data);
    ui.inspectorWatching.textContent = msg.watching.length === 0 ? 'no actor for this origin right now (watching for one)' : `watching ${msg.watching.join(', ')}`;
    ui.inspectorWatching.dataset.watching = String(msg.watching.length);
    ui.inspectorSnapshot.replaceChildren(
      ...msg.snapshots.map((/** @type {any} */ s) =>
        el('dl', {}, [
          el('dt', {}, ['state']), el('dd', {}, [badge(s.state)]),
          el('dt', {}, ['sockets']), el('dd', {}, [`${s.sockets.connected} connected, ${s.sockets.connecting} connecting, ${s.sockets.free} free, ${s.sockets.busy} busy, ${s.sockets.reusable} reusable`]),
          el('dt', {}, ['requests']), el('dd', {}, [`${s.inFlight} in flight, ${s.queued} queued, ${int(s.completed)} done, ${int(s.failed)} failed`]),
          el('dt', {}, ['last error']), el('dd', {}, [s.lastError ?? '–']),
        ]),
      ),
    );
  });
  events.addEventListener('transition', (e) => {
    const t = JSON.parse(/** @type {MessageEvent} */ (e).data);
    const item = el('li', { 'data-from': t.from, 'data-to': t.to }, [el('span', { class: 'when' }, [clock(t.at)]), el('span', {}, [`${t.from} → `, badge(t.to), ` on ${t.event}`])]);
    ui.transitions.prepend(item);
    while (ui.transitions.children.length > MAX_TRANSITIONS) ui.transitions.lastElementChild?.remove();
  });
  events.addEventListener('error', () => {
    if (events.readyState === EventSource.CLOSED) ui.inspectorWatching.textContent = 'the inspector stream ended';
  });
}

function closeInspector() {
  state.inspector?.events.close();
  state.inspector = null;
  ui.inspector.hidden = true;
}

// ---------- actions behind the token ----------

/** @param {string} what @param {string} url */
async function closeConnections(what, url) {
  let res;
  try {
    res = await fetch(url, { method: 'DELETE', credentials: 'same-origin' });
  } catch {
    toast(`${what}: the server did not answer`, 'error');
    return;
  }
  if (res.status === 401) {
    toast(`${what}: refused (401): sign in with the API token`, 'error');
    showLogin();
    return;
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    toast(`${what}: ${res.status} ${body?.error?.code ?? ''} ${body?.error?.message ?? ''}`.trim(), 'error');
    return;
  }
  const missing = Array.isArray(body.missing) && body.missing.length > 0 ? `; ${body.missing.length} worker(s) did not answer` : '';
  toast(`${what}: done on ${body.workers ?? 1} worker(s)${missing}`);
}

// ---------- session and stream ----------

function showLogin() {
  state.events?.close();
  state.events = null;
  closeInspector();
  setStatus('offline', 'signed out');
  ui.login.hidden = false;
  ui.dashboard.hidden = true;
  ui.token.focus();
}

/** @param {'live' | 'connecting' | 'offline'} status @param {string} text */
function setStatus(status, text) {
  ui.status.dataset.status = status;
  ui.status.textContent = text;
}

async function signedIn() {
  const res = await fetch('/v1/dashboard/session', { credentials: 'same-origin' });
  const body = await res.json();
  return body.auth === false || body.signedIn === true;
}

function connect() {
  ui.login.hidden = true;
  ui.dashboard.hidden = false;
  ui.signOut.hidden = document.body.dataset.auth !== 'on';
  setStatus('connecting', 'connecting…');
  const events = new EventSource('/v1/dashboard/events');
  state.events = events;
  events.addEventListener('open', () => setStatus('live', 'live'));
  events.addEventListener('hello', (e) => {
    const hello = JSON.parse(/** @type {MessageEvent} */ (e).data);
    state.col = Object.fromEntries(hello.columns.map((/** @type {string} */ name, /** @type {number} */ i) => [name, i]));
    state.scope = hello.scope;
    ui.scope.textContent = `${hello.scope === 'fleet' ? 'fleet-wide (every live worker)' : 'this process'} · ${hello.queue} queue`;
    document.documentElement.style.setProperty('--worker-col', hello.scope === 'fleet' ? '110px' : '0');
    buildHead();
  });
  events.addEventListener('origins', (e) => applyOrigins(JSON.parse(/** @type {MessageEvent} */ (e).data)));
  events.addEventListener('queue', (e) => applyQueue(JSON.parse(/** @type {MessageEvent} */ (e).data)));
  events.addEventListener('campaigns', (e) => applyCampaigns(JSON.parse(/** @type {MessageEvent} */ (e).data)));
  events.addEventListener('error', () => {
    if (state.events !== events) return;
    setStatus('connecting', 'reconnecting…');
    // EventSource retries by itself after a network error, but gives up on an HTTP error (a 401 once the session expired).
    if (events.readyState === EventSource.CLOSED) {
      signedIn()
        .then((ok) => (ok ? setTimeout(() => state.events === events && connect(), 3000) : showLogin()))
        .catch(() => setTimeout(() => state.events === events && connect(), 3000));
    }
  });
}

async function login(/** @type {Event} */ e) {
  e.preventDefault();
  ui.loginError.textContent = '';
  const res = await fetch('/v1/session', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: ui.token.value }),
  }).catch(() => null);
  if (res === null) {
    ui.loginError.textContent = 'the server did not answer';
    return;
  }
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    ui.loginError.textContent = body?.error?.message ?? `refused (${res.status})`;
    return;
  }
  ui.token.value = '';
  connect();
}

function wire() {
  ui.loginForm.addEventListener('submit', login);
  ui.signOut.addEventListener('click', async () => {
    await fetch('/v1/session', { method: 'DELETE', credentials: 'same-origin' }).catch(() => null);
    showLogin();
  });
  ui.closeAll.addEventListener('click', () => closeConnections('close all connections', '/v1/connections'));
  ui.filter.addEventListener('input', () => {
    state.viewDirty = true;
    scheduleRender();
  });
  ui.stateFilter.addEventListener('change', () => {
    state.viewDirty = true;
    scheduleRender();
  });
  ui.viewport.addEventListener('scroll', scheduleRender, { passive: true });
  window.addEventListener('resize', scheduleRender);
  // One listener for every row's buttons (rows are recycled as the list scrolls).
  ui.spacer.addEventListener('click', (e) => {
    const button = /** @type {HTMLElement} */ (e.target).closest('button[data-action]');
    const row = button?.closest('.row');
    if (!button || !(row instanceof HTMLElement)) return;
    const origin = row.dataset.origin ?? '';
    if (button.getAttribute('data-action') === 'inspect') openInspector(origin);
    else closeConnections(`drain ${origin}`, `/v1/connections?remote=${encodeURIComponent(origin)}`);
  });
  byId('inspector-close').addEventListener('click', closeInspector);
}

wire();
if (document.body.dataset.auth !== 'on') connect();
else signedIn().then((ok) => (ok ? connect() : showLogin()), () => showLogin());
