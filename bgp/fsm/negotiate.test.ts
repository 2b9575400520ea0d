// negotiate(): the OPEN checks of RFC 4271 §6.2 that need the configuration
// (peer AS, BGP Identifier on iBGP, required families per RFC 5492 §5), the
// hold time and keepalive rules (RFC 4271 §4.2, §10) and the families of
// RFC 4760 §8, including a peer with no Multiprotocol capability at all.

import { describe, expect, it } from 'vitest';
import { AS_TRANS, ErrorCode, OpenSubcode, makeOpen, type WireError } from '../wire/index.js';
import { isWireError, keepaliveFor, negotiate } from './negotiate.js';
import { ERR, LOCAL_AS, LOCAL_ID, MP_V4, MP_V6, PEER_AS, RR, as4, peerConfig, peerOpen } from './test-helpers.js';
import type { NegotiatedSession, PeerFsmConfig } from './types.js';

function ok(cfg: PeerFsmConfig, open = peerOpen()): NegotiatedSession {
  const r = negotiate(cfg, open);
  if (isWireError(r)) throw new Error(`unexpected error: ${r.reason}`);
  return r;
}

function err(cfg: PeerFsmConfig, open = peerOpen()): WireError {
  const r = negotiate(cfg, open);
  if (!isWireError(r)) throw new Error('expected an OPEN error');
  expect(r.code).toBe(ErrorCode.OPEN);
  expect(r.action).toBe('session-reset');
  return r;
}

describe('negotiate: hold time and keepalive', () => {
  it('takes the smaller hold time and a third of it for keepalives', () => {
    expect(ok(peerConfig({ holdTime: 90 }), peerOpen({ holdTime: 30 }))).toMatchObject({ holdTime: 30, keepaliveTime: 10 });
    expect(ok(peerConfig({ holdTime: 90 }), peerOpen({ holdTime: 240 }))).toMatchObject({ holdTime: 90, keepaliveTime: 30 });
    expect(ok(peerConfig({ holdTime: 9 }), peerOpen({ holdTime: 90 }))).toMatchObject({ holdTime: 9, keepaliveTime: 3 });
  });
  it('hold time 0 on either side means no hold timer and no keepalives', () => {
    expect(ok(peerConfig({ holdTime: 90 }), peerOpen({ holdTime: 0 }))).toMatchObject({ holdTime: 0, keepaliveTime: 0 });
    expect(ok(peerConfig({ holdTime: 0 }), peerOpen({ holdTime: 90 }))).toMatchObject({ holdTime: 0, keepaliveTime: 0 });
    expect(ok(peerConfig({ holdTime: 0, keepaliveTime: 10 }), peerOpen({ holdTime: 90 }))).toMatchObject({ keepaliveTime: 0 });
  });
  it('a configured keepalive is used when shorter, never longer than a third of the hold time', () => {
    expect(ok(peerConfig({ keepaliveTime: 10 }))).toMatchObject({ holdTime: 90, keepaliveTime: 10 });
    expect(ok(peerConfig({ keepaliveTime: 60 }))).toMatchObject({ holdTime: 90, keepaliveTime: 30 });
    expect(ok(peerConfig({ keepaliveTime: 30 }), peerOpen({ holdTime: 30 }))).toMatchObject({ holdTime: 30, keepaliveTime: 10 });
  });
  it('rounds a third down to whole seconds', () => {
    expect(keepaliveFor(10)).toBe(3);
    expect(keepaliveFor(3)).toBe(1);
    expect(keepaliveFor(0, 5)).toBe(0);
  });
  it('rejects a peer hold time of 1 or 2 s with 2/6 (defensive: the decoder does too)', () => {
    for (const holdTime of [1, 2]) {
      expect(err(peerConfig(), { ...peerOpen(), holdTime }).subcode).toBe(OpenSubcode.UNACCEPTABLE_HOLD_TIME);
    }
  });
});

