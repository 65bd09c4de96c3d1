// Stored XSS on the API's own origin (issue 13, item 2): an upstream answers `text/html` with a
// script; a signed-in operator opens the job's body URL. The bytes must come back inert: never
// rendered as HTML there, never able to run with the session cookie's authority.
import type { JobRecord } from '@courier/queue';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildTestApp, json, startOrigin } from '@courier/server/testing';
import { launchBrowser } from '../dashboard/support/browser.ts';
import { listen, standInCampaigns } from '../dashboard/support/serve-app.ts';

const token = 'xss-test-token-0123456789';
const bearer = { authorization: `Bearer ${token}` };
/** Watchdog for one browser step on a busy machine (each takes well under a second). */
const BROWSER_WAIT_MS = 15_000;

/** The attack: a page that marks that it ran, synchronously (title, storage) and over the network. */
function hostilePage(markerUrl: string): string {
  return [
    '<!doctype html><html><head><title>inert</title></head><body>',
    '<script>',
    "document.title = 'pwned';",
    "try { localStorage.setItem('xss', 'ran'); } catch {}",
    `fetch(${JSON.stringify(markerUrl)}, { mode: 'no-cors', credentials: 'include' });`,
    '</script>',
    `<img src="x" onerror="document.title = 'pwned'">`,
    '</body></html>',
  ].join('\n');
}

/** An app with a token, a fixture origin serving the hostile page, and the completed jobs that stored it (inline and spilled to a file). */
async function storedAttack() {
  // 64 bytes inline at most: the page (a few hundred bytes) goes to the results directory for the `large` job.
  const testApp = await buildTestApp({ token, inlineBodyBytes: 64 });
  const origin = await startOrigin();
  const marker = origin.hold('/marker');
  onTestFinished(() => marker.release());
  const page = hostilePage(`${origin.url}/marker`);
  origin.route('/evil', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(page) });
    res.end(page);
  });
  // A tiny HTML body, kept inline in the record (base64).
  const tiny = '<script>document.title="pwned"</script>';
  origin.route('/tiny', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(tiny) });
    res.end(tiny);
  });
  const { app } = testApp;
  const enqueued = await app.inject({
    method: 'POST',
    url: '/v1/requests',
    headers: bearer,
    payload: { jobs: [{ url: `${origin.url}/evil` }, { url: `${origin.url}/tiny` }] },
  });
  expect(enqueued.statusCode).toBe(202);
  const [large, small] = json<{ ids: string[] }>(enqueued).ids as [string, string];
  for (const id of [large, small]) {
    expect(json<JobRecord>(await app.inject({ url: `/v1/requests/${id}?wait=10000`, headers: bearer })).state).toBe('completed');
  }
  const stored = json<JobRecord>(await app.inject({ url: `/v1/requests/${large}`, headers: bearer }));
  const result = stored.result?.kind === 'request' ? stored.result : undefined;
  expect(result?.bodyFile).toBe(`${large}.body`);
  return { ...testApp, origin, marker, page, tiny, large, small };
}

function expectInert(headers: Record<string, unknown>): void {
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['content-security-policy']).toMatch(/(^|;)\s*sandbox\s*(;|$)/);
  expect(headers['content-security-policy']).toMatch(/default-src 'none'/);
}

