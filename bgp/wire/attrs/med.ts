// MULTI_EXIT_DISC (RFC 4271 §5.1.4): optional non-transitive, 4 octets.
// Wrong length: treat-as-withdraw (RFC 7606 §7.4).

import { AttrType } from '../constants.js';
import { u32Row } from './row.js';

export const medRow = u32Row(AttrType.MULTI_EXIT_DISC, 'MULTI_EXIT_DISC', 'med', true, false,
  (b) => b.readUInt32BE(0), (v, b, o) => b.writeUInt32BE(v, o));
