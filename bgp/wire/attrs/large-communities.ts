// LARGE_COMMUNITY (RFC 8092): optional transitive list of 12-octet values
// (global administrator, local data 1, local data 2). Length zero or not a
// multiple of 12: treat-as-withdraw (RFC 8092 §5, RFC 7606).

import { AttrType } from '../constants.js';
import { listRow } from './row.js';
import type { LargeCommunity } from './types.js';

export const largeCommunitiesRow = listRow(AttrType.LARGE_COMMUNITY, 'LARGE_COMMUNITY', 'largeCommunities', true, true, 12,
  (b, o): LargeCommunity => [b.readUInt32BE(o), b.readUInt32BE(o + 4), b.readUInt32BE(o + 8)],
  (v: LargeCommunity, b, o) => {
    b.writeUInt32BE(v[0], o);
    b.writeUInt32BE(v[1], o + 4);
    b.writeUInt32BE(v[2], o + 8);
  });
