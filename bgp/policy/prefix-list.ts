// Prefix lists compiled to numeric range checks (the BIRD / FRR prefix-list
// semantics): an entry (network N/len, range lo..hi) matches a route prefix
// P/plen of the same address family when lo <= plen <= hi and the first `len`
// bits of P equal N. Since lo >= len, P then lies inside N/len.
// Entries live in one Int32Array per family, [addr, mask, lo, hi] for IPv4
// and [w0..w3, m0..m3, lo, hi] for IPv6, so a match is a loop of integer
// XOR/AND compares with no strings and no allocation. A route of a family the
// list has no entry for never matches.

import { AFI_IPV4, type Prefix } from '../wire/index.js';

export interface PrefixRange {
  readonly network: Prefix;
  /** Shortest and longest matching prefix length, network.length <= lo <= hi <= max. */
  readonly lo: number;
  readonly hi: number;
}

export interface CompiledPrefixList {
  /** [addr, mask, lo, hi] per IPv4 entry, or null when the list has none. */
  readonly v4: Int32Array | null;
  /** [w0, w1, w2, w3, m0, m1, m2, m3, lo, hi] per IPv6 entry, or null. */
  readonly v6: Int32Array | null;
}

const V4_STRIDE = 4;
const V6_STRIDE = 10;

/** Mask of the top `bits` bits of a 32-bit word as a signed int32 (bits <= 0: none, >= 32: all). */
function maskBits(bits: number): number {
  if (bits <= 0) return 0;
  if (bits >= 32) return -1;
  return -1 << (32 - bits);
}

export function compilePrefixList(ranges: readonly PrefixRange[]): CompiledPrefixList {
  const v4 = ranges.filter((r) => r.network.afi === AFI_IPV4);
  const v6 = ranges.filter((r) => r.network.afi !== AFI_IPV4);
  let t4: Int32Array | null = null;
  let t6: Int32Array | null = null;
  if (v4.length > 0) {
    t4 = new Int32Array(v4.length * V4_STRIDE);
    v4.forEach((r, i) => t4!.set([r.network.w0 | 0, maskBits(r.network.length), r.lo, r.hi], i * V4_STRIDE));
  }
  if (v6.length > 0) {
    t6 = new Int32Array(v6.length * V6_STRIDE);
    v6.forEach((r, i) => {
      const n = r.network;
      t6!.set([n.w0 | 0, n.w1 | 0, n.w2 | 0, n.w3 | 0,
        maskBits(n.length), maskBits(n.length - 32), maskBits(n.length - 64), maskBits(n.length - 96), r.lo, r.hi], i * V6_STRIDE);
    });
  }
  return { v4: t4, v6: t6 };
}

/** Whether any entry of the list matches `p`. */
export function prefixListMatches(list: CompiledPrefixList, p: Prefix): boolean {
  const len = p.length;
  if (p.afi === AFI_IPV4) {
    const t = list.v4;
    if (t === null) return false;
    const w0 = p.w0;
    for (let i = 0; i < t.length; i += V4_STRIDE) {
      if (len >= t[i + 2]! && len <= t[i + 3]! && ((w0 ^ t[i]!) & t[i + 1]!) === 0) return true;
    }
    return false;
  }
  const t = list.v6;
  if (t === null) return false;
  const { w0, w1, w2, w3 } = p;
  for (let i = 0; i < t.length; i += V6_STRIDE) {
    if (len >= t[i + 8]! && len <= t[i + 9]! &&
      ((w0 ^ t[i]!) & t[i + 4]!) === 0 && ((w1 ^ t[i + 1]!) & t[i + 5]!) === 0 &&
      ((w2 ^ t[i + 2]!) & t[i + 6]!) === 0 && ((w3 ^ t[i + 3]!) & t[i + 7]!) === 0) return true;
  }
  return false;
}
