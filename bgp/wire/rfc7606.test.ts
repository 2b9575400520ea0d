// RFC 7606 (and RFC 4271 §6, RFC 6793 §6, RFC 7313 §5) error handling: every
// rule gets a case built from hand-assembled bytes. Each case states the
// action the receiver must take and the NOTIFICATION code/subcode it maps to.

import { describe, expect, it } from 'vitest';
import { msg } from './fixtures/golden.js';
import { decodeMessage, type DecodeResult } from './message.js';
import { wireOptions, type WireOptions } from './options.js';
import { strongestAction, type ErrorAction } from './errors.js';
import type { UpdateMessage } from './update.js';

const as4 = wireOptions({ as4: true });
const as2 = wireOptions({ as4: false });

const ORIGIN = '40 01 01 00';
const AS_PATH = '40 02 06 02 01 0000fc00';
const NEXT_HOP = '40 03 04 c6120001';
const BASE = ORIGIN + AS_PATH + NEXT_HOP;
const NLRI = '20 64400001';
const V6_NH = '20010db8000000000000000000000001';

const hexLen = (h: string, octets = 2) => (h.replace(/\s+/g, '').length / 2).toString(16).padStart(octets * 2, '0');
function update(attrs: string, nlri = NLRI, withdrawn = ''): Buffer {
  return Buffer.from(msg(2, hexLen(withdrawn), withdrawn, hexLen(attrs), attrs, nlri), 'hex');
}
function decode(buf: Buffer, opts: WireOptions = as4): DecodeResult {
  return decodeMessage(buf, opts);
}

interface Case {
  name: string;
  attrs: string;
  nlri?: string;
  opts?: WireOptions;
  action: ErrorAction;
  code?: number;
  subcode: number;
  attrType?: number;
  family?: string;
}

