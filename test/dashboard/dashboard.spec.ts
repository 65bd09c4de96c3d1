// The dashboard in a real browser (Debian's chromium through playwright-core) against a real
// server: in-memory queue, in-process worker, real origin client, loopback fixture origin.
// Ordering uses latches — a held DNS lookup keeps the actor `connecting`, a held response keeps
// it `active` — so nothing depends on timing; the page's own updates (a few per second) are
// awaited with the browser's waitFor*, bounded by a watchdog far above their interval.
import type { Page } from 'playwright-core';
import { describe, expect, onTestFinished, test } from 'vitest';
import { buildTestApp, startOrigin } from '@courier/server/testing';
import { launchBrowser } from './support/browser.ts';
import { loopbackLookup } from './support/loopback-lookup.ts';
import { listen, standInCampaigns } from './support/serve-app.ts';

/** Watchdog for one awaited page update: the page updates every 0.5–1 s, so this is ~10× that with room for a busy machine. */
const PAGE_WAIT_MS = 10_000;

const rowOf = (origin: string) => `#origin-spacer .row[data-origin="${origin}"]`;

async function waitForBadge(page: Page, origin: string, state: string): Promise<void> {
  await page.waitForSelector(`${rowOf(origin)} .badge[data-state="${state}"]`, { timeout: PAGE_WAIT_MS });
}

async function waitForText(page: Page, selector: string, text: string): Promise<void> {
  // A selector, not waitForFunction: Playwright polls selectors in its own world, which the page's CSP (no eval) does not restrict.
  await page.waitForSelector(`${selector}:text-is(${JSON.stringify(text)})`, { timeout: PAGE_WAIT_MS });
}

/** A fixture origin, the app on a loopback name resolver, and Chromium on its page (closed after the test). */
async function openDashboard() {
  const names = loopbackLookup();
  const fixture = await startOrigin();
  const { app } = await buildTestApp({ client: { lookup: names.lookup } });
  const base = await listen(app);
  const browser = await launchBrowser();
  onTestFinished(() => browser.close());
  return { names, fixture, app, base, browser, page: browser.page };
}

const cell = (origin: string, column: string) => `${rowOf(origin)} [data-col="${column}"]`;

