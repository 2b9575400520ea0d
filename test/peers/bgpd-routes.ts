// Our bgpd's `routes` answer (Loc-RIB best paths) -> normalised routes from
// one neighbour. Tolerant of representation: asPath as a string ("65001
// {65002,65003}") or a list; communities as "a:b" strings or 32-bit numbers;
// large communities as "a:b:c" strings or [a, b, c] triples; nextHop as a
// string or a list (global first, then link-local). ORIGINATOR_ID,
// CLUSTER_LIST, the ADD-PATH path ID and the stale mark are taken when the
// daemon reports them (originatorId, clusterList, pathId, stale).
import type { Path } from '../../proto/gen/bgp/v1/types.js';
import { isV6, normCommunity, sortCommunities, type Family, type Route } from './types.js';

export interface BgpdRouteJson {
  prefix: string;
  family?: string;
  nextHop?: string | string[];
  from?: string;
  asPath?: string | number[];
  communities?: (string | number)[];
  largeCommunities?: (string | number[] | { globalAdmin: number; localData1: number; localData2: number })[];
  localPref?: number;
  med?: number;
  originatorId?: string;
  clusterList?: string[];
  pathId?: number;
  stale?: boolean;
}

function large(c: NonNullable<BgpdRouteJson['largeCommunities']>[number]): string {
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) return c.join(':');
  return `${c.globalAdmin}:${c.localData1}:${c.localData2}`;
}

export function bgpdRoutes(all: BgpdRouteJson[], peer: string, family: Family): Route[] {
  const out: Route[] = [];
  for (const j of all) {
    if (j.from !== peer) continue;
    if ((j.family ? j.family === 'ipv6-unicast' : isV6(j.prefix)) !== (family === 'ipv6-unicast')) continue;
    const hops = Array.isArray(j.nextHop) ? j.nextHop : j.nextHop ? [j.nextHop] : [];
    const asPath = typeof j.asPath === 'string' ? j.asPath.replace(/[{},]/g, ' ').split(/\s+/).filter(Boolean).map(Number) : j.asPath ?? [];
    const r: Route = {
      prefix: j.prefix.toLowerCase(), nextHop: hops[0] ?? '', asPath,
      communities: sortCommunities((j.communities ?? []).map(normCommunity)),
      largeCommunities: sortCommunities((j.largeCommunities ?? []).map(large)),
    };
    if (hops[1]) r.linkLocalNextHop = hops[1];
    if (j.localPref !== undefined) r.localPref = j.localPref;
    if (j.med !== undefined) r.med = j.med;
    if (j.originatorId) r.originatorId = j.originatorId;
    if (j.clusterList) r.clusterList = j.clusterList;
    if (j.pathId !== undefined) r.pathId = j.pathId;
    if (j.stale) r.stale = true;
    out.push(r);
  }
  return out;
}

/** Fields a gRPC Path may carry in a later API version (read when present). */
interface PathExtras { originatorId?: string; clusterList?: string[]; pathId?: number; stale?: boolean }

/** gRPC API paths (ListPaths) -> normalised routes. AS_SET segments are flattened like the others. */
export function bgpdApiRoutes(paths: Path[]): Route[] {
  return paths.map((p) => {
    const x = p as Path & PathExtras;
    const r: Route = {
      prefix: p.prefix.toLowerCase(), nextHop: p.nextHops[0] ?? '', asPath: p.asPath.flatMap((s) => s.asns),
      communities: sortCommunities(p.communities.map(normCommunity)), largeCommunities: sortCommunities(p.largeCommunities),
    };
    if (p.nextHops[1]) r.linkLocalNextHop = p.nextHops[1];
    if (p.localPref !== undefined) r.localPref = p.localPref;
    if (p.med !== undefined) r.med = p.med;
    if (x.originatorId) r.originatorId = x.originatorId;
    if (x.clusterList?.length) r.clusterList = x.clusterList;
    if (x.pathId) r.pathId = x.pathId;
    if (x.stale) r.stale = true;
    return r;
  });
}
