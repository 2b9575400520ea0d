// rtnetlink codec: golden bytes hand-assembled from the kernel uapi layout
// (linux/netlink.h, linux/rtnetlink.h; little-endian), checked both ways, plus
// round trips and address text canonicalisation. The netns tests verify the
// same encodings against the real kernel.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalPrefix, formatAddress, parseAddress, parsePrefix } from './addr.js';
import {
  decodeError, decodeLink, decodeRoute, encodeLinkDump, encodeRouteBatch, encodeRouteDump, forEachMessage, type Header,
  type RouteMessage,
} from './codec.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const one = (b: Buffer): { h: Header; p: Buffer } => {
  const out: { h: Header; p: Buffer }[] = [];
  forEachMessage(b, (h, p) => out.push({ h, p: Buffer.from(p) }));
  expect(out).toHaveLength(1);
  return out[0] as { h: Header; p: Buffer };
};

const WORKLOAD: RouteMessage = { family: 4, dst: '100.64.0.5', dstLen: 32, table: 254, protocol: 201, scope: 253, type: 1, oif: 10 };
const WORKLOAD_HEX = `
  34000000 1800 0505 07000000 00000000
  02 20 00 00 fe c9 fd 01 00000000
  0800 0f00 fe000000
  0800 0100 64400005
  0800 0400 0a000000`;
const ECMP: RouteMessage = {
  family: 4, dst: '100.64.2.0', dstLen: 26, table: 254, protocol: 201, scope: 0, type: 1,
  multipath: [{ gateway: '198.18.0.2', ifindex: 0 }, { gateway: '198.18.0.3', ifindex: 0 }],
};
const ECMP_HEX = `
  50000000 1800 0505 01000000 00000000
  02 1a 00 00 fe c9 00 01 00000000
  0800 0f00 fe000000
  0800 0100 64400200
  2400 0900
    1000 00 00 00000000 0800 0500 c6120002
    1000 00 00 00000000 0800 0500 c6120003`;
const DEL_V6: RouteMessage = { family: 6, dst: '2001:db8:1::', dstLen: 122, table: 254, protocol: 201, scope: 255, type: 0 };
const DEL_V6_HEX = `
  38000000 1900 0500 09000000 00000000
  0a 7a 00 00 fe c9 ff 00 00000000
  0800 0f00 fe000000
  1400 0100 20010db8000100000000000000000000`;
const V6_LL: RouteMessage = { family: 6, dst: '2001:db8:2::', dstLen: 64, table: 254, protocol: 201, scope: 0, type: 1, gateway: 'fe80::1', oif: 3, priority: 1024 };
const V6_LL_HEX = `
  5c000000 1800 0506 02000000 00000000
  0a 40 00 00 fe c9 00 01 00000000
  0800 0f00 fe000000
  1400 0100 20010db8000200000000000000000000
  0800 0400 03000000
  0800 0600 00040000
  1400 0500 fe800000000000000000000000000001`;

