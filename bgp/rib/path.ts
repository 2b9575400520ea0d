// A path: one route to one prefix, as learned from one source (a peer, or this
// speaker for locally originated routes). Paths are immutable; the attribute
// set is interned (intern.ts), so the many paths sharing a set share one
// object. Memory per route is what matters at 10^6 routes, so:
//   - makePath builds every path with one hidden class (RibPath), and
//     classicNextHop shares one [NEXT_HOP] array per attribute set instead of
//     allocating one per path;
//   - prefixKey identifies a prefix without its ADD-PATH path ID: a number for
//     IPv4 (w0 * 64 + length), a short string for IPv6 (length, then the
//     16-bit chunks that the length covers, as UTF-16 code units).
// The tables in prefix-table.ts key IPv4 by (length, w0 | 0) instead, which
// keeps Map keys small integers (no boxed number per entry).

import { AFI_IPV4, Prefix, type FamilyName, type PathAttributes } from '../wire/index.js';

export interface PathSource {
  /** Small integer per peer (0 = locally originated). */
  readonly id: number;
  /** Peer address ('' for local). */
  readonly address: string;
  readonly peerAs: number;
  readonly routerId: string;
  readonly ibgp: boolean;
  /** Originated by this speaker. */
  readonly local: boolean;
}

export interface Path {
  /** As received (pathId = the peer's ADD-PATH id, 0 otherwise). */
  readonly prefix: Prefix;
  readonly family: FamilyName;
  /** Interned (identical sets are one object); NEXT_HOP for classic IPv4 lives in attrs.nextHop. */
  readonly attrs: PathAttributes;
  /** The effective next hop(s): [attrs.nextHop] for classic IPv4, MP next hops otherwise. */
  readonly nextHop: readonly string[];
  readonly source: PathSource;
  readonly igpCost?: number;
}

/** The concrete path class: one hidden class for all paths (monomorphic RIB code). */
export class RibPath implements Path {
  constructor(
    readonly prefix: Prefix,
    readonly family: FamilyName,
    readonly attrs: PathAttributes,
    readonly nextHop: readonly string[],
    readonly source: PathSource,
    readonly igpCost: number | undefined = undefined,
  ) {}
}

export function makePath(
  prefix: Prefix, attrs: PathAttributes, source: PathSource,
  nextHop: readonly string[] = classicNextHop(attrs), igpCost?: number, family: FamilyName = familyOf(prefix),
): Path {
  return new RibPath(prefix, family, attrs, nextHop, source, igpCost);
}

export const LOCAL_SOURCE: PathSource = Object.freeze({ id: 0, address: '', peerAs: 0, routerId: '', ibgp: false, local: true });

export function familyOf(p: Prefix): FamilyName {
  return p.afi === AFI_IPV4 ? 'ipv4-unicast' : 'ipv6-unicast';
}

const NO_NEXT_HOP: readonly string[] = Object.freeze([]);
const nextHopArrays = new WeakMap<PathAttributes, readonly string[]>();
let lastAttrs: PathAttributes | undefined;
let lastNextHop: readonly string[] = NO_NEXT_HOP;

/** [attrs.nextHop], one shared frozen array per attribute object ([] without NEXT_HOP). */
export function classicNextHop(attrs: PathAttributes): readonly string[] {
  if (attrs === lastAttrs) return lastNextHop;
  let nh = nextHopArrays.get(attrs);
  if (nh === undefined) {
    nh = attrs.nextHop === undefined ? NO_NEXT_HOP : Object.freeze([attrs.nextHop]);
    nextHopArrays.set(attrs, nh);
  }
  lastAttrs = attrs;
  lastNextHop = nh;
  return nh;
}

/** Identity of the prefix without its path ID: a number for IPv4, a compact string for IPv6. */
export function prefixKey(p: Prefix): number | string {
  return p.afi === AFI_IPV4 ? p.w0 * 64 + p.length : v6Key(p);
}

/** The IPv6 form of prefixKey: the length, then ceil(length / 16) 16-bit chunks. */
export function v6Key(p: Prefix): string {
  const n = (p.length + 15) >> 4;
  const c = String.fromCharCode;
  switch (n) {
    case 0: return c(p.length);
    case 1: return c(p.length, p.w0 >>> 16);
    case 2: return c(p.length, p.w0 >>> 16, p.w0 & 0xffff);
    case 3: return c(p.length, p.w0 >>> 16, p.w0 & 0xffff, p.w1 >>> 16);
    case 4: return c(p.length, p.w0 >>> 16, p.w0 & 0xffff, p.w1 >>> 16, p.w1 & 0xffff);
    default: {
      const words = [p.w0, p.w1, p.w2, p.w3];
      const codes = [p.length];
      for (let i = 0; i < n; i++) codes.push(i & 1 ? words[i >> 1]! & 0xffff : words[i >> 1]! >>> 16);
      return c(...codes);
    }
  }
}

/** The prefix (path ID 0) that prefixKey mapped to `key`. */
export function prefixFromKey(key: number | string): Prefix {
  if (typeof key === 'number') {
    const length = key % 64;
    return Prefix.v4((key - length) / 64, length);
  }
  const w = [0, 0, 0, 0];
  for (let i = 1; i < key.length; i++) {
    const chunk = key.charCodeAt(i);
    const j = (i - 1) >> 1;
    w[j] = (i & 1 ? chunk * 65536 : w[j]! + chunk) >>> 0;
  }
  return Prefix.v6(w as [number, number, number, number], key.charCodeAt(0));
}

/** The prefix with path ID 0 (the same object when it already is). */
export function withoutPathId(p: Prefix): Prefix {
  return p.pathId === 0 ? p : p.withPathId(0);
}
