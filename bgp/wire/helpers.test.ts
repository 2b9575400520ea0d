// The codec's pure helpers: RFC 6793 AS4 merge and AS_TRANS encoding,
// RFC 9003 shutdown communication, NOTIFICATION descriptions, forwarding of
// unknown attributes, End-of-RIB detection, addresses and prefixes.

import { describe, expect, it } from 'vitest';
import { mergeAs4 } from './as4.js';
import { ipv6ToString, parseIpv6 } from './address.js';
import { forwardableAttributes } from './attrs/forward.js';
import { attributesForSession } from './attrs/encode.js';
import { decodeMessage } from './message.js';
import { describeNotification, hardResetNotification, maxPrefixNotification, shutdownCommunication, shutdownNotification } from './notification.js';
import { wireOptions } from './options.js';
import { Prefix, tryParsePrefix } from './prefix.js';
import { encodeUpdate, endOfRib, endOfRibFamily, type UpdateMessage } from './update.js';
import { makeOpen } from './open.js';
import { negotiateWire } from './negotiate.js';

describe('RFC 6793 AS4 merge', () => {
  it('rebuilds the path from AS_PATH and AS4_PATH', () => {
    const merged = mergeAs4({
      asPath: [{ type: 2, asns: [65010, 23456, 65001] }],
      as4Path: [{ type: 2, asns: [4200000001, 65001] }],
    });
    expect(merged).toEqual({ asPath: [{ type: 2, asns: [65010, 4200000001, 65001] }] });
  });
  it('ignores AS4_PATH longer than AS_PATH', () => {
    expect(mergeAs4({ asPath: [{ type: 2, asns: [23456] }], as4Path: [{ type: 2, asns: [1, 2] }] })).toEqual({ asPath: [{ type: 2, asns: [23456] }] });
  });
  it('ignores both AS4 attributes when AGGREGATOR is not AS_TRANS', () => {
    const m = mergeAs4({
      asPath: [{ type: 2, asns: [23456] }], aggregator: { asn: 65001, address: '198.18.0.9' },
      as4Path: [{ type: 2, asns: [4200000001] }], as4Aggregator: { asn: 4200000001, address: '198.18.0.9' },
    });
    expect(m).toEqual({ asPath: [{ type: 2, asns: [23456] }], aggregator: { asn: 65001, address: '198.18.0.9' } });
  });
  it('takes AS4_AGGREGATOR when AGGREGATOR is AS_TRANS; AS_SET counts as one', () => {
    const m = mergeAs4({
      asPath: [{ type: 2, asns: [65010] }, { type: 1, asns: [23456, 65002] }], aggregator: { asn: 23456, address: '198.18.0.9' },
      as4Path: [{ type: 1, asns: [4200000001, 65002] }], as4Aggregator: { asn: 4200000001, address: '198.18.0.9' },
    });
    expect(m.asPath).toEqual([{ type: 2, asns: [65010] }, { type: 1, asns: [4200000001, 65002] }]);
    expect(m.aggregator).toEqual({ asn: 4200000001, address: '198.18.0.9' });
  });
  it('a 4-octet path sent to a 2-octet peer carries AS_TRANS plus AS4_PATH, and decodes back to the same path', () => {
    const as2 = wireOptions({ as4: false });
    const u: UpdateMessage = {
      kind: 'update', withdrawn: [], nlri: [Prefix.parse('100.64.0.0/26')],
      attrs: { origin: 0, asPath: [{ type: 2, asns: [65001, 4200000001] }], nextHop: '198.18.0.2', aggregator: { asn: 4200000001, address: '198.18.0.9' } },
    };
    const r = decodeMessage(encodeUpdate(u, as2), as2);
    if (!r.ok) throw new Error(r.error.reason);
    const got = r.message as UpdateMessage;
    expect(got.attrs.asPath).toEqual([{ type: 2, asns: [65001, 23456] }]);
    expect(mergeAs4(got.attrs)).toEqual(u.attrs);
  });
  it('AS4 attributes are never sent to a 4-octet peer', () => {
    expect(attributesForSession({ origin: 0, as4Path: [{ type: 2, asns: [1] }] }, true)).toEqual({ origin: 0 });
  });
});

