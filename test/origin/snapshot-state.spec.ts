// The chart hears "in flight went to 0" a turn late on purpose (sequential requests send no event
// each), but a snapshot read in that turn must not say `active` with nothing in flight: reading
// the state delivers the pending idle event first.
import { createClient } from '@courier/origin';
import { describe, expect, it, onTestFinished } from 'vitest';
import { forThisTest, startHttpFixture } from '../fixtures/index.ts';

describe('an origin snapshot right after the last request ends', () => {
  it('is available, not active, with nothing in flight', async () => {
    const f = await forThisTest(startHttpFixture());
    const c = createClient();
    onTestFinished(() => c.destroy());
    const res = await c.request(`${f.url}/bytes/${4 * 1024 * 1024}`);
    expect(c.origins()[0]).toMatchObject({ state: 'active', inFlight: 1 });
    await res.bytes();
    // Same turn as the body's end: no setImmediate has run yet.
    expect(c.origins()[0]).toMatchObject({ state: 'available', inFlight: 0 });
  });
});
