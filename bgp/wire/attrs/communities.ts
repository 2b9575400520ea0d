// COMMUNITIES (RFC 1997): optional transitive list of 32-bit values.
// Length zero or not a multiple of 4: treat-as-withdraw (RFC 7606 §7.8).

import { AttrType } from '../constants.js';
import { listRow } from './row.js';

export const communitiesRow = listRow(AttrType.COMMUNITIES, 'COMMUNITIES', 'communities', true, true, 4,
  (b, o) => b.readUInt32BE(o), (v: number, b, o) => b.writeUInt32BE(v, o));
