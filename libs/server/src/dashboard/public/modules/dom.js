// @ts-check
// The page's elements, and small helpers that build nodes (text only: data never becomes HTML).

/** @type {<T extends HTMLElement = HTMLElement>(id: string) => T} */
export const byId = (id) => /** @type {any} */ (document.getElementById(id));

export const ui = {
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
  inspectorSockets: byId('inspector-sockets'),
  hops: byId('hops'),
  transitions: byId('transitions'),
};

/**
 * @param {string} tag
 * @param {Record<string, string>} [attrs]
 * @param {Array<Node | string>} [children]
 */
export function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

/** @param {string} name */
export function badge(name) {
  return el('span', { class: 'badge', 'data-state': name }, [name]);
}

let toastTimer = 0;
/** @param {string} text @param {'info' | 'error'} [kind] */
export function toast(text, kind = 'info') {
  ui.toast.textContent = text;
  ui.toast.dataset.kind = kind;
  ui.toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => (ui.toast.hidden = true), 6000);
}
