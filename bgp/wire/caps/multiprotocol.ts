// Multiprotocol Extensions (RFC 4760 §8): AFI (2), reserved (1), SAFI (1).

import { CapCode } from '../constants.js';
import type { CapRow } from './row.js';

export const multiprotocolCap: CapRow<'multiprotocol'> = {
  code: CapCode.MULTIPROTOCOL, kind: 'multiprotocol',
  decode: (v) => (v.length === 4 ? { kind: 'multiprotocol', afi: v.readUInt16BE(0), safi: v[3]! } : `multiprotocol capability has length ${v.length}, expected 4`),
  size: () => 4,
  write(c, b, o) {
    b.writeUInt16BE(c.afi, o);
    b[o + 2] = 0;
    b[o + 3] = c.safi;
  },
};
