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
  /** Graceful restart toward this peer (RFC 4724, 9494, 8538); default: the speaker's gracefulRestart; false turns it off. */
  readonly gracefulRestart?: GracefulRestartConfig | false;
  /** ADD-PATH (RFC 7911) for every family of the session: receive several paths, send up to `send` paths per prefix (0 = off). */
  readonly addPath?: { readonly receive: boolean; readonly send: number };
  /** Maximum prefixes accepted from the peer (RFC 4486 Cease 1 above it). */
  readonly maxPrefix?: MaxPrefixConfig;
  /** RFC 9687: close the session when the peer has not read anything we sent for this many seconds; 0 = off. Default max(480, hold time). */
  readonly sendHoldTime?: number;
  /** RFC 2385 TCP-MD5 key for the session (UTF-8, at most 80 bytes). Changing it resets the session. */
  readonly password?: string;
  /** RFC 5082 GTSM: the peer is at most this many hops away (1..254); we send with TTL 255 and drop segments below 256 − hops. */
  readonly ttlSecurity?: number;
  /** TTL of our packets to the peer (1..255) when GTSM is off; default: the system's (64). */
  readonly multihop?: number;
}

export interface GracefulRestartConfig {
  /** Seconds a peer should keep our routes while we restart (12 bits; announced in our capability). Default 120. */
  readonly restartTime: number;
  /** RFC 9494 long-lived stale time in seconds (24 bits); 0 = no LLGR. Default 0. */
  readonly longLivedStaleTime: number;
  /** RFC 8538 N bit: graceful restart also when a NOTIFICATION (other than Hard Reset) ends the session. Default true. */
  readonly notification: boolean;
}

export interface MaxPrefixConfig {
  /** Above this many prefixes received (all families), the session is closed with Cease 1. */
  readonly limit: number;
  /** Log a warning at this percentage of the limit (default 75). */
  readonly warningPercent?: number;
  /** Seconds before connecting again; 0 or absent: stay down until an operator resets or enables the peer. */
  readonly restartTime?: number;
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
  /** Graceful restart defaults for every peer (RFC 4724); absent: GR_DEFAULTS; false: off unless a peer turns it on. */
  readonly gracefulRestart?: GracefulRestartConfig | false;
  /**
   * Restarting role (RFC 4724 §4.1): this process restarted with forwarding state kept (bgpd --graceful-restart):
   * announce the R and F bits and hold back our UPDATEs until every peer sent End-of-RIB or the deferral timer fires.
   */
  readonly restarting?: boolean;
  /** Seconds to wait for End-of-RIB from peers after a graceful restart (Selection_Deferral_Timer). Default 120. */
  readonly selectionDeferralTime?: number;
}

export const GR_DEFAULTS: GracefulRestartConfig = { restartTime: 120, longLivedStaleTime: 0, notification: true };
export const SELECTION_DEFERRAL_DEFAULT = 120;
/** RFC 9687 §3 suggests 8 minutes; never less than the hold time. */
export const SEND_HOLD_DEFAULT = 480;

/** The graceful-restart settings in force for a peer, or undefined when GR is off for it. */
export function grConfigOf(sp: Pick<SpeakerConfig, 'gracefulRestart'>, pc: Pick<PeerConfig, 'gracefulRestart'>): GracefulRestartConfig | undefined {
  if (pc.gracefulRestart === false) return undefined;
  if (pc.gracefulRestart) return pc.gracefulRestart;
  if (sp.gracefulRestart === false) return undefined;
  return sp.gracefulRestart ?? GR_DEFAULTS;
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