describe('NOTIFICATION helpers', () => {
  it('shutdown communication round-trips and is described', () => {
    const n = shutdownNotification(2, 'maintenance window 42');
    expect(shutdownCommunication(n)).toBe('maintenance window 42');
    expect(describeNotification(n)).toBe('Cease / Administrative Shutdown: "maintenance window 42"');
  });
  it('a communication over 255 octets is cut at a character boundary', () => {
    const n = shutdownNotification(4, 'é'.repeat(200));
    expect(n.data[0]).toBe(254);
    expect(shutdownCommunication(n)).toBe('é'.repeat(127));
  });
  it('invalid UTF-8 or a bad length is treated as no communication (RFC 9003 §3)', () => {
    expect(shutdownCommunication({ kind: 'notification', code: 6, subcode: 2, data: Buffer.from('02c328', 'hex') })).toBeUndefined();
    expect(shutdownCommunication({ kind: 'notification', code: 6, subcode: 2, data: Buffer.from('0961', 'hex') })).toBeUndefined();
  });
  it('describes max-prefix, hard reset and unknown codes', () => {
    expect(describeNotification(maxPrefixNotification(1, 1, 1000))).toBe('Cease / Maximum Number of Prefixes Reached (afi 1 safi 1 limit 1000)');
    expect(describeNotification(hardResetNotification({ code: 4, subcode: 0, data: Buffer.alloc(0) }))).toBe('Cease / Hard Reset (cause: Hold Timer Expired)');
    expect(describeNotification({ code: 8, subcode: 0, data: Buffer.alloc(0) })).toBe('Send Hold Timer Expired');
    expect(describeNotification({ code: 42, subcode: 7, data: Buffer.alloc(0) })).toBe('error code 42 / subcode 7');
  });
});

describe('forwarding unknown attributes (RFC 4271 §5)', () => {
  it('sets Partial on optional transitive ones and drops non-transitive ones', () => {
    const out = forwardableAttributes({ origin: 0, unknown: [{ type: 99, flags: 0xc0, value: Buffer.from('01', 'hex') }, { type: 100, flags: 0x80, value: Buffer.from('02', 'hex') }] });
    expect(out).toEqual({ origin: 0, unknown: [{ type: 99, flags: 0xe0, value: Buffer.from('01', 'hex') }] });
  });
});

describe('End-of-RIB', () => {
  it('recognises the markers it builds and nothing else', () => {
    expect(endOfRibFamily(endOfRib(1))).toEqual({ afi: 1, safi: 1 });
    expect(endOfRibFamily(endOfRib(2))).toEqual({ afi: 2, safi: 1 });
    expect(endOfRibFamily({ kind: 'update', withdrawn: [], nlri: [], attrs: { origin: 0 } })).toBeUndefined();
    expect(endOfRibFamily({ kind: 'update', withdrawn: [Prefix.parse('100.64.0.0/24')], nlri: [], attrs: {} })).toBeUndefined();
  });
});

describe('addresses and prefixes', () => {
  it('formats IPv6 per RFC 5952', () => {
    const f = (s: string) => ipv6ToString(...parseIpv6(s)!);
    expect(f('2001:0db8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(f('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(f('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1');
    expect(f('::')).toBe('::');
    expect(f('::ffff:198.18.0.1')).toBe('::ffff:c612:1');
  });
  it('rejects malformed text', () => {
    for (const bad of ['1.2.3', '256.1.1.1', '1.2.3.4/33', '::1::2', '2001:db8::/129', 'x', '1:2:3:4:5:6:7:8:9']) expect(tryParsePrefix(bad), bad).toBeUndefined();
  });
  it('clears host bits', () => {
    expect(String(Prefix.parse('100.64.1.77/24'))).toBe('100.64.1.0/24');
    expect(String(Prefix.parse('2001:db8:ffff:ffff::1/33'))).toBe('2001:db8:8000::/33');
  });
});

describe('negotiateWire', () => {
  const open = (caps: import('./caps/types.js').Capability[]) => makeOpen({ asn: 65001, holdTime: 90, routerId: '198.18.0.1', capabilities: caps });
  it('ADD-PATH per family and direction, 4-octet AS and extended message only when both announce them', () => {
    const local = open([{ kind: 'as4', asn: 65001 }, { kind: 'extended-message' }, { kind: 'add-path', families: [{ afi: 1, safi: 1, mode: 3 }, { afi: 2, safi: 1, mode: 1 }] }]);
    const remote = open([{ kind: 'as4', asn: 65002 }, { kind: 'add-path', families: [{ afi: 1, safi: 1, mode: 1 }, { afi: 2, safi: 1, mode: 2 }] }]);
    const n = negotiateWire(local, remote);
    expect(n.rx.as4).toBe(true);
    expect(n.rx.extendedMessage).toBe(false);
    expect([...n.rx.addPath]).toEqual(['ipv6-unicast']);
    expect([...n.tx.addPath]).toEqual(['ipv4-unicast']);
    expect(negotiateWire(local, open([])).rx.as4).toBe(false);
  });
});
