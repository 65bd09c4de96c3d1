/**
 * A Lua table with positive integer keys, laid out as Lua 5.5's `ltable.c` (v5.5.0) lays it out,
 * so that `#t`, `table.insert`, `table.remove` and `next` give what Pluto 0.13 (built on Lua
 * 5.5) gives for its scheduler's `coros` list (issue 15, reference §5).
 *
 * Why a port and not an array: with holes, a Lua table's border (`#t`) and traversal order
 * depend on the table's internals. The parts that matter:
 *
 * - **Array part** of `asize` slots plus a **length hint**. `#t` starts at the hint and looks at
 *   most 4 slots around it, else binary-searches: `{nil, y}` whose hint is 1 gives `#t == 0`, so
 *   `table.insert` fills the hole at the front (Lua 5.4, without the hint, says 2 there).
 * - **Hash part** of 2^k nodes (chained scatter table with Brent's variation, integer keys at
 *   `k % ((size-1)|1)`); `next` walks the array part in index order, then the nodes in node
 *   order, which is not key order.
 * - **Rehash** only when a new key finds no free node: the array part then takes the largest
 *   power of two `n` with `n <= 3 * (keys in 1..n)` (`computesizes`), the rest goes to the hash,
 *   and the hint becomes `asize / 2`.
 * - Setting a key to nil never shrinks the table; a key whose value went nil keeps its node,
 *   so `next` can continue from it.
 *
 * Left out: Lua 5.5's `hash_search` (a border beyond the array part when `t[asize + 1]` is in
 * the hash) probes with a per-state random seed; here it probes `asize + 1, 2(asize + 1), …`.
 * Both find the same border when the keys past the array part are contiguous, as they are for
 * a list that only `table.insert` grows.
 */
export class LuaTable<V> {
  #array: (V | undefined)[] = [];
  #hint = 0;
  /** Node keys; 0 is a free node (keys are positive). */
  #keys: number[] = [];
  #values: (V | undefined)[] = [];
  /** Offset to the next node of the chain, 0 at the end (as `gnext`). */
  #next: number[] = [];
  /** No hash part (Lua's shared dummy node). */
  #dummy = true;
  /** Lua keeps a `lastfree` cursor only for hash parts of 8 nodes or more. */
  #lastfree = -1;
  /** Nodes holding a value: the fast paths of callers ask whether the hash part is in use. */
  #hashUsed = 0;

  /** Slots in the array part. */
  get arraySize(): number {
    return this.#array.length;
  }

  /** True when every key lives in the array part, so `next` order is key order. */
  get arrayOnly(): boolean {
    return this.#hashUsed === 0;
  }

