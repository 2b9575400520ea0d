// NEXT_HOP (RFC 4271 §5.1.3): well-known, mandatory when the UPDATE carries
// IPv4 NLRI in its NLRI field; 4 octets. Wrong length: treat-as-withdraw
// (RFC 7606 §7.3). Semantic checks (own address, martians) need the session
// and are done above the wire layer.

import { AttrType } from '../constants.js';
import { ipv4Row } from './row.js';

export const nextHopRow = ipv4Row(AttrType.NEXT_HOP, 'NEXT_HOP', 'nextHop', false, true);
