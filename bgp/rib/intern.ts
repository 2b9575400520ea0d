// Attribute interning (ARCHITECTURE.md rule 6): structurally identical
// attribute sets become one shared, frozen object, reference counted so that a
// set nobody uses any more is dropped.
//   intern(a)  O(1) when `a` is the input of the previous call (the decoder
//              gives all NLRI of one UPDATE the same object) or is already a
//              canonical object; otherwise one structural hash over every
//              PathAttributes field (unknown attributes by their octets,
//              extended communities as 64-bit values) and a deep comparison
//              with the sets of equal hash.
//   release(a) gives back one reference taken by intern; the set is dropped
//              at zero.
// The first object seen for a set becomes the canonical one (not copied) and
// is frozen, arrays included (Buffers cannot be frozen; they are never
// written). Only the declared PathAttributes fields take part; other own
// properties are ignored.

import type { Aggregator, AsPathSegment, PathAttributes, UnknownAttribute } from '../wire/index.js';

interface Entry {
  readonly attrs: PathAttributes;
  readonly hash: number;
  refs: number;
}

export class AttrInterner {
  private readonly byObject = new Map<PathAttributes, Entry>();
  private readonly byHash = new Map<number, Entry | Entry[]>();
  private lastInput: PathAttributes | undefined;
  private lastEntry: Entry | undefined;

  /** Distinct attribute sets held. */
  get size(): number {
    return this.byObject.size;
  }

  /** The canonical object for `a`'s contents; takes one reference. */
  intern(a: PathAttributes): PathAttributes {
    let e: Entry | undefined = a === this.lastInput ? this.lastEntry : this.byObject.get(a);
    if (e === undefined) {
      const hash = hashAttributes(a);
      e = this.find(a, hash);
      if (e === undefined) {
        e = { attrs: deepFreeze(a), hash, refs: 0 };
        this.byObject.set(a, e);
        const bucket = this.byHash.get(hash);
        if (bucket === undefined) this.byHash.set(hash, e);
        else if (Array.isArray(bucket)) bucket.push(e);
        else this.byHash.set(hash, [bucket, e]);
      }
    }
    e.refs++;
    this.lastInput = a;
    this.lastEntry = e;
    return e.attrs;
  }

  /** Gives back one reference to a canonical set returned by intern. */
  release(a: PathAttributes): void {
    const e = this.byObject.get(a);
    if (e === undefined) throw new Error('release of an attribute set that is not interned');
    if (--e.refs > 0) return;
    this.byObject.delete(a);
    const bucket = this.byHash.get(e.hash);
    if (Array.isArray(bucket)) {
      bucket.splice(bucket.indexOf(e), 1);
      if (bucket.length === 1) this.byHash.set(e.hash, bucket[0]!);
    } else this.byHash.delete(e.hash);
    if (this.lastEntry === e) {
      this.lastInput = undefined;
      this.lastEntry = undefined;
    }
  }

  /** References held on a canonical set (0 when not interned). */
  refs(a: PathAttributes): number {
    return this.byObject.get(a)?.refs ?? 0;
  }

  private find(a: PathAttributes, hash: number): Entry | undefined {
    const bucket = this.byHash.get(hash);
    if (bucket === undefined) return undefined;
    if (!Array.isArray(bucket)) return attributesEqual(bucket.attrs, a) ? bucket : undefined;
    for (const e of bucket) if (attributesEqual(e.attrs, a)) return e;
    return undefined;
  }
}

// ---- structural hash (32-bit FNV-1a style over tagged fields) ----

const mix = (h: number, v: number): number => Math.imul(h ^ v, 0x01000193);

function hashString(h: number, s: string): number {
  h = mix(h, s.length);
  for (let i = 0; i < s.length; i++) h = mix(h, s.charCodeAt(i));
  return h;
}

function hashPath(h: number, path: readonly AsPathSegment[]): number {
  h = mix(h, path.length);
  for (const s of path) {
    h = mix(mix(h, s.type), s.asns.length);
    for (const asn of s.asns) h = mix(h, asn);
  }
  return h;
}

function hashNumbers(h: number, xs: readonly number[]): number {
  h = mix(h, xs.length);
  for (const x of xs) h = mix(h, x);
  return h;
}

