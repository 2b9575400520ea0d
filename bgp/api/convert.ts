// Native speaker types ↔ bgp.v1 messages. Validation of request fields lives
// here too: each parse function throws an INVALID_ARGUMENT ApiError quoting
// the bad value.

import { formatCommunity, formatLargeCommunity, parseCommunity, parseLargeCommunity } from '../policy/index.js';
import type { Path as RibPath } from '../rib/index.js';
import { PEER_DEFAULTS, type OriginateConfig, type PeerConfig, type PeerStatus } from '../speaker/index.js';
import { parseIpv4, parseIpv6, tryParsePrefix, type FamilyName, type Prefix } from '../wire/index.js';
import type { AddPathRequest } from '../../proto/gen/bgp/v1/bgp_service.js';
import {
  AsPathSegment_SegmentType, Family, PeerType, SessionState,
  type Path, type Peer, type PeerConf, type PeerState,
} from '../../proto/gen/bgp/v1/types.js';
import { invalid } from './errors.js';

const STATES: Record<string, SessionState> = {
  Idle: SessionState.SESSION_STATE_IDLE, Connect: SessionState.SESSION_STATE_CONNECT, Active: SessionState.SESSION_STATE_ACTIVE,
  OpenSent: SessionState.SESSION_STATE_OPEN_SENT, OpenConfirm: SessionState.SESSION_STATE_OPEN_CONFIRM, Established: SessionState.SESSION_STATE_ESTABLISHED,
};

export function familyToProto(f: string): Family {
  return f === 'ipv4-unicast' ? Family.FAMILY_IPV4_UNICAST : f === 'ipv6-unicast' ? Family.FAMILY_IPV6_UNICAST : Family.FAMILY_UNSPECIFIED;
}

export function familyFromProto(f: Family): FamilyName | undefined {
  return f === Family.FAMILY_IPV4_UNICAST ? 'ipv4-unicast' : f === Family.FAMILY_IPV6_UNICAST ? 'ipv6-unicast' : undefined;
}

export function peerToProto(cfg: PeerConfig, st: PeerStatus, adminDown: boolean): Peer {
  const state: PeerState = {
    sessionState: STATES[st.state] ?? SessionState.SESSION_STATE_UNSPECIFIED,
    type: st.type === 'ibgp' ? PeerType.PEER_TYPE_IBGP : PeerType.PEER_TYPE_EBGP,
    sinceUnixMs: st.since, lastError: st.lastError ?? '', received: st.received, accepted: st.accepted, advertised: st.advertised,
    families: st.families.map(familyToProto), messages: { ...st.messages }, adminDown,
    gracefulRestartPhase: st.gracefulRestart?.phase ?? '', staleRoutes: st.gracefulRestart?.staleRoutes ?? 0,
  };
  const conf: PeerConf = {
    name: cfg.name, address: cfg.address, asn: cfg.asn, port: cfg.port, localAddress: cfg.localAddress ?? '', passive: cfg.passive,
    holdTime: cfg.holdTime, connectRetryTime: cfg.connectRetryTime, families: cfg.families.map(familyToProto),
    importPolicy: cfg.import ?? '', exportPolicy: cfg.export ?? '', nextHop: cfg.nextHop ?? '',
  };
  return { conf, state };
}

const isIp = (s: string) => parseIpv4(s) !== undefined || parseIpv6(s) !== undefined;

