// AS_PATH (RFC 4271 §4.3, §5.1.2) and AS4_PATH (RFC 6793 §3): a list of
// segments (type, count, ASNs). AS_PATH ASNs are 4 octets on a 4-octet-AS
// session and 2 octets otherwise; AS4_PATH is always 4 octets.
// On a 2-octet session ASNs above 65535 are written as AS_TRANS (the
// encoder adds AS4_PATH, see encode.ts).
// Malformed AS_PATH (overrun, underrun, zero-length segment, unknown type):
// treat-as-withdraw (RFC 7606 §7.2). Malformed AS4_PATH: attribute discard
// (RFC 6793 §6, RFC 7606 §7.2).

import { AS_TRANS, AttrType } from '../constants.js';
import { AttrProblem, type AttrContext, type AttrRow } from './row.js';
import type { AsPathSegment } from './types.js';

const MALFORMED_AS_PATH = 11;
const OPTIONAL_ATTRIBUTE_ERROR = 9;

function decodeSegments(value: Buffer, asnSize: 2 | 4, name: string, subcode: number): AsPathSegment[] | AttrProblem {
  const out: AsPathSegment[] = [];
  let o = 0;
  while (o < value.length) {
    if (o + 2 > value.length) return new AttrProblem(subcode, `${name}: ${value.length - o} octet(s) left, too few for a segment header`);
    const type = value[o]!;
    const count = value[o + 1]!;
    if (type < 1 || type > 4) return new AttrProblem(subcode, `${name}: unknown segment type ${type}`);
    if (count === 0) return new AttrProblem(subcode, `${name}: segment of length 0`);
    o += 2;
    if (o + count * asnSize > value.length) return new AttrProblem(subcode, `${name}: segment of ${count} ASNs runs past the attribute`);
    const asns = new Array<number>(count);
    for (let i = 0; i < count; i++, o += asnSize) asns[i] = asnSize === 4 ? value.readUInt32BE(o) : value.readUInt16BE(o);
    out.push({ type, asns });
  }
  return out;
}

function segmentsSize(v: readonly AsPathSegment[], asnSize: number): number {
  let n = 0;
  for (const s of v) n += 2 + s.asns.length * asnSize;
  return n;
}

function writeSegments(v: readonly AsPathSegment[], buf: Buffer, off: number, asnSize: 2 | 4): void {
  for (const s of v) {
    if (s.asns.length === 0 || s.asns.length > 255) throw new RangeError(`AS path segment with ${s.asns.length} ASNs cannot be encoded`);
    buf[off++] = s.type;
    buf[off++] = s.asns.length;
    for (const asn of s.asns) {
      if (asnSize === 4) buf.writeUInt32BE(asn, off);
      else buf.writeUInt16BE(asn > 0xffff ? AS_TRANS : asn, off);
      off += asnSize;
    }
  }
}

const asnSize = (ctx: AttrContext): 2 | 4 => (ctx.as4 ? 4 : 2);

export const asPathRow: AttrRow<'asPath'> = {
  type: AttrType.AS_PATH, name: 'AS_PATH', key: 'asPath', optional: false, transitive: true,
  onError: 'treat-as-withdraw',
  decode: (value, ctx) => decodeSegments(value, asnSize(ctx), 'AS_PATH', MALFORMED_AS_PATH),
  size: (v, ctx) => segmentsSize(v, asnSize(ctx)),
  write: (v, buf, off, ctx) => writeSegments(v, buf, off, asnSize(ctx)),
};

export const as4PathRow: AttrRow<'as4Path'> = {
  type: AttrType.AS4_PATH, name: 'AS4_PATH', key: 'as4Path', optional: true, transitive: true,
  onError: 'attribute-discard',
  decode(value) {
    const segs = decodeSegments(value, 4, 'AS4_PATH', OPTIONAL_ATTRIBUTE_ERROR);
    if (segs instanceof AttrProblem) return segs;
    if (segs.length === 0) return new AttrProblem(OPTIONAL_ATTRIBUTE_ERROR, 'AS4_PATH is empty');
    if (segs.some((s) => s.type > 2)) return new AttrProblem(OPTIONAL_ATTRIBUTE_ERROR, 'AS4_PATH carries confederation segments (RFC 6793 §6)');
    return segs;
  },
  size: (v) => segmentsSize(v, 4),
  write: (v, buf, off) => writeSegments(v, buf, off, 4),
};
