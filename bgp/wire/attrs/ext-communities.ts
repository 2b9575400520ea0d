// EXTENDED COMMUNITIES (RFC 4360): optional transitive list of 8-octet values.
// Length zero or not a multiple of 8: treat-as-withdraw (RFC 7606 §7.14).

import { AttrType } from '../constants.js';
import { listRow } from './row.js';

export const extCommunitiesRow = listRow(AttrType.EXTENDED_COMMUNITIES, 'EXTENDED_COMMUNITIES', 'extCommunities', true, true, 8,
  (b, o) => b.readBigUInt64BE(o), (v: bigint, b, o) => b.writeBigUInt64BE(v, o));
