// Long-Lived Graceful Restart (RFC 9494 §3): per family AFI (2), SAFI (1),
// flags (1: F 0x80), long-lived stale time (3 octets, seconds).

import { CapCode } from '../constants.js';
import { tupleCap } from './row.js';

export const llgrCap = tupleCap(CapCode.LONG_LIVED_GRACEFUL_RESTART, 'long-lived-graceful-restart', 7,
  (b, o) => ({ afi: b.readUInt16BE(o), safi: b[o + 2]!, forwarding: (b[o + 3]! & 0x80) !== 0, staleTime: b.readUIntBE(o + 4, 3) }),
  (t, b, o) => {
    if (t.staleTime > 0xffffff) throw new RangeError(`LLGR stale time ${t.staleTime} exceeds 24 bits`);
    b.writeUInt16BE(t.afi, o);
    b[o + 2] = t.safi;
    b[o + 3] = t.forwarding ? 0x80 : 0;
    b.writeUIntBE(t.staleTime, o + 4, 3);
  },
  (families) => ({ kind: 'long-lived-graceful-restart', families }), (c) => c.families);
