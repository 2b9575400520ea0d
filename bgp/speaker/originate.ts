// A prefix this speaker originates (config `originate:` and the API's
// AddPath) as a Loc-RIB path: ORIGIN IGP, an empty AS_PATH, the optional
// MED / LOCAL_PREF / communities, and the next hop when one is given (IPv4
// in NEXT_HOP, otherwise carried for MP_REACH_NLRI); without one, next hop
// self is applied per peer on export. Bad text throws with what was wrong.

import { parseCommunity, parseLargeCommunity } from '../policy/index.js';
import type { AttrInterner, Path, PathSource } from '../rib/index.js';
import { isIpv6Text, tryParsePrefix, type FamilyName, type PathAttributes } from '../wire/index.js';
import type { OriginateConfig } from './config.js';

export const localSource = (routerId: string, asn: number): PathSource => ({ id: 0, address: '', peerAs: asn, routerId, ibgp: false, local: true });

function mustParse<T>(v: T | undefined, text: string): T {
  if (v === undefined) throw new Error(`not a community: ${text}`);
  return v;
}

/** The path for `o`, its attributes interned. */
export function originatedPath(o: OriginateConfig, source: PathSource, interner: AttrInterner): Path {
  const prefix = tryParsePrefix(o.prefix);
  if (!prefix) throw new Error(`not a prefix: ${o.prefix}`);
  const family: FamilyName = prefix.afi === 1 ? 'ipv4-unicast' : 'ipv6-unicast';
  const communities = (o.communities ?? []).map((c) => mustParse(parseCommunity(c), c));
  const large = (o.largeCommunities ?? []).map((c) => mustParse(parseLargeCommunity(c), c));
  const attrs: PathAttributes = {
    origin: 0, asPath: [],
    ...(o.med !== undefined ? { med: o.med } : {}), ...(o.localPref !== undefined ? { localPref: o.localPref } : {}),
    ...(communities.length ? { communities } : {}), ...(large.length ? { largeCommunities: large } : {}),
    ...(o.nextHop && family === 'ipv4-unicast' && !isIpv6Text(o.nextHop) ? { nextHop: o.nextHop } : {}),
  };
  return { prefix, family, attrs: interner.intern(attrs), nextHop: o.nextHop ? [o.nextHop] : [], source };
}
