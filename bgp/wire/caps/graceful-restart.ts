// Graceful Restart (RFC 4724 §3): restart flags (4 bits: R 0x8, N 0x4 from
// RFC 8538) and restart time (12 bits), then per family AFI (2), SAFI (1),
// flags (1: F 0x80 = forwarding state preserved).

import { CapCode } from '../constants.js';
import type { CapRow } from './row.js';

export const gracefulRestartCap: CapRow<'graceful-restart'> = {
  code: CapCode.GRACEFUL_RESTART, kind: 'graceful-restart',
  decode(v) {
    if (v.length < 2 || (v.length - 2) % 4 !== 0) return `graceful-restart capability length ${v.length} is not 2 + 4n`;
    const head = v.readUInt16BE(0);
    const families = [];
    for (let o = 2; o < v.length; o += 4) families.push({ afi: v.readUInt16BE(o), safi: v[o + 2]!, forwarding: (v[o + 3]! & 0x80) !== 0 });
    return { kind: 'graceful-restart', restarting: (head & 0x8000) !== 0, notification: (head & 0x4000) !== 0, restartTime: head & 0x0fff, families };
  },
  size: (c) => 2 + 4 * c.families.length,
  write(c, b, o) {
    if (c.restartTime > 0x0fff) throw new RangeError(`restart time ${c.restartTime} exceeds 4095 s`);
    b.writeUInt16BE((c.restarting ? 0x8000 : 0) | (c.notification ? 0x4000 : 0) | c.restartTime, o);
    o += 2;
    for (const f of c.families) {
      b.writeUInt16BE(f.afi, o);
      b[o + 2] = f.safi;
      b[o + 3] = f.forwarding ? 0x80 : 0;
      o += 4;
    }
  },
};
