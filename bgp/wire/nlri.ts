// NLRI lists (RFC 4271 §4.3 withdrawn routes / NLRI fields, RFC 4760 §5
// MP_REACH/MP_UNREACH NLRI) with optional ADD-PATH path identifiers
// (RFC 7911 §3). Each prefix is its length in bits, then the minimum number
// of octets holding it; trailing host bits are cleared on decode.
// Decode is the hot path: one Prefix allocation per NLRI, nothing else.

import { AFI_IPV4, AFI_IPV6, Prefix, type Afi } from './prefix.js';

/**
 * Decode NLRI in buf[start, end) into out. Returns undefined on success, or a
 * short reason when the field is malformed (the caller picks the RFC 7606 action).
 */
export function decodeNlri(
  buf: Buffer, start: number, end: number, afi: Afi, addPath: boolean, out: Prefix[],
): string | undefined {
  const v4 = afi === AFI_IPV4;
  const max = v4 ? 32 : 128;
  let o = start;
  while (o < end) {
    let pathId = 0;
    if (addPath) {
      if (o + 5 > end) return `truncated ADD-PATH NLRI at offset ${o - start}`;
      pathId = buf.readUInt32BE(o);
      o += 4;
    }
    const len = buf[o++]!;
    if (len > max) return `${v4 ? 'IPv4' : 'IPv6'} prefix length ${len} > ${max}`;
    const n = (len + 7) >> 3;
    if (o + n > end) return `${v4 ? 'IPv4' : 'IPv6'} prefix /${len} runs past the end of the field`;
    out.push(v4 ? readV4(buf, o, n, len, pathId) : readV6(buf, o, n, len, pathId));
    o += n;
  }
  return undefined;
}

function readV4(buf: Buffer, o: number, n: number, len: number, pathId: number): Prefix {
  let a = 0;
  switch (n) {
    case 4: a = ((buf[o]! << 24) | (buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!) >>> 0; break;
    case 3: a = ((buf[o]! << 24) | (buf[o + 1]! << 16) | (buf[o + 2]! << 8)) >>> 0; break;
    case 2: a = ((buf[o]! << 24) | (buf[o + 1]! << 16)) >>> 0; break;
    case 1: a = (buf[o]! << 24) >>> 0; break;
  }
  if ((len & 7) !== 0) a = (a & (0xffffffff << (32 - len))) >>> 0;
  return new Prefix(AFI_IPV4, len, a, 0, 0, 0, pathId);
}

const words: [number, number, number, number] = [0, 0, 0, 0];

function readV6(buf: Buffer, o: number, n: number, len: number, pathId: number): Prefix {
  words[0] = words[1] = words[2] = words[3] = 0;
  for (let i = 0; i < n; i++) words[i >> 2] = (words[i >> 2]! | (buf[o + i]! << (24 - 8 * (i & 3)))) >>> 0;
  return Prefix.v6(words, len, pathId);
}

/** Encoded size of one prefix. */
export function nlriSize(p: Prefix, addPath: boolean): number {
  return (addPath ? 5 : 1) + ((p.length + 7) >> 3);
}

/** Write one prefix at off; returns the offset after it. */
export function writeNlri(p: Prefix, addPath: boolean, buf: Buffer, off: number): number {
  if (addPath) {
    buf.writeUInt32BE(p.pathId >>> 0, off);
    off += 4;
  }
  const len = p.length;
  buf[off++] = len;
  const n = (len + 7) >> 3;
  if (p.afi === AFI_IPV4) {
    const a = p.w0;
    if (n > 0) buf[off] = a >>> 24;
    if (n > 1) buf[off + 1] = (a >>> 16) & 255;
    if (n > 2) buf[off + 2] = (a >>> 8) & 255;
    if (n > 3) buf[off + 3] = a & 255;
    return off + n;
  }
  for (let i = 0; i < n; i++) {
    const word = i < 4 ? p.w0 : i < 8 ? p.w1 : i < 12 ? p.w2 : p.w3;
    buf[off + i] = (word >>> (24 - 8 * (i & 3))) & 255;
  }
  return off + n;
}

export function isAfi(afi: number): afi is Afi {
  return afi === AFI_IPV4 || afi === AFI_IPV6;
}
