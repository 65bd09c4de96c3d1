import { Session } from 'node:inspector/promises';
import type { CpuProfile } from './profile-groups.ts';

/** Runs `op` with V8's sampling profiler on in this process (the main thread); gives its result and the profile. */
export async function profiled<T>(op: () => Promise<T>, intervalUs = 250): Promise<{ result: T; profile: CpuProfile }> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
    await session.post('Profiler.start');
    const outcome = await op().then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    const { profile } = await session.post('Profiler.stop');
    if (!outcome.ok) throw outcome.error;
    return { result: outcome.value, profile: profile as CpuProfile };
  } finally {
    session.disconnect();
  }
}
