// CLUSTER_LIST (RFC 4456 §8): optional non-transitive list of 4-octet
// cluster IDs. Length zero or not a multiple of 4: treat-as-withdraw
// (RFC 7606 §7.10).

import { AttrType } from '../constants.js';
import { readIpv4, writeIpv4 } from '../address.js';
import { listRow } from './row.js';

export const clusterListRow = listRow(AttrType.CLUSTER_LIST, 'CLUSTER_LIST', 'clusterList', true, false, 4,
  readIpv4, (v: string, b, o) => writeIpv4(v, b, o));
