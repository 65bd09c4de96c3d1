/** Lua's name for a JavaScript value's type, for error messages worded as the firmware words them. */
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
    default:
      return value instanceof Uint8Array ? 'userdata' : 'table';
  }
}

export function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}