const cases: Case[] = [
  // §7.1 ORIGIN
  { name: 'ORIGIN length 2', attrs: '40 01 02 0000' + AS_PATH + NEXT_HOP, action: 'treat-as-withdraw', subcode: 5, attrType: 1 },
  { name: 'ORIGIN value 3', attrs: '40 01 01 03' + AS_PATH + NEXT_HOP, action: 'treat-as-withdraw', subcode: 6, attrType: 1 },
  // §7.2 AS_PATH
  { name: 'AS_PATH segment overrun', attrs: ORIGIN + '40 02 04 02 03 0000' + NEXT_HOP, action: 'treat-as-withdraw', subcode: 11, attrType: 2 },
  { name: 'AS_PATH segment of length 0', attrs: ORIGIN + '40 02 02 02 00' + NEXT_HOP, action: 'treat-as-withdraw', subcode: 11, attrType: 2 },
  { name: 'AS_PATH unknown segment type 5', attrs: ORIGIN + '40 02 06 05 01 0000fc00' + NEXT_HOP, action: 'treat-as-withdraw', subcode: 11, attrType: 2 },
  { name: 'AS_PATH underrun (1 octet after the last segment)', attrs: ORIGIN + '40 02 07 02 01 0000fc00 00' + NEXT_HOP, action: 'treat-as-withdraw', subcode: 11, attrType: 2 },
  // §7.3-7.5
  { name: 'NEXT_HOP length 5', attrs: ORIGIN + AS_PATH + '40 03 05 c612000101', action: 'treat-as-withdraw', subcode: 5, attrType: 3 },
  { name: 'MULTI_EXIT_DISC length 3', attrs: BASE + '80 04 03 000001', action: 'treat-as-withdraw', subcode: 5, attrType: 4 },
  { name: 'LOCAL_PREF length 0', attrs: BASE + '40 05 00', action: 'treat-as-withdraw', subcode: 5, attrType: 5 },
  // §7.6-7.7: attribute discard
  { name: 'ATOMIC_AGGREGATE length 1', attrs: BASE + '40 06 01 00', action: 'attribute-discard', subcode: 5, attrType: 6 },
  { name: 'AGGREGATOR length 6 on a 4-octet session', attrs: BASE + 'c0 07 06 fc00 c6120009', action: 'attribute-discard', subcode: 5, attrType: 7 },
  { name: 'AGGREGATOR length 8 on a 2-octet session', opts: as2, attrs: ORIGIN + '40 02 04 02 01 fc00' + NEXT_HOP + 'c0 07 08 0000fc00 c6120009', action: 'attribute-discard', subcode: 5, attrType: 7 },
  // §7.8-7.10, 7.14, RFC 8092
  { name: 'COMMUNITIES length 0', attrs: BASE + 'c0 08 00', action: 'treat-as-withdraw', subcode: 5, attrType: 8 },
  { name: 'COMMUNITIES length 5', attrs: BASE + 'c0 08 05 fc00006400', action: 'treat-as-withdraw', subcode: 5, attrType: 8 },
  { name: 'ORIGINATOR_ID length 5', attrs: BASE + '80 09 05 c612000500', action: 'treat-as-withdraw', subcode: 5, attrType: 9 },
  { name: 'CLUSTER_LIST length 6', attrs: BASE + '80 0a 06 c6120006 0000', action: 'treat-as-withdraw', subcode: 5, attrType: 10 },
  { name: 'EXTENDED_COMMUNITIES length 7', attrs: BASE + 'c0 10 07 0002fc00000000', action: 'treat-as-withdraw', subcode: 5, attrType: 16 },
  { name: 'LARGE_COMMUNITY length 11', attrs: BASE + 'c0 20 0b fa56ea01 00000001 000000', action: 'treat-as-withdraw', subcode: 5, attrType: 32 },
  // RFC 6793 §6: AS4 attributes
  { name: 'AS4_PATH malformed on a 2-octet session', opts: as2, attrs: ORIGIN + '40 02 04 02 01 5ba0' + NEXT_HOP + 'c0 11 03 02 01 00', action: 'attribute-discard', subcode: 9, attrType: 17 },
  { name: 'AS4_PATH with a confederation segment', opts: as2, attrs: ORIGIN + '40 02 04 02 01 5ba0' + NEXT_HOP + 'c0 11 06 03 01 fa56ea01', action: 'attribute-discard', subcode: 9, attrType: 17 },
  { name: 'AS4_AGGREGATOR length 6', opts: as2, attrs: ORIGIN + '40 02 04 02 01 5ba0' + NEXT_HOP + 'c0 12 06 5ba0 c6120009', action: 'attribute-discard', subcode: 5, attrType: 18 },
  { name: 'AS4_PATH received on a 4-octet session', attrs: BASE + 'c0 11 06 02 01 fa56ea01', action: 'attribute-discard', subcode: 9, attrType: 17 },
  // §7.11-7.12 MP_REACH / MP_UNREACH
  { name: 'MP_REACH_NLRI IPv6 next hop length 5', nlri: '', attrs: `80 0e 0a 0002 01 05 ${'00'.repeat(5)} 00` + ORIGIN + AS_PATH, action: 'afi-safi-disable', subcode: 9, attrType: 14, family: 'ipv6-unicast' },
  { name: 'MP_REACH_NLRI IPv6 prefix length 129', nlri: '', attrs: `80 0e 17 0002 01 10 ${V6_NH} 00 81 00` + ORIGIN + AS_PATH, action: 'afi-safi-disable', subcode: 10, attrType: 14, family: 'ipv6-unicast' },
  { name: 'MP_REACH_NLRI next hop running past the attribute', nlri: '', attrs: `80 0e 08 0002 01 10 00000000` + ORIGIN + AS_PATH, action: 'afi-safi-disable', subcode: 9, attrType: 14, family: 'ipv6-unicast' },
  { name: 'MP_REACH_NLRI too short to hold a family', nlri: '', attrs: '80 0e 02 0002' + ORIGIN + AS_PATH, action: 'session-reset', subcode: 9 },
  { name: 'MP_UNREACH_NLRI IPv6 prefix running past the attribute', nlri: '', attrs: '80 0f 05 0002 01 40 20', action: 'afi-safi-disable', subcode: 10, attrType: 15, family: 'ipv6-unicast' },
  { name: 'MP_UNREACH_NLRI too short', nlri: '', attrs: '80 0f 02 0002', action: 'session-reset', subcode: 9 },
  // §3c flags
  { name: 'ORIGIN flagged optional', attrs: 'c0 01 01 00' + AS_PATH + NEXT_HOP, action: 'treat-as-withdraw', subcode: 4, attrType: 1 },
  { name: 'MULTI_EXIT_DISC flagged transitive', attrs: BASE + 'c0 04 04 00000001', action: 'treat-as-withdraw', subcode: 4, attrType: 4 },
  { name: 'COMMUNITIES flagged non-transitive', attrs: BASE + '80 08 04 fc000064', action: 'treat-as-withdraw', subcode: 4, attrType: 8 },
  { name: 'AGGREGATOR flagged well-known', attrs: BASE + '40 07 08 0000fc00 c6120009', action: 'attribute-discard', subcode: 4, attrType: 7 },
  { name: 'MP_REACH_NLRI flagged transitive', nlri: '', attrs: `c0 0e 16 0002 01 10 ${V6_NH} 00 00` + ORIGIN + AS_PATH, action: 'session-reset', subcode: 4, attrType: 14 },
  // §3f duplicates
  { name: 'MP_REACH_NLRI twice', nlri: '', attrs: `80 0e 16 0002 01 10 ${V6_NH} 00 00`.repeat(2) + ORIGIN + AS_PATH, action: 'session-reset', subcode: 1 },
  { name: 'MP_UNREACH_NLRI twice', nlri: '', attrs: '80 0f 03 0002 01'.repeat(2), action: 'session-reset', subcode: 1 },
  { name: 'COMMUNITIES twice: later copy discarded', attrs: BASE + 'c0 08 04 fc000064' + 'c0 08 04 fc0000c8', action: 'attribute-discard', subcode: 1, attrType: 8 },
  // §3d missing well-known attributes
  { name: 'ORIGIN missing', attrs: AS_PATH + NEXT_HOP, action: 'treat-as-withdraw', subcode: 3, attrType: 1 },
  { name: 'AS_PATH missing', attrs: ORIGIN + NEXT_HOP, action: 'treat-as-withdraw', subcode: 3, attrType: 2 },
  { name: 'NEXT_HOP missing with IPv4 NLRI', attrs: ORIGIN + AS_PATH, action: 'treat-as-withdraw', subcode: 3, attrType: 3 },
  { name: 'ORIGIN missing with MP_REACH_NLRI routes', nlri: '', attrs: `80 0e 1c 0002 01 10 ${V6_NH} 00 30 20010db80001` + AS_PATH, action: 'treat-as-withdraw', subcode: 3, attrType: 1 },
  // RFC 4271 §6.3: unrecognised well-known
  { name: 'unrecognised well-known attribute type 99', attrs: BASE + '40 63 01 00', action: 'session-reset', subcode: 2, attrType: 99 },
  // §4 attribute block framing
  { name: 'attribute length running past the block', attrs: BASE + 'c0 08 08 fc000064', action: 'treat-as-withdraw', subcode: 5, attrType: 8 },
  { name: 'two octets left in the attribute block', attrs: BASE + 'c0 08', action: 'treat-as-withdraw', subcode: 1 },
];

