/**
 * Resolves once `ready()` holds, asking at most every `everyMs`; throws after `timeoutMs`. Only for
 * state with no event to wait on. `what` names the awaited state in the error; as a function it is
 * asked then, so it can show the last value seen.
 */
export async function until(ready: () => Promise<boolean> | boolean, what: string | (() => string), timeoutMs = 60_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await ready()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
