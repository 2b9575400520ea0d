// bgp.v1 messages → the rows ctl prints and the objects of -o json/yaml
// (stable, lower-case names: state "Established", family "ipv4-unicast").

import { AsPathSegment_SegmentType, Family, PeerType, SessionState, type Path, type Peer } from '../api/index.js';

const STATE_NAMES: Record<number, string> = {
  [SessionState.SESSION_STATE_IDLE]: 'Idle', [SessionState.SESSION_STATE_CONNECT]: 'Connect', [SessionState.SESSION_STATE_ACTIVE]: 'Active',
  [SessionState.SESSION_STATE_OPEN_SENT]: 'OpenSent', [SessionState.SESSION_STATE_OPEN_CONFIRM]: 'OpenConfirm', [SessionState.SESSION_STATE_ESTABLISHED]: 'Established',
};

export const familyName = (f: Family) => (f === Family.FAMILY_IPV4_UNICAST ? 'ipv4-unicast' : f === Family.FAMILY_IPV6_UNICAST ? 'ipv6-unicast' : 'unknown');

export interface PeerView {
  name: string;
  address: string;
  port: number;
  asn: number;
  type: 'ibgp' | 'ebgp';
  state: string;
  adminDown: boolean;
  /** ISO time of the last state change. */
  since: string;
  sinceMs: number;
  lastError: string;
  received: number;
  accepted: number;
  advertised: number;
  families: string[];
  updatesIn: number;
  updatesOut: number;
  /** Present while the peer's routes are kept as stale (graceful restart helper). */
  gracefulRestart?: { phase: string; staleRoutes: number };
}

export function peerView(p: Peer): PeerView {
  const c = p.conf!;
  const s = p.state!;
  return {
    name: c.name, address: c.address, port: c.port, asn: c.asn, type: s.type === PeerType.PEER_TYPE_IBGP ? 'ibgp' : 'ebgp',
    state: STATE_NAMES[s.sessionState] ?? 'Unknown', adminDown: s.adminDown, since: s.sinceUnixMs ? new Date(s.sinceUnixMs).toISOString() : '',
    sinceMs: s.sinceUnixMs, lastError: s.lastError, received: s.received, accepted: s.accepted, advertised: s.advertised,
    families: (s.families.length ? s.families : c.families).map(familyName), updatesIn: s.messages?.updatesIn ?? 0, updatesOut: s.messages?.updatesOut ?? 0,
    ...(s.gracefulRestartPhase ? { gracefulRestart: { phase: s.gracefulRestartPhase, staleRoutes: Number(s.staleRoutes) } } : {}),
  };
}

export interface RouteView {
  prefix: string;
  family: string;
  best: boolean;
  nextHops: string[];
  asPath: string;
  origin: string;
  med?: number;
  localPref?: number;
  communities: string[];
  largeCommunities: string[];
  /** "local" or the peer's name. */
  from: string;
}

export function routeView(p: Path): RouteView {
  const src = p.source;
  return {
    prefix: p.prefix, family: familyName(p.family), best: p.best, nextHops: p.nextHops,
    asPath: p.asPath.map((s) => (s.type === AsPathSegment_SegmentType.SEGMENT_TYPE_AS_SET ? `{${s.asns.join(',')}}` : s.asns.join(' '))).filter(Boolean).join(' '),
    origin: ['igp', 'egp', 'incomplete'][p.origin] ?? String(p.origin),
    ...(p.med !== undefined ? { med: p.med } : {}), ...(p.localPref !== undefined ? { localPref: p.localPref } : {}),
    communities: p.communities, largeCommunities: p.largeCommunities,
    from: !src || src.local ? 'local' : src.peerName || src.peerAddress,
  };
}