describe('RFC 7606: malformed attributes', () => {
  for (const c of cases) {
    it(`${c.name} → ${c.action} (${c.code ?? 3}/${c.subcode})`, () => {
      const r = decode(update(c.attrs, c.nlri ?? NLRI), c.opts ?? as4);
      if (c.action === 'session-reset') {
        expect(r.ok, 'expected a session reset').toBe(false);
        if (r.ok) return;
        expect(r.error).toMatchObject({ code: c.code ?? 3, subcode: c.subcode, action: 'session-reset' });
        if (c.attrType !== undefined) expect(r.error.attrType).toBe(c.attrType);
        expect(r.error.reason.length).toBeGreaterThan(10);
        return;
      }
      if (!r.ok) throw new Error(`unexpected session reset: ${r.error.reason}`);
      expect(strongestAction(r.errors)).toBe(c.action);
      const e = r.errors.find((x) => x.action === c.action)!;
      expect(e).toMatchObject({ code: c.code ?? 3, subcode: c.subcode });
      if (c.attrType !== undefined) expect(e.attrType).toBe(c.attrType);
      if (c.family) expect(e.family).toBe(c.family);
    });
  }

  it('NOTIFICATION data for flag and length errors is the whole attribute', () => {
    const r = decode(update(BASE + 'c0 04 04 00000001'));
    if (!r.ok) throw new Error(r.error.reason);
    expect(r.errors[0]!.data.toString('hex')).toBe('c0040400000001');
  });

  it('missing-attribute data is the type code', () => {
    const r = decode(update(AS_PATH + NEXT_HOP));
    if (!r.ok) throw new Error(r.error.reason);
    expect(r.errors[0]!.data).toEqual(Buffer.from([1]));
  });

  it('attribute discard keeps the route and the other attributes', () => {
    const r = decode(update(BASE + '40 06 01 00' + 'c0 08 04 fc000064'));
    if (!r.ok) throw new Error(r.error.reason);
    const u = r.message as UpdateMessage;
    expect(u.attrs.atomicAggregate).toBeUndefined();
    expect(u.attrs.communities).toEqual([0xfc000064]);
    expect(u.nlri.map(String)).toEqual(['100.64.0.1/32']);
  });

  it('a duplicate keeps the first copy', () => {
    const r = decode(update(BASE + 'c0 08 04 fc000064' + 'c0 08 04 fc0000c8'));
    if (!r.ok) throw new Error(r.error.reason);
    expect((r.message as UpdateMessage).attrs.communities).toEqual([0xfc000064]);
  });

  it('treat-as-withdraw still yields the prefixes to withdraw, found through Total Attribute Length', () => {
    const r = decode(update(BASE + 'c0 08 08 fc000064', '20 64400001 18 644002'));
    if (!r.ok) throw new Error(r.error.reason);
    expect((r.message as UpdateMessage).nlri.map(String)).toEqual(['100.64.0.1/32', '100.64.2.0/24']);
  });

  it('several errors: the strongest action wins (§3g)', () => {
    const r = decode(update(BASE + '40 06 01 00' + '80 04 03 000001'));
    if (!r.ok) throw new Error(r.error.reason);
    expect(r.errors.map((e) => e.action).sort()).toEqual(['attribute-discard', 'treat-as-withdraw']);
    expect(strongestAction(r.errors)).toBe('treat-as-withdraw');
  });

  it('NEXT_HOP is not required when routes come only in MP_REACH_NLRI', () => {
    const r = decode(update(`80 0e 1c 0002 01 10 ${V6_NH} 00 30 20010db80001` + ORIGIN + AS_PATH, ''));
    expect(r.ok && r.errors.length === 0).toBe(true);
  });

  it('a withdrawal-only UPDATE needs no attributes', () => {
    const r = decode(update('', '', '20 64400001'));
    expect(r.ok && r.errors.length === 0).toBe(true);
  });

  it('unknown optional non-transitive and transitive attributes are kept without error', () => {
    const r = decode(update(BASE + '80 64 01 aa' + 'c0 65 01 bb'));
    if (!r.ok) throw new Error(r.error.reason);
    expect(r.errors).toEqual([]);
    expect((r.message as UpdateMessage).attrs.unknown).toEqual([
      { type: 100, flags: 0x80, value: Buffer.from('aa', 'hex') },
      { type: 101, flags: 0xc0, value: Buffer.from('bb', 'hex') },
    ]);
  });

  it('an unknown AFI/SAFI in MP_REACH_NLRI is kept opaque for the session to judge', () => {
    const r = decode(update('80 0e 0a 0019 46 04 c6120001 00 aa' + ORIGIN + AS_PATH, ''));
    if (!r.ok) throw new Error(r.error.reason);
    expect(r.errors).toEqual([]);
    expect((r.message as UpdateMessage).mpReach).toEqual({ afi: 25, safi: 70, nextHop: [], nlri: [], opaque: { nextHop: Buffer.from('c6120001', 'hex'), nlri: Buffer.from('aa', 'hex') } });
  });
});

