// @ts-check
// Sign-in and the event stream that feeds every panel.
import { ui } from './dom.js';
import { applyCampaigns } from './campaigns-panel.js';
import { closeInspector } from './inspector.js';
import { applyOrigins, buildHead } from './origins-table.js';
import { applyQueue } from './queue-panel.js';
import { state } from './state.js';

export function showLogin() {
  state.events?.close();
  state.events = null;
  closeInspector();
  setStatus('offline', 'signed out');
  ui.login.hidden = false;
  ui.dashboard.hidden = true;
  ui.token.focus();
}

/** @param {'live' | 'connecting' | 'offline'} status @param {string} text */
export function setStatus(status, text) {
  ui.status.dataset.status = status;
  ui.status.textContent = text;
}

export async function signedIn() {
  const res = await fetch('/v1/dashboard/session', { credentials: 'same-origin' });
  const body = await res.json();
  return body.auth === false || body.signedIn === true;
}

export function connect() {
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
    document.documentElement.style.setProperty('--worker-col', hello.scope === 'fleet' ? 'minmax(180px, 1.2fr)' : '0');
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

export async function login(/** @type {Event} */ e) {
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