describe('rtnetlink codec', () => {
  it('encodes a workload route replace (RTM_NEWROUTE, CREATE|REPLACE|ACK) byte for byte, and decodes it back', () => {
    const b = encodeRouteBatch([{ op: 'replace', route: WORKLOAD }], 7);
    expect(b.toString('hex')).toBe(hex(WORKLOAD_HEX).toString('hex'));
    const { h, p } = one(b);
    expect(h).toEqual({ len: 52, type: 24, flags: 0x505, seq: 7, pid: 0 });
    expect(decodeRoute(p)).toEqual(WORKLOAD);
  });

  it('encodes an ECMP route as RTA_MULTIPATH with one rtnexthop per gateway', () => {
    const b = encodeRouteBatch([{ op: 'replace', route: ECMP }], 1);
    expect(b.toString('hex')).toBe(hex(ECMP_HEX).toString('hex'));
    expect(decodeRoute(one(b).p)).toEqual(ECMP);
  });

  it('a delete carries only the key; create uses EXCL; an IPv6 link-local gateway carries its oif and metric', () => {
    expect(encodeRouteBatch([{ op: 'delete', route: { ...DEL_V6, oif: 5 } }], 9).toString('hex')).toBe(hex(DEL_V6_HEX).toString('hex'));
    const b = encodeRouteBatch([{ op: 'create', route: V6_LL }], 2);
    expect(b.toString('hex')).toBe(hex(V6_LL_HEX).toString('hex'));
    expect(decodeRoute(one(b).p)).toEqual(V6_LL);
  });

  it('batches consecutive sequence numbers into one buffer', () => {
    const b = encodeRouteBatch([{ op: 'replace', route: WORKLOAD }, { op: 'delete', route: DEL_V6 }, { op: 'replace', route: ECMP }], 100);
    const seen: number[] = [];
    forEachMessage(b, (h) => seen.push(h.seq));
    expect(seen).toEqual([100, 101, 102]);
    expect(b.length).toBe(52 + 56 + 80);
  });

  it("with acks 'last' only the batch's final request carries NLM_F_ACK", () => {
    const flags: number[] = [];
    forEachMessage(encodeRouteBatch([{ op: 'replace', route: WORKLOAD }, { op: 'delete', route: DEL_V6 }, { op: 'replace', route: ECMP }], 1, 'last'), (h) => flags.push(h.flags));
    expect(flags).toEqual([0x501, 0x001, 0x505]);
  });

  it('encodes an IPv4 route with an IPv6 next hop as RTA_VIA', () => {
    const r: RouteMessage = { family: 4, dst: '100.64.3.0', dstLen: 26, table: 254, protocol: 201, scope: 0, type: 1, gateway: '2001:db8::1', oif: 2 };
    const b = encodeRouteBatch([{ op: 'replace', route: r }], 3);
    expect(b.subarray(16 + 12 + 8 + 8 + 8).toString('hex')).toBe('16001200' + '0a00' + '20010db8000000000000000000000001' + '0000');
    expect(decodeRoute(one(b).p)).toEqual(r);
  });

  it('encodes dump requests with the strict-check table filter', () => {
    expect(encodeRouteDump(4, 254, 5).toString('hex')).toBe(hex(`
      24000000 1a00 0103 05000000 00000000
      02 00 00 00 fe 00 00 00 00000000
      0800 0f00 fe000000`).toString('hex'));
    expect(encodeLinkDump(6).toString('hex')).toBe(hex('20000000 1200 0103 06000000 00000000' + '00'.repeat(16)).toString('hex'));
  });

  it('decodes an extended ack (capped, with the kernel message) and a plain ack', () => {
    const msg = Buffer.from('Nexthop device is not up\0');
    const tlv = Buffer.alloc(4 + msg.length + ((4 - (msg.length % 4)) % 4));
    tlv.writeUInt16LE(4 + msg.length, 0); tlv.writeUInt16LE(1, 2); msg.copy(tlv, 4);
    const payload = Buffer.concat([hex('9cffffff' /* -100 ENETDOWN */ + '34000000 1800 0505 07000000 00000000'), tlv]);
    expect(decodeError({ len: 16 + payload.length, type: 2, flags: 0x300, seq: 7, pid: 0 }, payload))
      .toEqual({ errno: 100, origSeq: 7, message: 'Nexthop device is not up' });
    expect(decodeError({ len: 36, type: 2, flags: 0x100, seq: 8, pid: 0 }, hex('00000000 24000000 1800 0505 08000000 00000000')))
      .toEqual({ errno: 0, origSeq: 8 });
  });

  it('decodes a link message (ifinfomsg, IFLA_IFNAME, IFLA_ADDRESS, IFLA_MTU)', () => {
    const p = hex(`00 00 0100 0c000000 43100100 00000000
      1100 0300 63616c693132333435363738 00 000000
      0a00 0100 eeeeeeeeeeee 0000
      0800 0400 dc050000`);
    expect(decodeLink(p)).toEqual({ index: 12, flags: 0x11043, name: 'cali12345678', mac: 'ee:ee:ee:ee:ee:ee', mtu: 1500 });
  });

  it('rejects truncated messages with a clear error', () => {
    expect(() => forEachMessage(hex('40000000 1800 0505 07000000 00000000'), () => {})).toThrow(/truncated message \(len 64 at offset 0 of 16\)/);
  });

  it('round-trips random routes', () => {
    const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((a) => a.join('.'));
    const v6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((g) => formatAddress(Buffer.from(g.flatMap((x) => [x >> 8, x & 255])), 6));
    const route = fc.oneof(
      fc.record({ family: fc.constant(4 as const), dst: v4, dstLen: fc.integer({ min: 0, max: 32 }), gw: fc.array(v4, { minLength: 0, maxLength: 3 }) }),
      fc.record({ family: fc.constant(6 as const), dst: v6, dstLen: fc.integer({ min: 0, max: 128 }), gw: fc.array(v6, { minLength: 0, maxLength: 3 }) }),
    ).chain((base) => fc.record({ oif: fc.option(fc.integer({ min: 1, max: 1 << 20 }), { nil: undefined }), prio: fc.option(fc.nat(), { nil: undefined }), table: fc.integer({ min: 1, max: 70000 }) })
      .map((x) => ({ base, ...x })));
    fc.assert(fc.property(route, ({ base, oif, prio, table }) => {
      const r: RouteMessage = { family: base.family, dst: base.dst, dstLen: base.dstLen, table, protocol: 201, scope: 0, type: 1 };
      if (oif !== undefined) r.oif = oif;
      if (prio !== undefined) r.priority = prio;
      if (base.gw.length === 1) r.gateway = base.gw[0] as string;
      if (base.gw.length > 1) r.multipath = base.gw.map((g, i) => ({ gateway: g, ifindex: i + 1 }));
      expect(decodeRoute(one(encodeRouteBatch([{ op: 'replace', route: r }], 1)).p)).toEqual(r);
    }), { numRuns: 300 });
  });
});