describe('negotiate: families (RFC 4760 §8)', () => {
  it('keeps the families both announced, in our order', () => {
    expect(ok(peerConfig(), peerOpen({ capabilities: [MP_V6, MP_V4] })).families).toEqual(['ipv4-unicast', 'ipv6-unicast']);
    expect(ok(peerConfig(), peerOpen({ capabilities: [MP_V6] })).families).toEqual(['ipv6-unicast']);
    const v4only = peerConfig({ localOpen: makeOpen({ asn: LOCAL_AS, holdTime: 90, routerId: LOCAL_ID, capabilities: [MP_V4] }) });
    expect(ok(v4only, peerOpen({ capabilities: [MP_V4, MP_V6] })).families).toEqual(['ipv4-unicast']);
  });
  it('a peer announcing no Multiprotocol capability supports ipv4-unicast only', () => {
    expect(ok(peerConfig(), peerOpen({ capabilities: [RR] })).families).toEqual(['ipv4-unicast']);
    expect(ok(peerConfig(), peerOpen({ capabilities: [] })).families).toEqual(['ipv4-unicast']);
  });
  it('ignores families outside the registry', () => {
    const vpn = { kind: 'multiprotocol', afi: 1, safi: 128 } as const;
    expect(ok(peerConfig(), peerOpen({ capabilities: [vpn, MP_V6] })).families).toEqual(['ipv6-unicast']);
    // a peer announcing only an unknown family supports none of ours
    expect(ok(peerConfig(), peerOpen({ capabilities: [vpn] })).families).toEqual([]);
  });
  it('a required family the peer lacks is 2/7 Unsupported Capability carrying the Multiprotocol capability', () => {
    const e = err(peerConfig({ requiredFamilies: ['ipv4-unicast', 'ipv6-unicast'] }), peerOpen({ capabilities: [MP_V4] }));
    expect(e.subcode).toBe(OpenSubcode.UNSUPPORTED_CAPABILITY);
    expect(e.data.toString('hex')).toBe('010400020001'); // code 1, length 4, AFI 2, reserved, SAFI 1
    const v4 = err(peerConfig({ requiredFamilies: ['ipv4-unicast'] }), peerOpen({ capabilities: [MP_V6] }));
    expect(v4.data.toString('hex')).toBe('010400010001');
  });
  it('ipv4-unicast is satisfied by a peer without Multiprotocol capabilities', () => {
    expect(ok(peerConfig({ requiredFamilies: ['ipv4-unicast'] }), peerOpen({ capabilities: [] })).families).toEqual(['ipv4-unicast']);
  });
});

describe('negotiate: peer identity', () => {
  it('eBGP and iBGP', () => {
    expect(ok(peerConfig())).toMatchObject({ ibgp: false, peerAs: PEER_AS, peerRouterId: '198.18.0.2' });
    const ibgp = peerConfig({ peerAs: LOCAL_AS });
    expect(ok(ibgp, peerOpen({ asn: LOCAL_AS })).ibgp).toBe(true);
  });
  it('a peer AS other than the configured one is 2/2 Bad Peer AS with the My AS field as data', () => {
    const e = err(peerConfig(), peerOpen({ asn: 64999 }));
    expect(e.subcode).toBe(OpenSubcode.BAD_PEER_AS);
    expect(e.data.toString('hex')).toBe((64999).toString(16).padStart(4, '0'));
    expect(e.reason).toMatch(/64999.*64513/);
  });
  it('compares the 4-octet AS, and reports My AS (AS_TRANS) as data', () => {
    const cfg = peerConfig({ peerAs: 4200000001 });
    expect(ok(cfg, peerOpen({ asn: 4200000001 })).peerAs).toBe(4200000001);
    const e = err(cfg, peerOpen({ asn: 4200000002 }));
    expect(e.subcode).toBe(OpenSubcode.BAD_PEER_AS);
    expect(e.data.readUInt16BE(0)).toBe(AS_TRANS);
    // a 2-octet speaker saying AS_TRANS without the capability is not 4200000001
    expect(err(cfg, makeOpen({ asn: 4200000001, holdTime: 90, routerId: '198.18.0.2', capabilities: [] })).subcode).toBe(OpenSubcode.BAD_PEER_AS);
  });
  it('an iBGP peer with our router ID is 2/3 Bad BGP Identifier; on eBGP it is allowed (RFC 6286)', () => {
    const ibgp = peerConfig({ peerAs: LOCAL_AS });
    expect(err(ibgp, peerOpen({ asn: LOCAL_AS, routerId: LOCAL_ID })).subcode).toBe(OpenSubcode.BAD_BGP_IDENTIFIER);
    expect(ok(peerConfig(), peerOpen({ routerId: LOCAL_ID })).peerRouterId).toBe(LOCAL_ID);
  });
  it('checks the AS before the router ID (RFC 4271 §6.2 order)', () => {
    const ibgp = peerConfig({ peerAs: LOCAL_AS });
    expect(err(ibgp, peerOpen({ asn: 1, routerId: LOCAL_ID })).subcode).toBe(OpenSubcode.BAD_PEER_AS);
  });
});

describe('negotiate: capabilities', () => {
  it('route refresh and enhanced route refresh when both announce them; wire options from negotiateWire', () => {
    const s = ok(peerConfig(), peerOpen({ capabilities: [MP_V4, RR, ERR, as4(PEER_AS), { kind: 'extended-message' }] }));
    expect(s).toMatchObject({ routeRefresh: true, enhancedRouteRefresh: true });
    expect(s.wire.rx.as4).toBe(true);
    expect(s.wire.tx.extendedMessage).toBe(false); // we did not announce it
    expect(s.peerCapabilities).toContainEqual({ kind: 'extended-message' });
    const plain = ok(peerConfig(), peerOpen({ capabilities: [] }));
    expect(plain).toMatchObject({ routeRefresh: false, enhancedRouteRefresh: false });
    expect(plain.wire.rx.as4).toBe(false);
  });
});
