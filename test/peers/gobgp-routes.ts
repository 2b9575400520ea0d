// `gobgp global rib -a <afi> -j` -> normalised routes from one neighbour.
// The JSON maps each prefix to its paths; a path has "neighbor-ip" (absent
// for local routes) and "attrs" by type code: 2 AS_PATH (as_paths[].asns),
// 3 NEXT_HOP, 4 MED (metric), 5 LOCAL_PREF (value), 8 COMMUNITIES (32-bit
// numbers), 9 ORIGINATOR_ID (value), 10 CLUSTER_LIST (value: list),
// 14 MP_REACH (nexthop, link-local next hop), 32 LARGE_COMMUNITY; "stale"
// after a peer's graceful restart, "id" the ADD-PATH path identifier.
import { normCommunity, sortCommunities, type Route } from './types.js';

interface GobgpAttr {
  type: number;
  value?: unknown;
  as_paths?: { asns?: number[] }[];
  nexthop?: string;
  linklocal_nexthop?: string;
  metric?: number;
  communities?: number[];
}
interface GobgpPath { 'neighbor-ip'?: string; attrs?: GobgpAttr[]; stale?: boolean; id?: number }
export type GobgpRib = Record<string, GobgpPath[]>;

export function gobgpRoutes(rib: GobgpRib, peer: string): Route[] {
  const out: Route[] = [];
  for (const [prefix, paths] of Object.entries(rib)) {
    for (const p of paths) {
      if (p['neighbor-ip'] !== peer) continue;
      const r: Route = { prefix: prefix.toLowerCase(), nextHop: '', asPath: [], communities: [], largeCommunities: [] };
      for (const a of p.attrs ?? []) {
        if (a.type === 2) r.asPath = (a.as_paths ?? []).flatMap((s) => s.asns ?? []);
        else if (a.type === 3 || a.type === 14) {
          r.nextHop = a.nexthop ?? '';
          if (a.linklocal_nexthop) r.linkLocalNextHop = a.linklocal_nexthop;
        } else if (a.type === 4) r.med = a.metric ?? 0;
        else if (a.type === 5) r.localPref = Number(a.value);
        else if (a.type === 9 && typeof a.value === 'string') r.originatorId = a.value;
        else if (a.type === 10 && Array.isArray(a.value)) r.clusterList = (a.value as unknown[]).map(String);
        else if (a.type === 8) r.communities = sortCommunities((a.communities ?? []).map(normCommunity));
        else if (a.type === 32) {
          const v = (a.value ?? []) as { ASN: number; LocalData1: number; LocalData2: number }[];
          r.largeCommunities = sortCommunities(v.map((c) => `${c.ASN}:${c.LocalData1}:${c.LocalData2}`));
        }
      }
      if (p.stale) r.stale = true;
      if (p.id) r.pathId = p.id;
      out.push(r);
    }
  }
  return out;
}