export function hashAttributes(a: PathAttributes): number {
  let h = 0x811c9dc5;
  if (a.origin !== undefined) h = mix(mix(h, 1), a.origin);
  if (a.asPath !== undefined) h = hashPath(mix(h, 2), a.asPath);
  if (a.nextHop !== undefined) h = hashString(mix(h, 3), a.nextHop);
  if (a.med !== undefined) h = mix(mix(h, 4), a.med);
  if (a.localPref !== undefined) h = mix(mix(h, 5), a.localPref);
  if (a.atomicAggregate !== undefined) h = mix(h, 6);
  if (a.aggregator !== undefined) h = hashString(mix(mix(h, 7), a.aggregator.asn), a.aggregator.address);
  if (a.communities !== undefined) h = hashNumbers(mix(h, 8), a.communities);
  if (a.originatorId !== undefined) h = hashString(mix(h, 9), a.originatorId);
  if (a.clusterList !== undefined) {
    h = mix(mix(h, 10), a.clusterList.length);
    for (const c of a.clusterList) h = hashString(h, c);
  }
  if (a.extCommunities !== undefined) {
    h = mix(mix(h, 16), a.extCommunities.length);
    for (const x of a.extCommunities) h = mix(mix(h, Number(x >> 32n)), Number(x & 0xffffffffn));
  }
  if (a.as4Path !== undefined) h = hashPath(mix(h, 17), a.as4Path);
  if (a.as4Aggregator !== undefined) h = hashString(mix(mix(h, 18), a.as4Aggregator.asn), a.as4Aggregator.address);
  if (a.largeCommunities !== undefined) {
    h = mix(mix(h, 32), a.largeCommunities.length);
    for (const c of a.largeCommunities) h = mix(mix(mix(h, c[0]), c[1]), c[2]);
  }
  if (a.unknown !== undefined) {
    h = mix(mix(h, 255), a.unknown.length);
    for (const u of a.unknown) {
      h = mix(mix(mix(h, u.type), u.flags), u.value.length);
      for (let i = 0; i < u.value.length; i++) h = mix(h, u.value[i]!);
    }
  }
  return h >>> 0;
}

// ---- structural equality ----

function arraysEqual<T>(a: readonly T[] | undefined, b: readonly T[] | undefined, eq: (x: T, y: T) => boolean): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!eq(a[i]!, b[i]!)) return false;
  return true;
}

const same = <T>(x: T, y: T): boolean => x === y;
const segmentEqual = (x: AsPathSegment, y: AsPathSegment): boolean => x.type === y.type && arraysEqual(x.asns, y.asns, same);
const aggregatorEqual = (x: Aggregator | undefined, y: Aggregator | undefined): boolean =>
  x === y || (x !== undefined && y !== undefined && x.asn === y.asn && x.address === y.address);
const largeEqual = (x: readonly number[], y: readonly number[]): boolean => x[0] === y[0] && x[1] === y[1] && x[2] === y[2];
const unknownEqual = (x: UnknownAttribute, y: UnknownAttribute): boolean => x.type === y.type && x.flags === y.flags && x.value.equals(y.value);

export function attributesEqual(a: PathAttributes, b: PathAttributes): boolean {
  return a === b || (
    a.origin === b.origin && a.nextHop === b.nextHop && a.med === b.med && a.localPref === b.localPref &&
    a.atomicAggregate === b.atomicAggregate && a.originatorId === b.originatorId &&
    arraysEqual(a.asPath, b.asPath, segmentEqual) &&
    aggregatorEqual(a.aggregator, b.aggregator) &&
    arraysEqual(a.communities, b.communities, same) &&
    arraysEqual(a.clusterList, b.clusterList, same) &&
    arraysEqual(a.extCommunities, b.extCommunities, same) &&
    arraysEqual(a.as4Path, b.as4Path, segmentEqual) &&
    aggregatorEqual(a.as4Aggregator, b.as4Aggregator) &&
    arraysEqual(a.largeCommunities, b.largeCommunities, largeEqual) &&
    arraysEqual(a.unknown, b.unknown, unknownEqual)
  );
}

function deepFreeze<T>(x: T): T {
  if (typeof x !== 'object' || x === null || Buffer.isBuffer(x)) return x;
  if (!Object.isFrozen(x)) Object.freeze(x);
  for (const v of Object.values(x)) deepFreeze(v);
  return x;
}
