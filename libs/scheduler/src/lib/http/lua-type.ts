/** Lua's `type()` of a JavaScript value as a script would pass it: what Pluto's argument errors name. */
export function luaType(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'object') return value instanceof Uint8Array ? 'userdata' : 'table';
  if (typeof value === 'bigint') return 'number';
  if (typeof value === 'symbol') return 'userdata';
  return typeof value;
}
