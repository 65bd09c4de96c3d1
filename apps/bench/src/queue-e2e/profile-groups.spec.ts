import { describe, expect, it } from 'vitest';
import { componentOf, componentTimes, inclusiveTimes, type CpuProfile } from './profile-groups.ts';

const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({ id, callFrame: { functionName, url }, children });

// (root) → processTicks (node:) → storeBody (libs/queue) → toString (native) ; → ioredis write (native)
//        → (idle) ; → (garbage collector)
const profile: CpuProfile = {
  startTime: 0,
  endTime: 6_000,
  nodes: [
    frame(1, '(root)', '', [2, 6, 7]),
    frame(2, 'processTicksAndRejections', 'node:internal/process/task_queues', [3, 8]),
    frame(3, 'storeBody', 'file:///repo/libs/queue/src/lib/result-body.ts', [4]),
    frame(4, 'toString', ''),
    frame(5, 'writeUtf8String', ''),
    frame(6, '(idle)', ''),
    frame(7, '(garbage collector)', ''),
    frame(8, 'sendCommand', 'file:///repo/node_modules/ioredis/built/Redis.js', [5]),
  ],
  // 6 samples of 1 ms each: 2 in toString under storeBody, 1 socket write under ioredis, 1 idle, 1 GC, 1 in node's own frame.
  samples: [4, 4, 5, 6, 7, 2],
};

describe('profile components', () => {
  it('names components by package or libs/queue file, and sees through native and node frames', () => {
    expect(componentOf('file:///x/node_modules/msgpackr/dist/node.cjs')).toBe('BullMQ');
    expect(componentOf('file:///x/node_modules/@ioredis/commands/built/index.js')).toBe('ioredis (Redis protocol)');
    expect(componentOf('file:///x/libs/queue/src/lib/limits/origin-limiter.ts')).toBe('queue: fleet limits (Lua acquire/release, leases)');
    expect(componentOf('node:net')).toBeNull();
    expect(componentOf('')).toBeNull();
  });

  it('charges native samples to the nearest component on the stack, leaves idle out, and is not fooled by a frame named toString', () => {
    const { busyMs, idleMs, components } = componentTimes(profile);
    expect(idleMs).toBe(1);
    expect(busyMs).toBe(5);
    expect(Object.fromEntries(components.map((c) => [c.component, c.ms]))).toEqual({
      'queue: result body (inline base64 or file)': 2,
      'ioredis (Redis protocol)': 1,
      'garbage collection': 1,
      'node runtime (event loop, socket reads, promise jobs)': 1,
    });
  });

  it('gives inclusive time of the frames asked for', () => {
    const [body, process] = inclusiveTimes(profile, [
      { label: 'body', functions: ['storeBody'], file: 'libs/queue' },
      { label: 'ticks', functions: ['processTicksAndRejections'] },
    ]);
    expect(body).toEqual({ label: 'body', ms: 2 });
    expect(process).toEqual({ label: 'ticks', ms: 4 });
  });
});
