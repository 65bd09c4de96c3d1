// @ts-check
// The inspector pane: one origin actor's snapshot and its state transitions, live.
import { badge, el, ui } from './dom.js';
import { clock, int } from './format.js';
import { MAX_TRANSITIONS, state } from './state.js';

/** @param {string} origin */
export function openInspector(origin) {
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

export function closeInspector() {
  state.inspector?.events.close();
  state.inspector = null;
  ui.inspector.hidden = true;
}
