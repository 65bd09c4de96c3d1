// @ts-check
// The inspector pane: one origin actor's snapshot, its socket children's states, the redirect
// hops handed to or from it, and its (and its sockets') state transitions, live.
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
  ui.inspectorSockets.replaceChildren();
  ui.hops.replaceChildren();
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
          el('dt', {}, ['requests']), el('dd', {}, [`${s.inFlight} in flight, ${int(s.completed)} done, ${int(s.failed)} failed`]),
          el('dt', {}, ['queue']), el('dd', { 'data-queued': String(s.queued) }, [`${int(s.queued)} waiting for a socket`]),
          el('dt', {}, ['last error']), el('dd', {}, [s.lastError ?? '–']),
        ]),
      ),
    );
    ui.inspectorSockets.replaceChildren(
      ...msg.sockets.map((/** @type {any} */ s) =>
        el('li', { 'data-socket': s.id, 'data-state': s.state }, [`${s.id} `, badge(s.state), s.reusable ? ' keep-alive' : ' one-off']),
      ),
    );
  });
  events.addEventListener('transition', (e) => {
    const t = JSON.parse(/** @type {MessageEvent} */ (e).data);
    const who = t.actor === 'origin' ? '' : `${t.actor}: `;
    const item = el('li', { 'data-actor': t.actor, 'data-from': t.from, 'data-to': t.to, 'data-event': t.event }, [
      el('span', { class: 'when' }, [clock(t.at)]),
      el('span', {}, [`${who}${t.from} → `, badge(t.to), ` on ${t.event}`]),
    ]);
    ui.transitions.prepend(item);
    while (ui.transitions.children.length > MAX_TRANSITIONS) ui.transitions.lastElementChild?.remove();
    if (t.handoff) {
      // Handed on by this origin's actor (its hop answered a redirect), or received from another's.
      const verb = t.event === 'redirect.handoff' ? 'handed off' : 'received';
      const hop = el('li', { 'data-hop': String(t.handoff.hop), 'data-event': t.event, 'data-from': t.handoff.from, 'data-to': t.handoff.to }, [
        el('span', { class: 'when' }, [clock(t.at)]),
        el('span', {}, [`hop ${t.handoff.hop} ${verb}: ${t.handoff.from} → ${t.handoff.to}`]),
      ]);
      ui.hops.prepend(hop);
      while (ui.hops.children.length > MAX_TRANSITIONS) ui.hops.lastElementChild?.remove();
    }
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
