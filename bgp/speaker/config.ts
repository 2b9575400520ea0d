// The speaker's configuration after validation (bgp/daemon/config.ts turns
// YAML into this; the native API takes it directly). Defaults follow what
// Calico/BIRD users expect: hold 90 s, keepalive hold/3, connect retry 5 s,
// eBGP next-hop-self, iBGP next hop unchanged, RFC 8212 for eBGP, MRAI 0
// for iBGP and a 100 ms batching window for eBGP (not RFC 4271's 30 s, a
// known cause of slow convergence). Route reflection (RFC 4456) is off
// until a peer is marked routeReflectorClient; the cluster ID defaults to the
// router ID and client-to-client reflection to on.

import type { FamilyName } from '../wire/index.js';

export interface PeerConfig {
  readonly name: string;
  readonly address: string;
  readonly asn: number;
  readonly port: number;
  readonly localAddress?: string;
  readonly passive: boolean;
  readonly holdTime: number;
  readonly keepaliveTime?: number;
  readonly connectRetryTime: number;
  readonly delayOpenTime: number;
  readonly idleHoldTime: number;
  readonly idleHoldMaxTime: number;
  readonly families: readonly FamilyName[];
  /** Families the peer must support (Multiprotocol capability), else OPEN error 2/7 Unsupported Capability. */
  readonly requiredFamilies?: readonly FamilyName[];
  /** Policy names; undefined means the default (accept-all for iBGP, reject-all for eBGP, RFC 8212). */
  readonly import?: string;
  readonly export?: string;
  /** Next hop toward this peer: self, keep, or an address. Default: self for eBGP, keep for iBGP. */
  readonly nextHop?: string;
  readonly allowasIn: number;
  /** Minimum seconds between UPDATE batches to this peer; default 0 for iBGP, 0.1 for eBGP. */
  readonly mrai?: number;
  /** RFC 4456: this iBGP peer is a route-reflector client of ours. Default false. */
  readonly routeReflectorClient?: boolean;
}

export interface OriginateConfig {
  readonly prefix: string;
  readonly communities?: readonly string[];
  readonly largeCommunities?: readonly string[];
  readonly med?: number;
  readonly localPref?: number;
  /** Next hop to announce; default: the session's local address (self). */
  readonly nextHop?: string;
}

export interface SpeakerConfig {
  readonly routerId: string;
  readonly asn: number;
  readonly listen: readonly { readonly address: string; readonly port: number }[];
  readonly multipath: boolean;
  readonly alwaysCompareMed: boolean;
  readonly peers: readonly PeerConfig[];
  /** Raw policy definitions, compiled by bgp/policy (validated by the daemon's config loader). */
  readonly policies: unknown;
  readonly originate: readonly OriginateConfig[];
  /** Announced in the FQDN capability. */
  readonly hostname?: string;
  /** RFC 4456 cluster ID (dotted quad) used when reflecting; default: the router ID. */
  readonly clusterId?: string;
  /** Reflect routes from one client to the other clients; default true (false when clients are fully meshed). */
  readonly clientToClientReflection?: boolean;
}

export const PEER_DEFAULTS = {
  port: 179,
  passive: false,
  holdTime: 90,
  connectRetryTime: 5,
  delayOpenTime: 0,
  idleHoldTime: 1,
  idleHoldMaxTime: 120,
  families: ['ipv4-unicast'] as readonly FamilyName[],
  allowasIn: 0,
} as const;

/** MRAI defaults: iBGP 0 (Calico's mesh wants immediate propagation), eBGP a short batching window. */
export const EBGP_MRAI = 0.1;

export function peerConfig(p: Partial<PeerConfig> & Pick<PeerConfig, 'name' | 'address' | 'asn'>): PeerConfig {
  return { ...PEER_DEFAULTS, ...p };
}