/** A PeerConf from a request → PeerConfig, or INVALID_ARGUMENT naming the field. */
export function peerFromProto(c: PeerConf | undefined): PeerConfig {
  if (!c) throw invalid('peer is required');
  if (!c.name) throw invalid('peer.name is required');
  if (!isIp(c.address)) throw invalid(`peer.address: ${JSON.stringify(c.address)} is not an IPv4 or IPv6 address`);
  if (!c.asn) throw invalid('peer.asn is required (1..4294967295)');
  if (c.port > 65535) throw invalid(`peer.port: ${c.port} is not a TCP port`);
  if (c.localAddress && !isIp(c.localAddress)) throw invalid(`peer.local_address: ${JSON.stringify(c.localAddress)} is not an address`);
  if (c.holdTime !== 0 && (c.holdTime < 3 || c.holdTime > 65535)) throw invalid(`peer.hold_time: must be 0 or 3..65535 (got ${c.holdTime})`);
  if (c.nextHop && c.nextHop !== 'self' && c.nextHop !== 'keep' && !isIp(c.nextHop)) throw invalid(`peer.next_hop: must be self, keep or an address (got ${JSON.stringify(c.nextHop)})`);
  const families = c.families.map((f) => familyFromProto(f) ?? badFamily(f));
  return {
    ...PEER_DEFAULTS, name: c.name, address: c.address, asn: c.asn,
    ...(c.port ? { port: c.port } : {}), ...(c.localAddress ? { localAddress: c.localAddress } : {}), passive: c.passive,
    ...(c.holdTime ? { holdTime: c.holdTime } : {}), ...(c.connectRetryTime ? { connectRetryTime: c.connectRetryTime } : {}),
    ...(families.length ? { families } : {}), ...(c.importPolicy ? { import: c.importPolicy } : {}),
    ...(c.exportPolicy ? { export: c.exportPolicy } : {}), ...(c.nextHop ? { nextHop: c.nextHop } : {}),
  };
}

function badFamily(f: Family): never {
  throw invalid(`family ${f} is not supported (ipv4-unicast = 1, ipv6-unicast = 2)`);
}

export function parsePrefixArg(text: string, field = 'prefix'): Prefix {
  const p = tryParsePrefix(text);
  if (!p) throw invalid(`${field}: ${JSON.stringify(text)} is not a prefix (expected e.g. 100.64.0.0/26 or 2001:db8::/64)`);
  return p;
}

export function originateFromProto(r: AddPathRequest): OriginateConfig {
  parsePrefixArg(r.prefix);
  for (const c of r.communities) if (parseCommunity(c) === undefined) throw invalid(`communities: ${JSON.stringify(c)} is not a community (expected ASN:VALUE, e.g. 64512:100, or a well-known name)`);
  for (const c of r.largeCommunities) if (parseLargeCommunity(c) === undefined) throw invalid(`large_communities: ${JSON.stringify(c)} is not a large community (expected A:B:C)`);
  if (r.nextHop && !isIp(r.nextHop)) throw invalid(`next_hop: ${JSON.stringify(r.nextHop)} is not an address`);
  return {
    prefix: r.prefix, communities: r.communities, largeCommunities: r.largeCommunities,
    ...(r.med !== undefined ? { med: r.med } : {}), ...(r.localPref !== undefined ? { localPref: r.localPref } : {}),
    ...(r.nextHop ? { nextHop: r.nextHop } : {}),
  };
}

/** A route of any table → Path. peerName maps a source address to the peer's name. */
export function pathToProto(
  p: { prefix: Prefix; family: string; attrs: RibPath['attrs']; nextHop: readonly string[]; source?: RibPath['source'] },
  best: boolean, peerName: (address: string) => string,
): Path {
  const a = p.attrs;
  const src = p.source;
  return {
    prefix: p.prefix.toString(), family: familyToProto(p.family), nextHops: [...p.nextHop], origin: a.origin ?? 0,
    asPath: (a.asPath ?? []).map((s) => ({ type: s.type === 1 ? AsPathSegment_SegmentType.SEGMENT_TYPE_AS_SET : AsPathSegment_SegmentType.SEGMENT_TYPE_AS_SEQUENCE, asns: [...s.asns] })),
    ...(a.med !== undefined ? { med: a.med } : {}), ...(a.localPref !== undefined ? { localPref: a.localPref } : {}),
    communities: (a.communities ?? []).map(formatCommunity), largeCommunities: (a.largeCommunities ?? []).map(formatLargeCommunity),
    ...(src ? { source: { local: src.local, peerName: src.local ? '' : peerName(src.address), peerAddress: src.address, peerAsn: src.peerAs, routerId: src.routerId } } : {}),
    best,
    originatorId: a.originatorId ?? '', clusterList: [...(a.clusterList ?? [])], pathId: p.prefix.pathId,
  };
}
