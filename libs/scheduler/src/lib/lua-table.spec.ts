// The border rule (`#t`) and `next` order of Lua 5.5's tables on the small lists the scheduler
// makes. Expected values derived by hand from ltable.c v5.5.0 (luaH_getn, rehash); a real
// Lua 5.5.0 gives the same (checked while writing; Debian's lua5.4 differs on the first case).
import { describe, expect, it } from 'vitest';
import { LuaTable } from './lua-table.ts';

function insert(t: LuaTable<string>, v: string): number {
  const k = t.length() + 1;
  t.set(k, v);
  return k;
}

function keys(t: LuaTable<string>): number[] {
  const ks: number[] = [];
  for (let k = t.next(0); k !== 0; k = t.next(k)) ks.push(k);
  return ks;
}

describe('LuaTable (Lua 5.5 border and next order)', () => {
  it('{nil, y}: # is 0, so table.insert fills the hole at the front', () => {
    // insert x: rehash, array part 1, hint 0. insert y: # = 1 (hint 1), rehash: array part 2,
    // hint 1. t[1] = nil. # starts at hint 1: empty, no slot below it, binsearch(0, 1) = 0.
    const t = new LuaTable<string>();
    insert(t, 'x');
    insert(t, 'y');
    t.set(1, undefined);
    expect(t.length()).toBe(0);
    expect(insert(t, 'z')).toBe(1);
    expect(t.length()).toBe(2);
    expect(keys(t)).toEqual([1, 2]);
  });

  it('{nil, y, w}: # is 3, so table.insert appends at 4', () => {
    // three inserts: array part 4 (4 <= 3 * 3 keys), hint 2. t[1] = nil: hint 2 present, the
    // vicinity search finds slot 4 empty: border 3.
    const t = new LuaTable<string>();
    for (const v of ['x', 'y', 'w']) insert(t, v);
    t.set(1, undefined);
    expect(t.length()).toBe(3);
    expect(insert(t, 'z')).toBe(4);
    expect(keys(t)).toEqual([2, 3, 4]);
  });

  it('{x, nil}: # is 1; an empty table has # 0', () => {
    const t = new LuaTable<string>();
    expect(t.length()).toBe(0);
    insert(t, 'x');
    insert(t, 'y');
    t.set(2, undefined);
    expect(t.length()).toBe(1);
    t.set(1, undefined);
    expect(t.length()).toBe(0);
    expect(keys(t)).toEqual([]);
  });

  it('a key past the array part goes to the hash part, and next walks the array part first', () => {
    const t = new LuaTable<string>();
    insert(t, 'a'); // array part 1
    t.set(1, undefined);
    t.set(3, 'c'); // rehash: only key 3 (3 > 3 * 1 for size 4): array part keeps size 1, 3 in the hash
    expect(t.arrayOnly).toBe(false);
    t.set(1, 'a');
    expect(keys(t)).toEqual([1, 3]);
    expect(t.length()).toBe(1);
  });
});