describe('RFC 7606 §5.3 / RFC 4271 §6.3: UPDATE framing and NLRI fields', () => {
  const reset = (buf: Buffer, subcode: number, opts: WireOptions = as4) => {
    const r = decode(buf, opts);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 3, subcode, action: 'session-reset' });
  };
  it('Withdrawn Routes Length past the message → Malformed Attribute List', () => reset(Buffer.from(msg(2, '0010', '20 64400001', '0000'), 'hex'), 1));
  it('Total Path Attribute Length past the message → Malformed Attribute List', () => reset(Buffer.from(msg(2, '0000', '0040', BASE), 'hex'), 1));
  it('NLRI prefix length 33 → Invalid Network Field', () => reset(update(BASE, '21 6440000100'), 10));
  it('NLRI prefix truncated → Invalid Network Field', () => reset(update(BASE, '20 6440'), 10));
  it('withdrawn prefix length 33 → Invalid Network Field', () => reset(update('', '', '21 6440000100'), 10));
  it('ADD-PATH NLRI with a truncated path identifier → Invalid Network Field', () =>
    reset(update(BASE, '000000'), 10, wireOptions({ addPath: new Set(['ipv4-unicast']) })));
  it('host bits beyond the prefix length are cleared, not an error', () => {
    const r = decode(update(BASE, '18 644001'));
    expect(r.ok && (r.message as UpdateMessage).nlri.map(String)).toEqual(['100.64.1.0/24']);
    const r2 = decode(update(BASE, '17 644003'));
    expect(r2.ok && (r2.message as UpdateMessage).nlri.map(String)).toEqual(['100.64.2.0/23']);
  });
});

