import { describe, expect, it } from 'vitest';
import { luaType } from './lua-type.ts';

describe('luaType', () => {
  it.each([
    [undefined, 'nil'],
    [null, 'nil'],
    [1, 'number'],
    [10n, 'number'],
    ['x', 'string'],
    [true, 'boolean'],
    [() => 1, 'function'],
    [new Uint8Array(1), 'userdata'],
    [Symbol('s'), 'userdata'],
    [{}, 'table'],
    [[1], 'table'],
  ])('names %s as Lua would: %s', (value, name) => {
    expect(luaType(value)).toBe(name);
  });
});
