// Prefix: an IPv4 or IPv6 prefix with its ADD-PATH path identifier (RFC 7911),
// in a compact monomorphic form: the address as four unsigned 32-bit words
// (IPv4 uses w0 only), host bits always zero. Decoding an UPDATE allocates one
// of these per NLRI and nothing else per prefix; the bench compares this with
// ip-num objects (see README).

import { ipv4ToString, ipv6ToString, parseIpv4, parseIpv6 } from './address.js';

export const AFI_IPV4 = 1;
export const AFI_IPV6 = 2;
export type Afi = typeof AFI_IPV4 | typeof AFI_IPV6;

export class Prefix {
  constructor(
    readonly afi: Afi,
    readonly length: number,
    readonly w0: number,
    readonly w1: number,
    readonly w2: number,
    readonly w3: number,
    /** ADD-PATH path identifier; 0 when the session does not use ADD-PATH. */
    readonly pathId: number,
  ) {}

  static v4(addr: number, length: number, pathId = 0): Prefix {
    return new Prefix(AFI_IPV4, length, maskWord(addr, length), 0, 0, 0, pathId);
  }

  static v6(w: readonly [number, number, number, number], length: number, pathId = 0): Prefix {
    return new Prefix(
      AFI_IPV6, length,
      maskWord(w[0], length), maskWord(w[1], length - 32), maskWord(w[2], length - 64), maskWord(w[3], length - 96),
      pathId,
    );
  }

  /** "100.64.0.1/32" or "2001:db8::/64"; host bits are cleared. Throws on bad text. */
  static parse(text: string, pathId = 0): Prefix {
    const p = tryParsePrefix(text, pathId);
    if (!p) throw new TypeError(`not a prefix: ${JSON.stringify(text)}`);
    return p;
  }

  withPathId(pathId: number): Prefix {
    return new Prefix(this.afi, this.length, this.w0, this.w1, this.w2, this.w3, pathId);
  }

  /** Address text without the length. */
  address(): string {
    return this.afi === AFI_IPV4 ? ipv4ToString(this.w0) : ipv6ToString(this.w0, this.w1, this.w2, this.w3);
  }

  toString(): string {
    return `${this.address()}/${this.length}`;
  }

  equals(o: Prefix): boolean {
    return this.afi === o.afi && this.length === o.length && this.w0 === o.w0 && this.w1 === o.w1 &&
      this.w2 === o.w2 && this.w3 === o.w3 && this.pathId === o.pathId;
  }
}

/** Keep the top `bits` bits of a 32-bit word (bits may be <= 0 or >= 32). */
export function maskWord(w: number, bits: number): number {
  if (bits <= 0) return 0;
  if (bits >= 32) return w >>> 0;
  return (w & (0xffffffff << (32 - bits))) >>> 0;
}

export function tryParsePrefix(text: string, pathId = 0): Prefix | undefined {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const lenText = slash < 0 ? undefined : text.slice(slash + 1);
  if (lenText !== undefined && !/^\d{1,3}$/.test(lenText)) return undefined;
  if (addr.includes(':')) {
    const w = parseIpv6(addr);
    const len = lenText === undefined ? 128 : Number(lenText);
    if (!w || len > 128) return undefined;
    return Prefix.v6(w, len, pathId);
  }
  const n = parseIpv4(addr);
  const len = lenText === undefined ? 32 : Number(lenText);
  if (n === undefined || len > 32) return undefined;
  return Prefix.v4(n, len, pathId);
}