describe('dashboard in chromium', () => {
  test('an origin goes connecting → active → available while a job runs; queue counts move; the inspector follows; close empties the sockets', async () => {
    const { names, fixture, app, base, browser, page } = await openDashboard();

    await page.goto(base);
    await page.waitForSelector('#stream-status[data-status="live"]', { timeout: PAGE_WAIT_MS });
    await waitForText(page, '[data-count="completed"]', '0');

    const host = 'gate.fleet.test';
    const origin = `http://${host}:${fixture.port}`;
    const releaseLookup = names.hold(host);
    const response = fixture.hold('/hello');
    const enqueued = await app.inject({ method: 'POST', url: '/v1/requests', payload: { url: `${origin}/hello` } });
    expect(enqueued.statusCode).toBe(202);

    // The lookup is held: a socket is opening and none is connected.
    await waitForBadge(page, origin, 'connecting');
    await page.click(`${rowOf(origin)} button[data-action="inspect"]`);
    await page.waitForSelector('#inspector-watching[data-watching="1"]', { timeout: PAGE_WAIT_MS });
    expect(app.dashboard.inspectors).toBe(1);

    // Connected, the response held: a request in flight on a busy socket, the job active.
    releaseLookup();
    await response.waitForArrivals(1);
    await waitForBadge(page, origin, 'active');
    await waitForText(page, cell(origin, 'busy'), '1');
    await waitForText(page, '[data-count="active"]', '1');

    // Answered: the socket stays as an idle keep-alive one, the job is counted completed.
    response.release();
    await waitForBadge(page, origin, 'available');
    await waitForText(page, '[data-count="completed"]', '1');
    await waitForText(page, '[data-count="active"]', '0');
    await waitForText(page, cell(origin, 'connected'), '1');
    await waitForText(page, cell(origin, 'free'), '1');

    // The inspector saw the actor's own transitions, in order, and stops watching when closed.
    await page.waitForSelector('#transitions li[data-actor="origin"][data-to="available"]', { timeout: PAGE_WAIT_MS });
    // Newest first on the page; events that left the state as it was (a socket count changing) are listed too.
    // (The origin's own chart: its socket children's transitions are listed too, marked with their id.)
    const transitions = await page.$$eval('#transitions li[data-actor="origin"]', (items) =>
      items.reverse().map((li) => `${li.getAttribute('data-from')}→${li.getAttribute('data-to')}`),
    );
    expect(transitions.filter((t) => t.split('→')[0] !== t.split('→')[1])).toEqual(['connecting→active', 'active→available']);
    await page.click('#inspector-close');
    await expect.poll(() => app.dashboard.inspectors, { timeout: PAGE_WAIT_MS }).toBe(0);

    // Pluto's closeconnections from the button: the idle socket goes, the counts show it.
    const closed = page.waitForResponse((r) => r.url() === `${base}/v1/connections` && r.request().method() === 'DELETE');
    await page.click('#close-all');
    expect((await closed).status()).toBe(200);
    await waitForText(page, cell(origin, 'connected'), '0');
    await waitForText(page, cell(origin, 'free'), '0');
    await waitForBadge(page, origin, 'idle');
    await fixture.until((f) => f.openConnections === 0);

    expect(browser.errors).toEqual([]);
  });

  test('the inspector shows a redirect chain A → B → A hop by hop, handed between the two origin actors, and the socket children', async () => {
    const { fixture, app, base, browser, page } = await openDashboard();

    // Two origins on one loopback fixture (two host names): A and B.
    const a = `http://hop-a.fleet.test:${fixture.port}`;
    const b = `http://hop-b.fleet.test:${fixture.port}`;
    await page.goto(base);
    await page.waitForSelector('#stream-status[data-status="live"]', { timeout: PAGE_WAIT_MS });

    // A's actor exists once it served a request; then its inspector can watch it.
    expect((await app.inject({ method: 'POST', url: '/v1/requests', payload: { url: `${a}/hello` } })).statusCode).toBe(202);
    await waitForBadge(page, a, 'available');
    await page.click(`${rowOf(a)} button[data-action="inspect"]`);
    await page.waitForSelector('#inspector-watching[data-watching="1"]', { timeout: PAGE_WAIT_MS });
    // Each socket child with its state: A's keep-alive socket is open.
    await page.waitForSelector('#inspector-sockets li[data-state="open"]', { timeout: PAGE_WAIT_MS });
    await page.waitForSelector('#inspector-snapshot [data-queued="0"]', { timeout: PAGE_WAIT_MS });

    const back = `${a}/hello`;
    const viaB = `${b}/redirect/302?to=${encodeURIComponent(back)}`;
    const chain = `${a}/redirect/302?to=${encodeURIComponent(viaB)}`;
    expect((await app.inject({ method: 'POST', url: '/v1/requests', payload: { url: chain } })).statusCode).toBe(202);

    // A's actor handed hop 1 to B's, and received hop 2 back from it.
    await page.waitForSelector('#hops li[data-hop="2"]', { timeout: PAGE_WAIT_MS });
    const hops = await page.$$eval('#hops li', (items) =>
      items.reverse().map((li) => [li.getAttribute('data-hop'), li.getAttribute('data-event'), li.getAttribute('data-from'), li.getAttribute('data-to')]),
    );
    expect(hops).toEqual([
      ['1', 'redirect.handoff', a, b],
      ['2', 'redirect.received', b, a],
    ]);
    expect(await page.textContent('#hops li[data-hop="1"]')).toContain(`hop 1 handed off: ${a} → ${b}`);
    // The hops are transitions of A's chart, listed with the others.
    expect(await page.$$('#transitions li[data-actor="origin"][data-event="redirect.handoff"]')).toHaveLength(1);
    await waitForText(page, '[data-count="completed"]', '2');

    // Close all connections: A's socket child goes closing → closed, seen live through inspection,
    // and leaves the socket list.
    const closed = page.waitForResponse((r) => r.url() === `${base}/v1/connections` && r.request().method() === 'DELETE');
    await page.click('#close-all');
    expect((await closed).status()).toBe(200);
    await page.waitForSelector('#transitions li[data-actor^="socket-"][data-from="closing"][data-to="closed"]', { timeout: PAGE_WAIT_MS });
    await page.waitForSelector('#inspector-sockets li', { state: 'detached', timeout: PAGE_WAIT_MS });
    expect(browser.errors).toEqual([]);
  });

  test('with a token: a login box, a wrong token refused, campaigns drawn, and the buttons refused (401) once the session is gone', async () => {
    const token = 'dashboard-test-token';
    const names = loopbackLookup();
    const fixture = await startOrigin();
    const { app } = await buildTestApp({ token, client: { lookup: names.lookup } });
    // A fixed answer in place of the real campaigns API (a halted campaign without running a
    // fleet): the panel reads whatever GET /v1/campaigns answers, through the app and behind the
    // same token (the auth hook runs first). A hook, because the real route exists now.
    const standIn = {
      campaigns: [
        {
          id: 'fw-2-1',
          name: 'firmware 2.1',
          state: 'halted',
          failureThreshold: 0.1,
          bytes: { done: 3 * 1024 * 1024, total: 100 * 1024 * 1024 },
          waves: [
            { state: 'completed', devices: 10, counts: { completed: 10, failed: 0 } },
            { state: 'halted', devices: 90, counts: { completed: 20, failed: 5, active: 2 } },
          ],
        },
      ],
    };
    standInCampaigns(app, standIn);
    const base = await listen(app);
    const browser = await launchBrowser();
    onTestFinished(() => browser.close());
    const { page } = browser;

    await page.goto(base);
    await page.waitForSelector('#login:not([hidden])', { timeout: PAGE_WAIT_MS });
    expect(await page.isHidden('#dashboard')).toBe(true);

    await page.fill('#token', 'not-the-token');
    await page.click('#login-form button[type="submit"]');
    await waitForText(page, '#login-error', 'wrong token');

    const signIn = async () => {
      await page.fill('#token', token);
      await page.click('#login-form button[type="submit"]');
      await page.waitForSelector('#stream-status[data-status="live"]', { timeout: PAGE_WAIT_MS });
    };
    await signIn();

    // Campaigns: per-wave bars, bytes, and the failure ratio against the threshold (wave 2: 5/25 = 20 % > 10 %).
    await page.waitForSelector('.campaign[data-campaign="fw-2-1"] .wave[data-wave="1"] .over', { timeout: PAGE_WAIT_MS });
    expect(await page.textContent('.campaign[data-campaign="fw-2-1"] .wave[data-wave="1"] .over')).toBe('25/90 · failures 20 % (threshold 10 %)');
    expect(await page.$$('.campaign[data-campaign="fw-2-1"] .wave .over')).toHaveLength(1);
    expect(await page.textContent('.campaign[data-campaign="fw-2-1"] .title')).toContain('3.0 MiB of 100.0 MiB done');

    const origin = `http://api.fleet.test:${fixture.port}`;
    const enqueued = await app.inject({ method: 'POST', url: '/v1/requests', headers: { authorization: `Bearer ${token}` }, payload: { url: `${origin}/hello` } });
    expect(enqueued.statusCode).toBe(202);
    await waitForBadge(page, origin, 'available');

    const refusedOnce = async (click: string, url: string) => {
      await browser.context.clearCookies();
      const answer = page.waitForResponse((r) => r.url() === url && r.request().method() === 'DELETE');
      await page.click(click);
      expect((await answer).status()).toBe(401);
      await page.waitForSelector('#login:not([hidden])', { timeout: PAGE_WAIT_MS });
      expect(await page.textContent('#toast')).toContain('401');
    };
    await refusedOnce(`${rowOf(origin)} button[data-action="drain"]`, `${base}/v1/connections?remote=${encodeURIComponent(origin)}`);
    await signIn();
    await waitForBadge(page, origin, 'available');
    await refusedOnce('#close-all', `${base}/v1/connections`);
    // Refused means nothing was closed.
    expect(fixture.openConnections).toBe(1);

    // Signed in again, the drain button works.
    await signIn();
    const drained = page.waitForResponse((r) => r.url().startsWith(`${base}/v1/connections?remote=`) && r.request().method() === 'DELETE');
    await page.click(`${rowOf(origin)} button[data-action="drain"]`);
    expect((await drained).status()).toBe(200);
    await waitForBadge(page, origin, 'idle');
    await fixture.until((f) => f.openConnections === 0);
  });
});
