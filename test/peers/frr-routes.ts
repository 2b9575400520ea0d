// FRR `show bgp <afi> unicast json detail` -> normalised routes from one
// peer. Each prefix maps to a list: a header ({prefix, advertisedTo}) and one
// object per path with aspath.segments, community.list, largeCommunity.list,
// metric (MED), locPrf and nexthops (global and link-local scopes).
import { normCommunity, sortCommunities, type Route } from './types.js';

interface FrrPath {
  peer?: { peerId?: string };
  aspath?: { segments?: { list?: number[] }[] };
  community?: { list?: string[] };
  largeCommunity?: { list?: string[]; string?: string };
  metric?: number;
  locPrf?: number;
  nexthops?: { ip?: string; scope?: string }[];
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
      out.push(r);
    }
  }
  return out;
}
