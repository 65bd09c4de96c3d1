// Issue 15 point 1: pass order as Pluto 0.13's scheduler source (reference §5) gives it on a
// Lua 5.5 table. Each transcript is derived by hand from that source (table.insert at the
// border, a dead coroutine's slot set to nil, table.remove shifting under the pass, `next`
// order); `|` marks a yieldfunc call, i.e. the end of a pass that resumed something. The same
// scripts run on a real Lua 5.5.0 with the §5 source printed the same transcripts.
import { describe, expect, it } from 'vitest';
import { Scheduler } from './scheduler.ts';

function transcribed(): { s: Scheduler; log: string[]; line: () => string } {
  const s = new Scheduler();
  const log: string[] = [];
  s.yieldfunc = () => {
    log.push('|');
  };
  return { s, log, line: () => log.join(' ') };
}

describe('pass order on a Lua table (issue 15 point 1)', () => {
  it('(a) a coroutine added into the hole a dead one left runs before its adder, and not again in that pass', async () => {
    // add X: coros = {X} (array part 1), X1. add Y: #coros = 1, coros[2] = Y (array part 2,
    // length hint 1), Y1.
    // pass 1: X2, X dies; Y2.                                      |
    // pass 2: coros[1] = nil (dead X). Y3 adds Z: #coros starts at the hint 1, which is empty,
    //         and nothing is below it: border 0, so Z goes to coros[1] and Z1 runs inside add.
    //         next(coros, 2) ends the pass: Z is behind the loop.  |
    // pass 3: Z2 (key 1), Y4 (key 2).                              |
    // pass 4: Z3 (dies), Y5 (dies).                                |
    // pass 5: both slots set to nil, nothing resumed: run() returns.
    const { s, log, line } = transcribed();
    const Z = function* () {
      log.push('Z1');
      yield;
      log.push('Z2');
      yield;
      log.push('Z3');
    };
    s.add(function* () {
      log.push('X1');
      yield;
      log.push('X2');
    });
    s.add(function* () {
      log.push('Y1');
      yield;
      log.push('Y2');
      yield;
      log.push('Y3');
      s.add(Z);
      yield;
      log.push('Y4');
      yield;
      log.push('Y5');
    });
    await s.run();
    expect(line()).toBe('X1 Y1 X2 Y2 | Y3 Z1 | Z2 Y4 | Z3 Y5 |');
    expect(s.passes).toBe(5);
    expect([...s.coros.keys()]).toEqual([]);
  });

  it('(b) removing an entry before the remover skips the entry right after the remover for that pass', async () => {
    // add P, Q, R: coros = {P, Q, R} (array part 4, hint 2); P1 Q1 R1.
    // pass 1: P2. Q2 removes P: #coros = 3, table.remove(coros, 1) shifts to {Q, R, nil}; Q is
    //         not listed (false). The loop goes on with next(coros, 2), which is coros[3]: nil,
    //         so R (now at 2) is skipped.                                  |
    // pass 2: Q3 (Q dies), R2.                                              |
    // pass 3: coros[1] = nil (dead Q); R3 (R dies).                         |
    // pass 4: coros[2] = nil; nothing resumed. P stays suspended, never resumed again.
    const { s, log, line } = transcribed();
    const P = s.add(function* () {
      for (let i = 1; i <= 3; i++) {
        log.push(`P${i}`);
        yield;
      }
    });
    s.add(function* () {
      log.push('Q1');
      yield;
      log.push('Q2');
      s.remove(P);
      log.push(String(s.contains(P)));
      yield;
      log.push('Q3');
    });
    s.add(function* () {
      log.push('R1');
      yield;
      log.push('R2');
      yield;
      log.push('R3');
    });
    await s.run();
    expect(line()).toBe('P1 Q1 R1 P2 Q2 false | Q3 R2 | R3 |');
    expect(s.passes).toBe(4);
  });

  it('s.coros shows the keys Pluto shows: a hole stays a hole, the next add fills the front one, and remove raises as table.remove does', async () => {
    // {A, B, C} (array part 4, hint 2). A and B finish in pass 1; pass 2 sets coros[1] and
    // coros[2] to nil: keys {3}. Then add D: #coros starts at the hint 2 (empty), then 1
    // (empty): border 0, D goes to key 1: keys {1, 3} in next order, and #coros is now 1.
    // remove(C) finds C at key 3 and calls table.remove(coros, 3) with #coros = 1: Lua raises
    // "position out of bounds" (3 is neither #coros nor within #coros + 1), as Pluto would.
    const s = new Scheduler();
    let stop = false;
    const a = s.add(function* () {
      yield;
    });
    s.add(function* () {
      yield;
    });
    const c = s.add(function* () {
      while (!stop) yield;
    });
    expect([...s.coros.keys()]).toEqual([1, 2, 3]);
    let passes = 0;
    const seen: unknown[] = [];
    s.yieldfunc = () => {
      if (++passes !== 2) return;
      seen.push([...s.coros.entries()]);
      const d = s.add(function* () {
        yield;
      });
      seen.push([...s.coros.entries()], d);
      try {
        s.remove(c);
      } catch (error) {
        seen.push((error as Error).message);
      }
      stop = true;
    };
    await s.run();
    expect(seen[0]).toEqual([[3, c]]);
    expect(seen[1]).toEqual([
      [1, seen[2]],
      [3, c],
    ]);
    expect(seen[3]).toBe("bad argument #2 to 'table.remove' (position out of bounds)");
    expect(s.contains(a)).toBe(false);
  });

  it('addloop follows from add: the loop added into a front hole runs before the coroutine that added it', async () => {
    // Same table as (a): X dies in pass 1; in pass 2 Y3 adds a loop L into coros[1] (its first
    // call, L1, runs inside addloop). Pass 3: L2 then Y4; pass 4: L3 returns false, Y5.
    const { s, log, line } = transcribed();
    let calls = 0;
    s.add(function* () {
      log.push('X1');
      yield;
    });
    s.add(function* () {
      log.push('Y1');
      yield;
      yield;
      log.push('Y3');
      s.addloop(() => {
        log.push(`L${++calls}`);
        return calls < 3;
      });
      yield;
      log.push('Y4');
      yield;
      log.push('Y5');
    });
    await s.run();
    expect(line()).toBe('X1 Y1 | Y3 L1 | L2 Y4 | L3 Y5 |');
  });
});

describe('a coroutine that removes itself', () => {
  it('is neither dropped twice nor kept waiting for: run() ends, and the next pass order is plain', async () => {
    // Pluto: remove(self) is table.remove at its key; the coroutine goes on to its end, but is
    // no longer listed, so no pass sees it dead. The others run as usual.
    const { s, log, line } = transcribed();
    const self = s.add(function* () {
      log.push('S1');
      yield;
      s.remove(self);
      log.push('S2');
    });
    s.add(function* () {
      log.push('T1');
      yield;
      log.push('T2');
      yield;
      log.push('T3');
    });
    await s.run();
    // pass 1: S removes itself (coros {T} shifted to key 1; next(coros, 1) is nil: nothing
    // after it this pass, T skipped — as (b)); pass 2: T2; pass 3: T3; pass 4: nothing.
    expect(line()).toBe('S1 T1 S2 | T2 | T3 |');
    expect(s.size).toBe(0);
    expect(s.waiting).toBe(0);
  });
});
