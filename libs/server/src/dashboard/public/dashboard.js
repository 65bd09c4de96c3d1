// @ts-check
/**
 * The Courier dashboard page's entry module: plain JavaScript modules served as they are (no
 * build step; the browser loads `modules/` through these relative imports), fed by one
 * server-sent event stream (`/v1/dashboard/events`). One module per part of the page: formatting,
 * the origins table, the queue, campaigns, the inspector, actions, session and stream. Everything
 * from the server is written with `textContent`, never parsed as HTML.
 */

import { closeConnections } from './modules/actions.js';
import { byId, ui } from './modules/dom.js';
import { openInspector, closeInspector } from './modules/inspector.js';
import { scheduleRender } from './modules/origins-table.js';
import { connect, login, showLogin, signedIn } from './modules/session.js';
import { state } from './modules/state.js';

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