  get(key: number): V | undefined {
    if (key - 1 < this.#array.length && key >= 1) return this.#array[key - 1];
    const n = this.#find(key);
    return n < 0 ? undefined : this.#values[n];
  }

  /** `t[key] = value` (`undefined` is nil). */
  set(key: number, value: V | undefined): void {
    if (key - 1 < this.#array.length && key >= 1) {
      this.#array[key - 1] = value;
      return;
    }
    const n = this.#find(key);
    if (n >= 0) {
      // A dead key keeps its node: setting it again reuses the node (luaH_finishset).
      const was = this.#values[n];
      this.#values[n] = value;
      if (was === undefined && value !== undefined) this.#hashUsed++;
      else if (was !== undefined && value === undefined) this.#hashUsed--;
      return;
    }
    if (value === undefined) return;
    if (!this.#insertKey(key, value)) {
      this.#rehash(key);
      this.#newCheckedKey(key, value);
    }
  }

  /** `#t`: Lua 5.5's `luaH_getn`. */
  length(): number {
    const array = this.#array;
    const asize = array.length;
    if (asize > 0) {
      let limit = this.#hint === 0 ? 1 : this.#hint;
      if (array[limit - 1] === undefined) {
        for (let i = 0; i < 4 && limit > 1; i++) {
          limit--;
          if (array[limit - 1] !== undefined) return (this.#hint = limit);
        }
        return (this.#hint = this.#binsearch(0, limit));
      }
      for (let i = 0; i < 4 && limit < asize; i++) {
        limit++;
        if (array[limit - 1] === undefined) return (this.#hint = limit - 1);
      }
      if (array[asize - 1] === undefined) return (this.#hint = this.#binsearch(limit, asize));
      this.#hint = asize;
    }
    if (this.#dummy || this.get(asize + 1) === undefined) return asize;
    let i = asize + 1;
    let j = i * 2;
    while (this.get(j) !== undefined) {
      i = j;
      j *= 2;
    }
    while (j - i > 1) {
      const m = Math.floor((i + j) / 2);
      if (this.get(m) === undefined) j = m;
      else i = m;
    }
    return i;
  }

  /**
   * `next(t, key)`: the key after `key` (0 starts), or 0 when the traversal is over. Throws
   * Lua's `invalid key to 'next'` for a key the table never had.
   */
  next(key: number): number {
    const asize = this.#array.length;
    let i: number;
    if (key === 0) i = 0;
    else if (key >= 1 && key - 1 < asize) i = key;
    else {
      const n = this.#find(key);
      if (n < 0) throw new Error("invalid key to 'next'");
      i = n + 1 + asize;
    }
    for (; i < asize; i++) if (this.#array[i] !== undefined) return i + 1;
    const size = this.#dummy ? 0 : this.#keys.length;
    for (i -= asize; i < size; i++) if (this.#values[i] !== undefined) return this.#keys[i]!;
    return 0;
  }

  #binsearch(i: number, j: number): number {
    while (j - i > 1) {
      const m = (i + j) >>> 1;
      if (this.#array[m - 1] === undefined) j = m;
      else i = m;
    }
    return i;
  }

  #mainPosition(key: number): number {
    return key % ((this.#keys.length - 1) | 1);
  }

  /** The node holding `key` (live or dead), or -1. */
  #find(key: number): number {
    if (this.#dummy) return -1;
    let n = this.#mainPosition(key);
    for (;;) {
      if (this.#keys[n] === key) return n;
      const nx = this.#next[n]!;
      if (nx === 0) return -1;
      n += nx;
    }
  }

  #freePosition(): number {
    if (this.#dummy) return -1;
    if (this.#lastfree >= 0) {
      while (this.#lastfree > 0) {
        const free = --this.#lastfree;
        if (this.#keys[free] === 0) return free;
      }
      return -1;
    }
    for (let i = this.#keys.length - 1; i >= 0; i--) if (this.#keys[i] === 0) return i;
    return -1;
  }

  /** Lua's `insertkey`: false when no node is free. */
  #insertKey(key: number, value: V): boolean {
    let mp = this.#dummy ? 0 : this.#mainPosition(key);
    if (this.#dummy || this.#values[mp] !== undefined) {
      const f = this.#freePosition();
      if (f < 0) return false;
      let other = this.#mainPosition(this.#keys[mp]!);
      if (other !== mp) {
        // The colliding node is out of its main position: move it to the free node.
        while (other + this.#next[other]! !== mp) other += this.#next[other]!;
        this.#next[other] = f - other;
        this.#keys[f] = this.#keys[mp]!;
        this.#values[f] = this.#values[mp];
        this.#next[f] = this.#next[mp]!;
        if (this.#next[mp] !== 0) {
          this.#next[f]! += mp - f;
          this.#next[mp] = 0;
        }
        this.#values[mp] = undefined;
      } else {
        // The colliding node is in its main position: the new key goes to the free node.
        this.#next[f] = this.#next[mp] !== 0 ? mp + this.#next[mp]! - f : 0;
        this.#next[mp] = f - mp;
        mp = f;
      }
    }
    this.#keys[mp] = key;
    this.#values[mp] = value;
    this.#hashUsed++;
    return true;
  }

  #newCheckedKey(key: number, value: V): void {
    if (key >= 1 && key - 1 < this.#array.length) this.#array[key - 1] = value;
    else this.#insertKey(key, value);
  }

  /** Lua's `rehash` for the new key `extra`: recount, size both parts, move everything. */
  #rehash(extra: number): void {
    const nums = new Array<number>(32).fill(0);
    let na = 0;
    let total = 1;
    let deleted = false;
    const count = (k: number): void => {
      nums[ceilLog2(k)]!++;
      na++;
    };
    count(extra);
    if (!this.#dummy) {
      for (let i = 0; i < this.#keys.length; i++) {
        if (this.#values[i] === undefined) {
          if (this.#keys[i] !== 0) deleted = true;
        } else {
          total++;
          count(this.#keys[i]!);
        }
      }
    }
    let asize = this.#array.length;
    if (na > 0) {
      for (let i = 1; i <= this.#array.length; i++) {
        if (this.#array[i - 1] !== undefined) {
          total++;
          count(i);
        }
      }
      // computesizes: the largest 2^i holding more than a third of it in keys, and growing.
      let a = 0;
      let toArray = 0;
      let optimal = 0;
      for (let i = 0, twotoi = 1; twotoi <= 2 ** 31 && twotoi <= na * 3; i++, twotoi *= 2) {
        a += nums[i]!;
        if (nums[i]! > 0 && twotoi <= a * 3) {
          optimal = twotoi;
          toArray = a;
        }
      }
      asize = optimal;
      na = toArray;
    }
    let nsize = total - na;
    if (deleted) nsize += nsize >> 2;
    this.#resize(asize, nsize);
  }

  #resize(asize: number, nsize: number): void {
    const oldArray = this.#array;
    const oldKeys = this.#keys;
    const oldValues = this.#values;
    const oldDummy = this.#dummy;
    this.#setNodeVector(nsize);
    // The vanishing slice of the array goes into the new hash part first.
    for (let i = asize; i < oldArray.length; i++) {
      const v = oldArray[i];
      if (v !== undefined) this.#insertKey(i + 1, v);
    }
    const array = oldArray.slice(0, asize);
    for (let i = oldArray.length; i < asize; i++) array.push(undefined);
    this.#array = array;
    if (asize > 0) this.#hint = asize >>> 1;
    if (!oldDummy) {
      for (let j = 0; j < oldKeys.length; j++) {
        const v = oldValues[j];
        if (v !== undefined) this.#newCheckedKey(oldKeys[j]!, v);
      }
    }
  }

  #setNodeVector(size: number): void {
    this.#hashUsed = 0;
    if (size === 0) {
      this.#dummy = true;
      this.#keys = [];
      this.#values = [];
      this.#next = [];
      this.#lastfree = -1;
      return;
    }
    const lsize = ceilLog2(size);
    const n = 2 ** lsize;
    this.#dummy = false;
    this.#keys = new Array<number>(n).fill(0);
    this.#values = new Array<V | undefined>(n).fill(undefined);
    this.#next = new Array<number>(n).fill(0);
    this.#lastfree = lsize >= 3 ? n : -1;
  }
}

/** ceil(log2(x)) for x >= 1 (Lua's `luaO_ceillog2`). */
function ceilLog2(x: number): number {
  return x <= 1 ? 0 : 32 - Math.clz32(x - 1);
}
