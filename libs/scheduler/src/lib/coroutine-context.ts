/**
 * Whether code runs "inside a coroutine": while a Scheduler is resuming one. Pluto asks
 * `lua_isyieldable`; a JavaScript function cannot know whether its caller is a generator, so
 * the scheduler says so around every resume (DESIGN "Facades": inside = while the scheduler
 * is resuming a coroutine). A counter, not a flag: schedulers may resume inside each other.
 */
let resumeDepth = 0;

export function enterCoroutine(): void {
  resumeDepth++;
}

export function leaveCoroutine(): void {
  resumeDepth--;
}

export function isInsideCoroutine(): boolean {
  return resumeDepth > 0;
}
