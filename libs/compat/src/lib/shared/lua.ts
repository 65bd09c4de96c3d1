// One luaType for every facade: @courier/origin's.
export { luaType } from '@courier/origin';

export function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}