describe('upstream bytes are served inert (HTTP)', () => {
  it('GET /v1/requests/:id/body: nosniff, CSP sandbox, a download by default — from the record and from the results directory', async () => {
    const { app, page, tiny, large, small } = await storedAttack();
    for (const [id, bytes] of [
      [large, page],
      [small, tiny],
    ] as const) {
      const answer = await app.inject({ url: `/v1/requests/${id}/body`, headers: bearer });
      expect(answer.statusCode).toBe(200);
      expectInert(answer.headers);
      expect(answer.headers['content-disposition']).toBe(`attachment; filename="${id}.body"`);
      // API clients still learn what the upstream sent, as a download the browser never renders.
      expect(String(answer.headers['content-type'])).toMatch(/^text\/html/);
      expect(answer.body).toBe(bytes);
    }
  });

  it('GET /v1/requests/:id/body?inline=1: text/plain, still nosniff and sandboxed', async () => {
    const { app, page, large, small } = await storedAttack();
    for (const id of [large, small]) {
      for (const flag of ['1', 'true']) {
        const answer = await app.inject({ url: `/v1/requests/${id}/body?inline=${flag}`, headers: bearer });
        expect(answer.statusCode).toBe(200);
        expectInert(answer.headers);
        expect(answer.headers['content-type']).toBe('text/plain; charset=utf-8');
        expect(answer.headers['content-disposition']).toBe('inline');
      }
    }
    expect((await app.inject({ url: `/v1/requests/${large}/body?inline=1`, headers: bearer })).body).toBe(page);
    const bad = await app.inject({ url: `/v1/requests/${large}/body?inline=html`, headers: bearer });
    expect(bad.statusCode).toBe(400);
  });

  it('an upstream content type that is not a plain type/subtype is not passed on', async () => {
    const { app, origin } = await storedAttack();
    origin.route('/odd-type', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html, application/json', 'content-length': 2 });
      res.end('<b');
    });
    const { ids } = json<{ ids: string[] }>(await app.inject({ method: 'POST', url: '/v1/requests', headers: bearer, payload: { url: `${origin.url}/odd-type` } }));
    await app.inject({ url: `/v1/requests/${ids[0]}?wait=10000`, headers: bearer });
    const answer = await app.inject({ url: `/v1/requests/${ids[0]}/body`, headers: bearer });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toBe('application/octet-stream');
    expectInert(answer.headers);
  });

  it('the JSON and SSE routes that carry upstream headers and bodies are nosniff too', async () => {
    const { app, large } = await storedAttack();
    const record = await app.inject({ url: `/v1/requests/${large}`, headers: bearer });
    expect(record.headers['content-type']).toMatch(/^application\/json/);
    expect(record.headers['x-content-type-options']).toBe('nosniff');
    const events = await app.inject({ url: `/v1/requests/${large}/events`, headers: bearer });
    expect(events.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(events.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('upstream bytes are served inert (chromium, signed in)', () => {
  it('the script of a stored text/html body never runs on the API origin', async () => {
    const { app, origin, marker, large, small } = await storedAttack();
    const base = await listen(app);
    const browser = await launchBrowser();
    onTestFinished(() => browser.close());
    const { context, page } = browser;

    // Control: the same page on its own origin does run — the payload works in this browser.
    await page.goto(`${origin.url}/evil`);
    await page.waitForFunction("document.title === 'pwned'", undefined, { timeout: BROWSER_WAIT_MS });
    await marker.waitForArrivals(1);
    const arrivalsBefore = marker.arrivals;

    // Signed in the way the dashboard is: the session cookie of POST /v1/session.
    const session = await app.inject({ method: 'POST', url: '/v1/session', payload: { token } });
    const cookieValue = /^courier_session=([^;]+)/.exec(String(session.headers['set-cookie']))?.[1];
    expect(cookieValue).toBeDefined();
    await context.addCookies([{ name: 'courier_session', value: cookieValue!, url: base }]);

    // Opened inline, the page is text: the markup shows as characters, nothing runs.
    for (const id of [large, small]) {
      const opened = await page.goto(`${base}/v1/requests/${id}/body?inline=1`);
      expect(opened?.status()).toBe(200);
      expect(await page.title()).not.toBe('pwned');
      expect(await page.innerText('body')).toContain('<script>');
      expect(await page.$$('script')).toHaveLength(0);
    }
    // Opened as is, it is a download: the browser saves it and never renders it.
    for (const id of [large, small]) {
      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: BROWSER_WAIT_MS }),
        // Chromium aborts the navigation itself when it turns into a download.
        page.goto(`${base}/v1/requests/${id}/body`).catch((error: unknown) => error),
      ]);
      expect(download.suggestedFilename()).toBe(`${id}.body`);
      await download.cancel();
      expect(await page.title()).not.toBe('pwned');
    }
    // The API origin's storage was never written by the page.
    await page.goto(`${base}/healthz`);
    expect(await page.evaluate("localStorage.getItem('xss')")).toBeNull();

    // One more run of the control, then no marker from the API origin arrived in between: the
    // control's own request is the only one (a script that had run would have sent its fetch first).
    await page.goto(`${origin.url}/evil`);
    await marker.waitForArrivals(arrivalsBefore + 1);
    expect(marker.arrivals).toBe(arrivalsBefore + 1);
  });
});

describe('the dashboard never renders upstream or caller text as HTML (chromium)', () => {
  it('a campaign named with markup is drawn as text: no element comes from it', async () => {
    const { app } = await buildTestApp({ token, worker: false });
    const hostileName = `<img src="x" onerror="document.title='pwned'"><b id="injected">bold</b>`;
    // The panel draws whatever GET /v1/campaigns answers (as the dashboard spec does it: a stand-in answer behind the same auth).
    const standIn = {
      campaigns: [{ id: 'hostile', name: hostileName, state: 'halted', failureThreshold: 0.1, bytes: { done: 0, total: 1 }, waves: [{ state: 'halted', devices: 1, counts: { completed: 0, failed: 1 } }] }],
    };
    standInCampaigns(app, standIn);
    const base = await listen(app);
    const browser = await launchBrowser();
    onTestFinished(() => browser.close());
    const { page } = browser;
    await page.goto(base);
    await page.fill('#token', token);
    await page.click('#login-form button[type="submit"]');
    await page.waitForSelector('.campaign[data-campaign="hostile"] strong', { timeout: BROWSER_WAIT_MS });
    expect(await page.textContent('.campaign[data-campaign="hostile"] strong')).toBe(hostileName);
    // innerHTML would have made an <img> and a <b id="injected"> (the page's CSP would only stop the handler).
    expect(await page.$$('.campaign img')).toHaveLength(0);
    expect(await page.$$('#injected')).toHaveLength(0);
    expect(await page.title()).not.toBe('pwned');
  });
});
