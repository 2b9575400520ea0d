// The attribute registry: one row per path attribute this speaker implements
// (BIRD's bgp_attr_table idea). The rows' order is the canonical encoding
// order after MP_REACH_NLRI/MP_UNREACH_NLRI (RFC 7606 §5.1 puts those first):
// ascending type code.

import { aggregatorRow, as4AggregatorRow } from './aggregator.js';
import { as4PathRow, asPathRow } from './as-path.js';
import { atomicAggregateRow } from './atomic-aggregate.js';
import { clusterListRow } from './cluster-list.js';
import { communitiesRow } from './communities.js';
import { extCommunitiesRow } from './ext-communities.js';
import { largeCommunitiesRow } from './large-communities.js';
import { localPrefRow } from './local-pref.js';
import { medRow } from './med.js';
import { nextHopRow } from './next-hop.js';
import { originRow } from './origin.js';
import { originatorIdRow } from './originator-id.js';
import type { AttrRow } from './row.js';

export const ATTRIBUTE_ROWS: readonly AttrRow[] = [
  originRow,
  asPathRow,
  nextHopRow,
  medRow,
  localPrefRow,
  atomicAggregateRow,
  aggregatorRow,
  communitiesRow,
  originatorIdRow,
  clusterListRow,
  extCommunitiesRow,
  as4PathRow,
  as4AggregatorRow,
  largeCommunitiesRow,
] as readonly AttrRow[];

const byType: (AttrRow | undefined)[] = [];
for (const row of ATTRIBUTE_ROWS) byType[row.type] = row;

export function attributeRow(type: number): AttrRow | undefined {
  return byType[type];
}
