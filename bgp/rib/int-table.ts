// IntTable: a hash table from 32-bit integer keys to values, for the IPv4
// side of the prefix tables (one per prefix length, keyed by the address).
// Open addressing with linear probing: keys in an Int32Array, values in a
// plain array (undefined = empty slot, TOMB = deleted), load at most 3/4.
// Against a Map with Smi keys (~29 B per entry, ~56 B right after it doubles)
// this takes 12 B per slot (16-32 B per entry) and each operation touches
// two arrays instead of a chained bucket list; measured in bench/rib.bench.ts.
// Deletion leaves a tombstone (cleared when the next slot is empty), so
// iteration may continue across deletes and value replacements; inserting
// new keys while iterating is not supported (a rehash reorders slots).

const TOMB: unique symbol = Symbol('deleted');
type Slot<V> = V | undefined | typeof TOMB;

const MIN_CAPACITY = 8;

// Each table mixes its own random seed into the hash. Without it, a table
// filled in another table's slot order (one speaker's Adj-RIB-Out drained
// into the next one's Adj-RIB-In) receives keys already sorted by hash, and
// linear probing degrades to long clusters (seen: 270k → 18k routes/s).
function hashOf(k: number, seed: number): number {
  let h = Math.imul(k ^ seed, 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h;
}

export class IntTable<V> {
  private readonly seed = (Math.random() * 0x100000000) | 0;
  private keys = new Int32Array(MIN_CAPACITY);
  private vals: Slot<V>[] = new Array<Slot<V>>(MIN_CAPACITY).fill(undefined);
  private mask = MIN_CAPACITY - 1;
  private live = 0;
  /** Slots in use: live entries plus tombstones. */
  private used = 0;
  /** Slots visited by set() since creation (a health figure for tests and benchmarks). */
  probes = 0;

  get size(): number {
    return this.live;
  }

  get(k: number): V | undefined {
    const keys = this.keys, vals = this.vals, mask = this.mask;
    for (let i = hashOf(k, this.seed) & mask; ; i = (i + 1) & mask) {
      const v = vals[i];
      if (v === undefined) return undefined;
      if (keys[i] === k && v !== TOMB) return v;
    }
  }

  /** Sets the value; true when the key is new. */
  set(k: number, value: V): boolean {
    const keys = this.keys, vals = this.vals, mask = this.mask;
    let tomb = -1;
    let i = hashOf(k, this.seed) & mask;
    for (; ; i = (i + 1) & mask) {
      this.probes++;
      const v = vals[i];
      if (v === undefined) break;
      if (v === TOMB) {
        if (tomb < 0) tomb = i;
      } else if (keys[i] === k) {
        vals[i] = value;
        return false;
      }
    }
    if (tomb >= 0) i = tomb;
    else if ((this.used + 1) * 4 > (mask + 1) * 3) {
      this.rehash(this.live + 1);
      return this.set(k, value);
    } else this.used++;
    keys[i] = k;
    vals[i] = value;
    this.live++;
    return true;
  }

  /** Deletes the key; returns its value. */
  delete(k: number): V | undefined {
    const keys = this.keys, vals = this.vals, mask = this.mask;
    for (let i = hashOf(k, this.seed) & mask; ; i = (i + 1) & mask) {
      const v = vals[i];
      if (v === undefined) return undefined;
      if (v === TOMB || keys[i] !== k) continue;
      this.live--;
      if (vals[(i + 1) & mask] !== undefined) {
        vals[i] = TOMB;
        return v;
      }
      // The run ends here: this slot and the tombstones before it become empty.
      vals[i] = undefined;
      this.used--;
      for (let j = (i - 1) & mask; vals[j] === TOMB; j = (j - 1) & mask) {
        vals[j] = undefined;
        this.used--;
      }
      if (this.live === 0) this.clear();
      return v;
    }
  }

  clear(): void {
    this.keys = new Int32Array(MIN_CAPACITY);
    this.vals = new Array<Slot<V>>(MIN_CAPACITY).fill(undefined);
    this.mask = MIN_CAPACITY - 1;
    this.live = 0;
    this.used = 0;
  }

  *values(): IterableIterator<V> {
    for (let i = 0; i < this.vals.length; i++) {
      const v = this.vals[i];
      if (v !== undefined && v !== TOMB) yield v;
    }
  }

  /** Mean and longest probe sequence over the live keys (a health check for tests and benchmarks). */
  probeStats(): { mean: number; max: number } {
    let total = 0, max = 0;
    for (let j = 0; j < this.vals.length; j++) {
      const v = this.vals[j];
      if (v === undefined || v === TOMB) continue;
      const home = hashOf(this.keys[j]!, this.seed) & this.mask;
      const d = ((j - home) & this.mask) + 1;
      total += d;
      if (d > max) max = d;
    }
    return { mean: this.live ? total / this.live : 0, max };
  }

  /** Keys in slot order. */
  *keysInSlotOrder(): IterableIterator<number> {
    for (let i = 0; i < this.vals.length; i++) {
      const v = this.vals[i];
      if (v !== undefined && v !== TOMB) yield this.keys[i]!;
    }
  }

  /** Rebuilds for `n` entries at load ≤ 1/2 (drops tombstones). */
  private rehash(n: number): void {
    let cap = MIN_CAPACITY;
    while (cap < n * 2) cap *= 2;
    const oldKeys = this.keys, oldVals = this.vals;
    const keys = new Int32Array(cap);
    const vals = new Array<Slot<V>>(cap).fill(undefined);
    const mask = cap - 1;
    for (let j = 0; j < oldVals.length; j++) {
      const v = oldVals[j];
      if (v === undefined || v === TOMB) continue;
      const k = oldKeys[j]!;
      let i = hashOf(k, this.seed) & mask;
      while (vals[i] !== undefined) i = (i + 1) & mask;
      keys[i] = k;
      vals[i] = v;
    }
    this.keys = keys;
    this.vals = vals;
    this.mask = mask;
    this.used = this.live;
  }
}
