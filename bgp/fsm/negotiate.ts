// OPEN negotiation: what our configuration and the peer's OPEN agree on, or
// the OPEN Message Error to send (RFC 4271 §6.2, in its order of checks):
//   Bad Peer AS 2/2          the peer's AS (4-octet capability when present,
//                            RFC 6793 §4.1) differs from the configured one;
//                            data: the 2-octet My AS field
//   Unacceptable Hold 2/6    hold time 1 or 2 s (the decoder checks it too)
//   Bad BGP Identifier 2/3   iBGP peer with our router ID (RFC 6286 §2.2:
//                            unique within an AS; eBGP may share it)
//   Unsupported Cap. 2/7     a required family the peer does not support;
//                            data: the Multiprotocol capability we require
//                            (RFC 5492 §5; code 1, length 4, AFI, 0, SAFI)
// Then: hold time min(ours, theirs) (RFC 4271 §4.2), keepalive a third of it
// or the configured value if smaller (§10), families both support (RFC 4760
// §8: no Multiprotocol capability means ipv4-unicast only), route refresh
// (RFC 2918) and enhanced route refresh (RFC 7313) when both announce them,
// and the wire options (negotiateWire).

import {
  CapCode, ErrorCode, FAMILIES, OpenSubcode, familyByName, findFamily, negotiateWire, openAsn, parseIpv4, wireError,
  type Capability, type FamilyName, type OpenMessage, type WireError,
} from '../wire/index.js';
import type { NegotiatedSession, PeerFsmConfig } from './types.js';

const openError = (subcode: number, reason: string, data?: Buffer): WireError =>
  wireError(ErrorCode.OPEN, subcode, 'session-reset', reason, data);

const announces = (o: OpenMessage, kind: Capability['kind']): boolean => o.capabilities.some((c) => c.kind === kind);

/** Families an OPEN announces, in its order; ipv4-unicast alone when it has no Multiprotocol capability. */
export function announcedFamilies(o: OpenMessage): FamilyName[] {
  const out: FamilyName[] = [];
  let any = false;
  for (const c of o.capabilities) {
    if (c.kind !== 'multiprotocol') continue;
    any = true;
    const row = findFamily(c.afi, c.safi);
    if (row && !out.includes(row.name)) out.push(row.name);
  }
  return any ? out : [FAMILIES[0]!.name];
}

/** The Multiprotocol capability TLV for a family: code 1, length 4, AFI, reserved 0, SAFI. */
function multiprotocolTlv(family: FamilyName): Buffer {
  const row = familyByName(family);
  const b = Buffer.alloc(6);
  b[0] = CapCode.MULTIPROTOCOL;
  b[1] = 4;
  b.writeUInt16BE(row?.afi ?? 0, 2);
  b[5] = row?.safi ?? 0;
  return b;
}

function sameRouterId(a: string, b: string): boolean {
  const x = parseIpv4(a);
  const y = parseIpv4(b);
  return x !== undefined && y !== undefined ? x === y : a === b;
}

/** Keepalive interval for a negotiated hold time (RFC 4271 §10: a third of it, or less if configured). */
export function keepaliveFor(holdTime: number, configured?: number): number {
  if (holdTime <= 0) return 0;
  const third = Math.floor(holdTime / 3);
  return configured !== undefined && configured > 0 ? Math.min(configured, third) : third;
}

export function negotiate(cfg: PeerFsmConfig, peerOpen: OpenMessage): NegotiatedSession | WireError {
  const peerAs = openAsn(peerOpen);
  if (peerAs !== cfg.peerAs) {
    const data = Buffer.alloc(2);
    data.writeUInt16BE(peerOpen.myAs & 0xffff, 0);
    return openError(OpenSubcode.BAD_PEER_AS, `peer AS ${peerAs} is not the configured ${cfg.peerAs}`, data);
  }
  if (peerOpen.holdTime === 1 || peerOpen.holdTime === 2) {
    return openError(OpenSubcode.UNACCEPTABLE_HOLD_TIME, `hold time ${peerOpen.holdTime} s is not allowed (0 or at least 3)`);
  }
  const ibgp = cfg.peerAs === cfg.localAs;
  if (ibgp && sameRouterId(peerOpen.routerId, cfg.routerId)) {
    return openError(OpenSubcode.BAD_BGP_IDENTIFIER, `iBGP peer has our router ID ${cfg.routerId}`);
  }
  const theirs = announcedFamilies(peerOpen);
  for (const required of cfg.requiredFamilies ?? []) {
    if (!theirs.includes(required)) {
      return openError(OpenSubcode.UNSUPPORTED_CAPABILITY, `peer does not support required family ${required}`, multiprotocolTlv(required));
    }
  }
  const holdTime = cfg.holdTime === 0 || peerOpen.holdTime === 0 ? 0 : Math.min(cfg.holdTime, peerOpen.holdTime);
  return {
    peerAs,
    peerRouterId: peerOpen.routerId,
    ibgp,
    holdTime,
    keepaliveTime: keepaliveFor(holdTime, cfg.keepaliveTime),
    families: announcedFamilies(cfg.localOpen).filter((f) => theirs.includes(f)),
    wire: negotiateWire(cfg.localOpen, peerOpen),
    routeRefresh: announces(cfg.localOpen, 'route-refresh') && announces(peerOpen, 'route-refresh'),
    enhancedRouteRefresh: announces(cfg.localOpen, 'enhanced-route-refresh') && announces(peerOpen, 'enhanced-route-refresh'),
    peerCapabilities: peerOpen.capabilities,
  };
}

/** Tells a negotiate() result that is an error from a session. */
export function isWireError(r: NegotiatedSession | WireError): r is WireError {
  return 'code' in r && 'action' in r;
}
