/**
 * A caller's callback threw. The firmware catches it and logs it, and the transfer goes on;
 * libraries here never log, so it becomes a process warning with a stable code instead.
 */
export function warnCallbackError(code: string, where: string, error: unknown): void {
  const reason = error instanceof Error ? error.message : String(error);
  process.emitWarning(`${where}: ${reason}`, { code, detail: error instanceof Error ? error.stack : undefined });
}
