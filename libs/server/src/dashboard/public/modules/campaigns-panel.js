// @ts-check
// Campaigns: one card per campaign, a progress bar and failure ratio per wave.
import { badge, el, ui } from './dom.js';
import { bytes, int, pct } from './format.js';

/**
 * @typedef {{ index: number, state: string, devices: number, waiting: number, active: number, completed: number, failed: number }} Wave
 * @typedef {{ id: string, name: string | null, state: string, devices: number, bytesDone: number, bytesTotal: number | null, failureThreshold: number | null, waves: Wave[] }} Campaign
 */

/** @param {{ available: boolean, campaigns: Campaign[] }} msg */
export function applyCampaigns(msg) {
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
