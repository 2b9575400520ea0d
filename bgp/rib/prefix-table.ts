// Prefix-keyed tables shared by the RIBs.
// PrefixTable: keyed by prefix without path ID. IPv4 uses one IntTable per
// prefix length keyed by `w0 | 0` (int-table.ts: 16-32 B per entry). A Map
// keyed by w0 * 64 + length, the obvious choice, costs 45 B per entry at 10^6
// entries (the key does not fit a Smi and is boxed) and is slower; a Map with
// Smi keys costs 28-56 B. IPv6 uses one Map keyed by v6Key.
// PathIdTable: keyed by prefix and ADD-PATH path ID (RFC 7911). The common
// case, path ID 0 alone, stores the value directly; other path IDs share a
// small Slots object per prefix (parallel arrays, ADD-PATH peers send few
// paths per prefix).
// Entries may be deleted or their values replaced while iterating; adding new
// prefixes while iterating is not supported.

import { AFI_IPV4, type Afi, type Prefix } from '../wire/index.js';
import { IntTable } from './int-table.js';
import { v6Key } from './path.js';

export class PrefixTable<V> {
  private readonly v4: (IntTable<V> | undefined)[] = new Array<IntTable<V> | undefined>(33).fill(undefined);
  private readonly v6 = new Map<string, V>();
  private v4Count = 0;

  get size(): number {
    return this.v4Count + this.v6.size;
  }

  get(p: Prefix): V | undefined {
    return p.afi === AFI_IPV4 ? this.v4[p.length]?.get(p.w0 | 0) : this.v6.get(v6Key(p));
  }

  /** Sets the value; true when the prefix was not in the table. */
  set(p: Prefix, v: V): boolean {
    if (p.afi !== AFI_IPV4) {
      const n = this.v6.size;
      return this.v6.set(v6Key(p), v).size !== n;
    }
    let m = this.v4[p.length];
    if (m === undefined) this.v4[p.length] = m = new IntTable();
    if (!m.set(p.w0 | 0, v)) return false;
    this.v4Count++;
    return true;
  }

  delete(p: Prefix): boolean {
    if (p.afi !== AFI_IPV4) return this.v6.delete(v6Key(p));
    const m = this.v4[p.length];
    if (m === undefined || m.delete(p.w0 | 0) === undefined) return false;
    this.v4Count--;
    return true;
  }

  clear(): void {
    this.v4.fill(undefined);
    this.v6.clear();
    this.v4Count = 0;
  }

  /** Values, IPv4 (by length) then IPv6, or of one address family. */
  *values(afi?: Afi): IterableIterator<V> {
    if (afi === undefined || afi === AFI_IPV4) {
      for (const m of this.v4) if (m !== undefined) yield* m.values();
    }
    if (afi === undefined || afi !== AFI_IPV4) yield* this.v6.values();
  }
}

/** The path IDs and values of one prefix when a path ID other than 0 is present. */
class Slots<V> {
  readonly ids: number[] = [];
  readonly vals: V[] = [];
}

export class PathIdTable<V> {
  private readonly t = new PrefixTable<V | Slots<V>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(p: Prefix): V | undefined {
    const e = this.t.get(p);
    if (e instanceof Slots) {
      const i = e.ids.indexOf(p.pathId);
      return i < 0 ? undefined : e.vals[i];
    }
    return p.pathId === 0 ? e : undefined;
  }

  /** Sets the value of (prefix, path ID); returns the previous one. */
  set(p: Prefix, v: V): V | undefined {
    const e = this.t.get(p);
    if (e === undefined) {
      if (p.pathId === 0) this.t.set(p, v);
      else this.t.set(p, slotsOf(p.pathId, v));
      this.count++;
      return undefined;
    }
    if (e instanceof Slots) {
      const i = e.ids.indexOf(p.pathId);
      if (i >= 0) {
        const prev = e.vals[i];
        e.vals[i] = v;
        return prev;
      }
      e.ids.push(p.pathId);
      e.vals.push(v);
      this.count++;
      return undefined;
    }
    if (p.pathId === 0) {
      this.t.set(p, v);
      return e;
    }
    const s = slotsOf<V>(0, e as V);
    s.ids.push(p.pathId);
    s.vals.push(v);
    this.t.set(p, s);
    this.count++;
    return undefined;
  }

  /** Deletes (prefix, path ID); returns the value it had. */
  delete(p: Prefix): V | undefined {
    const e = this.t.get(p);
    if (e === undefined) return undefined;
    if (!(e instanceof Slots)) {
      if (p.pathId !== 0) return undefined;
      this.t.delete(p);
      this.count--;
      return e;
    }
    const i = e.ids.indexOf(p.pathId);
    if (i < 0) return undefined;
    const prev = e.vals[i];
    e.ids.splice(i, 1);
    e.vals.splice(i, 1);
    this.count--;
    if (e.ids.length === 0) this.t.delete(p);
    else if (e.ids.length === 1 && e.ids[0] === 0) this.t.set(p, e.vals[0]!);
    return prev;
  }

  clear(): void {
    this.t.clear();
    this.count = 0;
  }

  /** All values; do not delete while iterating (collect first). */
  *values(afi?: Afi): IterableIterator<V> {
    for (const e of this.t.values(afi)) {
      if (e instanceof Slots) yield* e.vals;
      else yield e;
    }
  }
}

function slotsOf<V>(id: number, v: V): Slots<V> {
  const s = new Slots<V>();
  s.ids.push(id);
  s.vals.push(v);
  return s;
}
