// AGGREGATOR (RFC 4271 §5.1.7; 8 octets on 4-octet-AS sessions, 6 otherwise,
// RFC 6793 §3) and AS4_AGGREGATOR (RFC 6793 §3, always 8 octets): AS number
// then an IPv4 address. Malformed: attribute discard (RFC 7606 §7.7,
// RFC 6793 §6). On a 2-octet session an ASN above 65535 is written as AS_TRANS.

import { AS_TRANS, AttrType } from '../constants.js';
import { readIpv4, writeIpv4 } from '../address.js';
import { lengthProblem, type AttrRow } from './row.js';

export const aggregatorRow: AttrRow<'aggregator'> = {
  type: AttrType.AGGREGATOR, name: 'AGGREGATOR', key: 'aggregator', optional: true, transitive: true,
  onError: 'attribute-discard',
  decode(value, ctx) {
    const want = ctx.as4 ? 8 : 6;
    if (value.length !== want) return lengthProblem('AGGREGATOR', value.length, String(want));
    return ctx.as4
      ? { asn: value.readUInt32BE(0), address: readIpv4(value, 4) }
      : { asn: value.readUInt16BE(0), address: readIpv4(value, 2) };
  },
  size: (_v, ctx) => (ctx.as4 ? 8 : 6),
  write(v, buf, off, ctx) {
    if (ctx.as4) {
      buf.writeUInt32BE(v.asn, off);
      writeIpv4(v.address, buf, off + 4);
    } else {
      buf.writeUInt16BE(v.asn > 0xffff ? AS_TRANS : v.asn, off);
      writeIpv4(v.address, buf, off + 2);
    }
  },
};

export const as4AggregatorRow: AttrRow<'as4Aggregator'> = {
  type: AttrType.AS4_AGGREGATOR, name: 'AS4_AGGREGATOR', key: 'as4Aggregator', optional: true, transitive: true,
  onError: 'attribute-discard',
  decode: (value) =>
    value.length === 8
      ? { asn: value.readUInt32BE(0), address: readIpv4(value, 4) }
      : lengthProblem('AS4_AGGREGATOR', value.length, '8'),
  size: () => 8,
  write(v, buf, off) {
    buf.writeUInt32BE(v.asn, off);
    writeIpv4(v.address, buf, off + 4);
  },
};
