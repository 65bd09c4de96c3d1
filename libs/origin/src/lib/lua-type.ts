/**
 * Lua's `type()` of a JavaScript value as a script would pass it, for argument errors worded as
 * the embedded runtimes word them. Lives here because every facade (the Pluto one in
 * @courier/scheduler, NodeMCU/LuatOS/Eryx in @courier/compat) depends on this library and on no
 * other shared one.
 */
export function luaType(value: unknown): string {
  if (value === undefined || value === null) return 'nil';
  switch (typeof value) {
    case 'number':
    case 'string':
    case 'boolean':
    case 'function':
      return typeof value;
    case 'bigint':
      return 'number';
    case 'symbol':
      return 'userdata';
    default:
      return value instanceof Uint8Array ? 'userdata' : 'table';
  }
}
