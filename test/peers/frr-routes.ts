// FRR `show bgp <afi> unicast json detail` -> normalised routes from one
// peer. Each prefix maps to a list: a header ({prefix, advertisedTo}) and one
// object per path with aspath.segments, community.list, largeCommunity.list,
// metric (MED), locPrf and nexthops (global and link-local scopes); with
// route reflection originatorId and clusterList.list, after a peer's graceful
// restart stale, with ADD-PATH addpathRxId (one entry per path received).
import { normCommunity, sortCommunities, type Route } from './types.js';

interface FrrPath {
  peer?: { peerId?: string };
  aspath?: { segments?: { list?: number[] }[] };
  community?: { list?: string[] };
  largeCommunity?: { list?: string[]; string?: string };
  metric?: number;
  locPrf?: number;
  nexthops?: { ip?: string; scope?: string }[];
  originatorId?: string;
  clusterList?: { list?: string[] };
  stale?: boolean;
  addpathRxId?: number;
}

export interface FrrRouteTable { routes?: Record<string, FrrPath[]> }

export function frrRoutes(table: FrrRouteTable, peer: string): Route[] {
  const out: Route[] = [];
  for (const [prefix, paths] of Object.entries(table.routes ?? {})) {
    for (const p of paths) {
      if (p.peer?.peerId !== peer) continue;
      const hops = p.nexthops ?? [];
      const global = hops.find((h) => h.scope !== 'link-local')?.ip ?? '';
      const ll = hops.find((h) => h.scope === 'link-local')?.ip;
      const large = p.largeCommunity?.list ?? (p.largeCommunity?.string ? p.largeCommunity.string.split(' ') : []);
      const r: Route = {
        prefix: prefix.toLowerCase(),
        nextHop: global,
        asPath: (p.aspath?.segments ?? []).flatMap((s) => s.list ?? []),
        communities: sortCommunities((p.community?.list ?? []).map(normCommunity)),
        largeCommunities: sortCommunities(large),
      };
      if (ll) r.linkLocalNextHop = ll;
      if (p.locPrf !== undefined) r.localPref = p.locPrf;
      if (p.metric !== undefined) r.med = p.metric;
      if (p.originatorId) r.originatorId = p.originatorId;
      if (p.clusterList?.list) r.clusterList = p.clusterList.list;
      if (p.stale) r.stale = true;
      if (p.addpathRxId !== undefined) r.pathId = p.addpathRxId;
      out.push(r);
    }
  }
  return out;
}