describe('decoders on arbitrary bytes', () => {
  it('return a value or throw a netlink error, nothing else', () => {
    const ok = (fn: () => unknown) => {
      try { fn(); } catch (e) { expect((e as Error).message).toMatch(/^netlink: /); }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 0xffff }), (bytes, flags) => {
      const b = Buffer.from(bytes);
      ok(() => decodeRoute(b));
      ok(() => decodeLink(b));
      ok(() => decodeError({ len: 16 + b.length, type: 2, flags, seq: 1, pid: 0 }, b));
      ok(() => forEachMessage(b, () => {}));
      // a valid header in front of random attributes
      const withHead = Buffer.concat([hex('02 20 00 00 fe c9 fd 01 00000000'), b]);
      ok(() => decodeRoute(withHead));
    }), { numRuns: 3000 });
  });
});

describe('address text', () => {
  it('canonicalises IPv6 per RFC 5952 and checks prefixes', () => {
    expect(canonicalPrefix('2001:DB8:0:0:1:0:0:1/128')).toBe('2001:db8::1:0:0:1/128');
    expect(canonicalPrefix('2001:db8::/32')).toBe('2001:db8::/32');
    expect(canonicalPrefix('::ffff:198.18.0.1/128')).toBe('::ffff:c612:1/128');
    expect(canonicalPrefix('100.64.0.1')).toBe('100.64.0.1/32');
    expect(formatAddress(parseAddress('fe80:0:0:0:0:0:0:1').addr)).toBe('fe80::1');
    expect(formatAddress(parseAddress('1:0:0:2:0:0:0:3').addr)).toBe('1:0:0:2::3');
    expect(() => parsePrefix('100.64.0.0/33')).toThrow(/prefix length must be 0..32/);
    expect(() => parseAddress('1.2.3.04')).toThrow(/not an IPv4 or IPv6 address/);
    expect(() => parseAddress('1::2::3')).toThrow(/not an IPv4 or IPv6 address/);
    for (const bad of ['1.2.3', '1.2.3.4.5', '1..2.3', '256.1.1.1', '01.2.3.4', '1.2.3.4 ', '', '1.2.3.1000']) {
      expect(() => parseAddress(bad), bad).toThrow(/not an IPv4 or IPv6 address/);
    }
    expect(formatAddress(parseAddress('0.0.0.0').addr)).toBe('0.0.0.0');
    expect(formatAddress(parseAddress('255.255.255.255').addr)).toBe('255.255.255.255');
  });
});
