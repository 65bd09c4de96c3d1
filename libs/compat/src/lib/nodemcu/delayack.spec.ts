// DELAYACK is real backpressure: while a `data` callback is unacknowledged the transfer stops
// and the socket is not read, so a 50 MiB response never sits in memory. What is measured is
// the facade's own count of bytes taken off the socket and not yet acknowledged (not heap).
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createNodeMcuHttp } from '../../index.ts';
import { Conditions } from '../../../../../test/fixtures/until.ts';
import { deferred, httpOrigin, patternBytes, testClient } from '../../testing/fixtures.ts';

const TOTAL = 50 * 1024 * 1024;
const PIECE = 64 * 1024;
// "A few buffers": the piece being delivered, the body stream's buffer (its 16 KiB high-water
// mark, overshot by the socket reads that arrive before the pause takes hold), each socket read
// at most 64 KiB. Measured ~250 KiB at most; without backpressure it grows to megabytes.
const FEW_BUFFERS = 8 * 64 * 1024;

/** A 50 MiB origin that honours TCP backpressure and says when it is blocked on it. */
function bigBody(res: ServerResponse, state: { written: number; blocked: number; blockedNow: boolean; conditions: Conditions }) {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': TOTAL });
  const pattern = patternBytes(PIECE + 251);
  const write = () => {
    while (state.written < TOTAL) {
      const n = Math.min(PIECE, TOTAL - state.written);
      // Same i % 251 pattern as /bytes/:n, continued across pieces.
      const offset = state.written % 251;
      const ok = res.write(pattern.subarray(offset, offset + n));
      state.written += n;
      if (!ok) {
        state.blocked += 1;
        state.blockedNow = true;
        state.conditions.check();
        res.once('drain', () => {
          state.blockedNow = false;
          write();
        });
        return;
      }
    }
    res.end();
    state.conditions.check();
  };
  write();
}

describe('NodeMCU DELAYACK (B.4)', () => {
  it('a 50 MiB response read with DELAYACK holds only a few buffers while unacknowledged', async () => {
    const origin = await httpOrigin();
    const state = { written: 0, blocked: 0, blockedNow: false, conditions: new Conditions() };
    origin.route('/big', (_req, res) => bigBody(res, state));
    const http = createNodeMcuHttp(testClient());
    const conn = http.createConnection(`${origin.url}/big`, { async: true, bufsz: 16 * 1024 });

    let delivered = 0;
    let acknowledged = 0;
    let maxUnacknowledged = 0;
    let mismatch = -1;
    let callbacks = 0;
    const heldWhileServerBlocked: number[] = [];
    const done = deferred<[number, boolean]>();
    conn.on('data', (_status, data) => {
      const expected = patternBytes(data.length, delivered % 251);
      if (mismatch < 0 && !data.equals(expected)) mismatch = delivered;
      delivered += data.length;
      callbacks += 1;
      maxUnacknowledged = Math.max(maxUnacknowledged, conn.unacknowledgedBytes);
      const ack = () => {
        acknowledged = delivered;
        maxUnacknowledged = Math.max(maxUnacknowledged, conn.unacknowledgedBytes);
        conn.ack();
      };
      if (callbacks % 256 === 0) {
        // Hold this one until the server is stuck behind a full socket: nothing is read meanwhile.
        // (Near the end the server has nothing left to write and never blocks again.)
        void state.conditions.until(() => state.blockedNow || state.written === TOTAL).then(() => {
          if (state.blockedNow) heldWhileServerBlocked.push(conn.unacknowledgedBytes);
          ack();
        });
      } else {
        setImmediate(ack);
      }
      return http.DELAYACK;
    });
    conn.on('complete', (status, connected) => done.resolve([status, connected]));
    expect(conn.request()).toBeUndefined();

    const [status] = await done.promise;
    expect(status).toBe(200);
    expect(mismatch).toBe(-1);
    expect(delivered).toBe(TOTAL);
    expect(acknowledged).toBe(TOTAL);
    expect(heldWhileServerBlocked.length).toBeGreaterThan(5);
    expect(Math.max(...heldWhileServerBlocked)).toBeLessThanOrEqual(FEW_BUFFERS);
    expect(maxUnacknowledged).toBeLessThanOrEqual(FEW_BUFFERS);
  }, 60_000);
});
