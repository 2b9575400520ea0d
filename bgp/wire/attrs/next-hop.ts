// NEXT_HOP (RFC 4271 §5.1.3): well-known, mandatory when the UPDATE carries
// IPv4 NLRI in its NLRI field; 4 octets. Wrong length: treat-as-withdraw
// (RFC 7606 §7.3). Semantic checks (own address, martians) need the session
// and are done above the wire layer.

import { AttrType } from '../constants.js';
import { readIpv4, writeIpv4 } from '../address.js';
import { lengthProblem, type AttrRow } from './row.js';

export const nextHopRow: AttrRow<'nextHop'> = {
  type: AttrType.NEXT_HOP, name: 'NEXT_HOP', key: 'nextHop', optional: false, transitive: true,
  onError: 'treat-as-withdraw',
  decode: (value) => (value.length === 4 ? readIpv4(value, 0) : lengthProblem('NEXT_HOP', value.length, '4')),
  size: () => 4,
  write: (v, buf, off) => writeIpv4(v, buf, off),
};