describe('RFC 4271 §6.1-6.2, RFC 7313 §5: header, OPEN and ROUTE-REFRESH errors', () => {
  const open = (...fields: string[]) => Buffer.from(msg(1, ...fields), 'hex');
  const expectErr = (r: DecodeResult, code: number, subcode: number, dataHex?: string) => {
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ code, subcode, action: 'session-reset' });
    if (dataHex !== undefined) expect(r.error.data.toString('hex')).toBe(dataHex);
  };
  it('version 3 → Unsupported Version Number, data = 4', () => expectErr(decode(open('03 fc00 005a c6120001 00')), 2, 1, '0004'));
  it('hold time 2 → Unacceptable Hold Time', () => expectErr(decode(open('04 fc00 0002 c6120001 00')), 2, 6));
  it('BGP Identifier 0 → Bad BGP Identifier', () => expectErr(decode(open('04 fc00 005a 00000000 00')), 2, 3));
  it('optional parameter type 1 → Unsupported Optional Parameter', () => expectErr(decode(open('04 fc00 005a c6120001 03 01 01 00')), 2, 4, '010100'));
  it('capability running past its parameter → OPEN Message Error', () => expectErr(decode(open('04 fc00 005a c6120001 04 02 02 41 04')), 2, 0));
  it('malformed known capability (4-octet AS of length 2) → OPEN Message Error', () => expectErr(decode(open('04 fc00 005a c6120001 06 02 04 41 02 fde9')), 2, 0, '4102fde9'));
  it('optional parameters length not matching the message → OPEN Message Error', () => expectErr(decode(open('04 fc00 005a c6120001 09 02 02 02 00')), 2, 0));
  it('KEEPALIVE of 20 octets → Bad Message Length', () => expectErr(decode(Buffer.from(msg(4, '00'), 'hex')), 1, 2, '0014'));
  it('unknown message type 6 → Bad Message Type', () => expectErr(decode(Buffer.from(msg(6, '00000000'), 'hex')), 1, 3, '06'));
  it('bad marker → Connection Not Synchronized', () => {
    const b = Buffer.from(msg(4), 'hex');
    b[3] = 0;
    expectErr(decode(b), 1, 1);
  });
  it('UPDATE over 4096 octets without extended messages → Bad Message Length', () => {
    const big = update(BASE, '20 64400001'.repeat(900));
    expectErr(decode(big), 1, 2);
    expect(decode(big, wireOptions({ extendedMessage: true })).ok).toBe(true);
  });
  it('BoRR of 24 octets → ROUTE-REFRESH Message Error / Invalid Message Length', () => expectErr(decode(Buffer.from(msg(5, '0001 01 01 00'), 'hex')), 7, 1));
  it('ROUTE-REFRESH subtype 3 is ignored', () => {
    const r = decode(Buffer.from(msg(5, '0001 03 01'), 'hex'));
    expect(r.ok && r.message === undefined).toBe(true);
  });
});
