// @ts-check
// Actions behind the token: close connections (all, or one origin's).
import { toast } from './dom.js';
import { showLogin } from './session.js';

/** @param {string} what @param {string} url */
export async function closeConnections(what, url) {
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
