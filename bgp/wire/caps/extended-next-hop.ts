// Extended Next Hop Encoding (RFC 8950 §3): tuples of NLRI AFI (2),
// NLRI SAFI (2), next hop AFI (2).

import { CapCode } from '../constants.js';
import { tupleCap } from './row.js';

export const extendedNextHopCap = tupleCap(CapCode.EXTENDED_NEXT_HOP, 'extended-next-hop', 6,
  (b, o) => ({ afi: b.readUInt16BE(o), safi: b.readUInt16BE(o + 2), nextHopAfi: b.readUInt16BE(o + 4) }),
  (t, b, o) => {
    b.writeUInt16BE(t.afi, o);
    b.writeUInt16BE(t.safi, o + 2);
    b.writeUInt16BE(t.nextHopAfi, o + 4);
  },
  (entries) => ({ kind: 'extended-next-hop', entries }), (c) => c.entries);
