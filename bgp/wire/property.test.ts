// Property tests (fast-check) of the wire codec's round trips: for generated
// messages m, decodeMessage(encodeMessage(m)) is ok, carries no RFC 7606
// errors, and deep-equals m. Covers UPDATEs with every implemented path
// attribute and unknown optional transitive ones, IPv4 NLRI and withdrawals,
// MP_REACH/MP_UNREACH IPv6 (one or two next hops), ADD-PATH, 4-octet and
// 2-octet AS sessions (including RFC 6793 AS_TRANS + AS4_PATH/AS4_AGGREGATOR
// and their merge), OPENs with every capability kind, unknown capabilities
// and parameter layouts, NOTIFICATION and ROUTE-REFRESH. Also the packer:
// every message within the negotiated size, decodable, the prefixes coming
// back in order, and no two consecutive messages mergeable. The exact
// round trip is what lets the speaker re-advertise what it decoded, and the
// golden fixtures compare byte for byte; these properties cover the values no
// capture happens to contain.

import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  AS_TRANS, AttrFlag, CAPABILITY_ROWS, Prefix, attributeRow, decodeMessage, encodeMessage, ipv4ToString, ipv6ToString,
  maxMessageLength, mergeAs4, packAnnouncements, packWithdrawals, wireOptions,
  type AsPathSegment, type Capability, type FamilyName, type Message, type MpReach, type MpUnreach, type OpenMessage,
  type PathAttributes, type UnknownAttribute, type UpdateMessage, type WireOptions,
} from './index.js';

const RUNS = { numRuns: 150 };

/** fc.record with ordinary objects: decoded values never have a null prototype. */
const rec: typeof fc.record = ((model: never, constraints?: object) => fc.record(model, { ...constraints, noNullPrototype: true })) as never;

// ---------------------------------------------------------------------------
// Generators

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const ipv4 = u32.map(ipv4ToString);
const ipv6 = fc.tuple(u32, u32, u32, u32).map(([a, b, c, d]) => ipv6ToString(a, b, c, d));
const linkLocal = fc.tuple(u32, u32).map(([c, d]) => ipv6ToString(0xfe800000, 0, c, d));
const bytes = (maxLength: number, minLength = 0) => fc.uint8Array({ minLength, maxLength }).map((a) => Buffer.from(a));

const v4Prefix = (addPath: boolean) =>
  fc.tuple(u32, fc.integer({ min: 0, max: 32 }), u32).map(([a, len, id]) => Prefix.v4(a, len, addPath ? id : 0));
const v6Prefix = (addPath: boolean) =>
  fc.tuple(u32, u32, u32, u32, fc.integer({ min: 0, max: 128 }), u32).map(([a, b, c, d, len, id]) => Prefix.v6([a, b, c, d], len, addPath ? id : 0));

/** Mostly short segments, sometimes up to the 255 a segment can hold. */
const asnCount = fc.oneof({ arbitrary: fc.integer({ min: 1, max: 6 }), weight: 5 }, { arbitrary: fc.integer({ min: 1, max: 255 }), weight: 1 });
const segment = (asn: fc.Arbitrary<number>, types: readonly number[]): fc.Arbitrary<AsPathSegment> =>
  fc.tuple(fc.constantFrom(...types), asnCount).chain(([type, n]) => fc.array(asn, { minLength: n, maxLength: n }).map((asns) => ({ type, asns })));
const asPath = (asn: fc.Arbitrary<number>, types: readonly number[] = [1, 2, 3, 4], minLength = 0) =>
  fc.array(segment(asn, types), { minLength, maxLength: 3 });

/** Unknown attribute types: anything the registry does not implement, MP attributes excluded. */
const UNKNOWN_TYPES = Array.from({ length: 256 }, (_, t) => t).filter((t) => t !== 14 && t !== 15 && attributeRow(t) === undefined);
const unknownAttrs: fc.Arbitrary<UnknownAttribute[]> = fc
  .uniqueArray(rec({
    type: fc.constantFrom(...UNKNOWN_TYPES),
    flags: fc.constant(AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE | AttrFlag.PARTIAL),
    value: fc.oneof({ arbitrary: bytes(16), weight: 4 }, { arbitrary: bytes(300, 256), weight: 1 }),
  }), { minLength: 1, maxLength: 3, selector: (u) => u.type })
  // canonical order: ascending type code, as the encoder writes them
  .map((a) => a.sort((x, y) => x.type - y.type));

const list = <T>(a: fc.Arbitrary<T>, max: number) => fc.array(a, { minLength: 1, maxLength: max });

/** Path attributes; ASNs from `asn`; AS4_PATH / AS4_AGGREGATOR only when `as4Attrs`. */
function pathAttributes(asn: fc.Arbitrary<number>, as4Attrs: boolean): fc.Arbitrary<PathAttributes> {
  return rec({
    origin: fc.constantFrom(0 as const, 1 as const, 2 as const),
    asPath: asPath(asn),
    nextHop: ipv4,
    med: u32,
    localPref: u32,
    atomicAggregate: fc.constant(true as const),
    aggregator: rec({ asn, address: ipv4 }),
    communities: list(u32, 20),
    originatorId: ipv4,
    clusterList: list(ipv4, 10),
    extCommunities: list(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), 10),
    largeCommunities: list(fc.tuple(u32, u32, u32), 10),
    unknown: unknownAttrs,
    ...(as4Attrs ? { as4Path: asPath(u32, [1, 2], 1), as4Aggregator: rec({ asn: u32, address: ipv4 }) } : {}),
  }, { requiredKeys: [] }) as fc.Arbitrary<PathAttributes>;
}

interface UpdateCase {
  readonly m: UpdateMessage;
  readonly opts: WireOptions;
}

const addPathSets = fc.constantFrom<FamilyName[]>([], ['ipv4-unicast'], ['ipv6-unicast'], ['ipv4-unicast', 'ipv6-unicast']);

/**
 * UPDATEs that announce carry ORIGIN and AS_PATH (and NEXT_HOP with IPv4
 * NLRI), else the decoder rightly reports a missing well-known attribute.
 */
function updates(as4: boolean, asn: fc.Arbitrary<number>, as4Attrs: boolean): fc.Arbitrary<UpdateCase> {
  return rec({ addPath: addPathSets, extendedMessage: fc.boolean() }).chain(({ addPath, extendedMessage }) => {
    const ap4 = addPath.includes('ipv4-unicast');
    const ap6 = addPath.includes('ipv6-unicast');
    const mpReach: fc.Arbitrary<MpReach> = rec({
      nextHop: fc.oneof(ipv6.map((g) => [g]), fc.tuple(ipv6, linkLocal).map(([g, l]) => [g, l])),
      nlri: fc.array(v6Prefix(ap6), { maxLength: 20 }),
    }).map(({ nextHop, nlri }) => ({ afi: 2, safi: 1, nextHop, nlri }));
    const mpUnreach: fc.Arbitrary<MpUnreach> = fc.array(v6Prefix(ap6), { maxLength: 20 }).map((withdrawn) => ({ afi: 2, safi: 1, withdrawn }));
    return rec({
      withdrawn: fc.array(v4Prefix(ap4), { maxLength: 20 }),
      nlri: fc.array(v4Prefix(ap4), { maxLength: 20 }),
      attrs: pathAttributes(asn, as4Attrs),
      mpReach: fc.option(mpReach, { nil: undefined }),
      mpUnreach: fc.option(mpUnreach, { nil: undefined }),
      defaults: rec({ origin: fc.constantFrom(0 as const, 1 as const, 2 as const), asPath: asPath(asn), nextHop: ipv4 }),
    }).map(({ withdrawn, nlri, attrs, mpReach, mpUnreach, defaults }) => {
      const a: { -readonly [K in keyof PathAttributes]: PathAttributes[K] } = { ...attrs };
      if (nlri.length > 0 || (mpReach && mpReach.nlri.length > 0)) {
        a.origin ??= defaults.origin;
        a.asPath ??= defaults.asPath;
        if (nlri.length > 0) a.nextHop ??= defaults.nextHop;
      }
      const m: UpdateMessage = { kind: 'update', withdrawn, attrs: a, nlri, ...(mpReach ? { mpReach } : {}), ...(mpUnreach ? { mpUnreach } : {}) };
      return { m, opts: wireOptions({ as4, addPath: new Set(addPath), extendedMessage }) };
    });
  });
}

/** encodeMessage, or undefined when the generated message is larger than the session allows. */
function encodeOrSkip(m: Message, opts: WireOptions): Buffer | undefined {
  try {
    return encodeMessage(m, opts);
  } catch (e) {
    if (e instanceof RangeError && /exceeds the maximum/.test(e.message)) return undefined;
    throw e;
  }
}

function roundTrip(m: Message, opts: WireOptions): void {
  const buf = encodeOrSkip(m, opts);
  fc.pre(buf !== undefined);
  expect(buf!.length).toBeLessThanOrEqual(maxMessageLength(opts));
  const r = decodeMessage(buf!, opts);
  expect(r.ok).toBe(true);
  if (!r.ok) return;
  expect(r.errors).toEqual([]);
  expect(r.message).toStrictEqual(m);
  expect(isDeepStrictEqual(r.message, m)).toBe(true);
}

// ---------------------------------------------------------------------------
// UPDATE

const u16asn = fc.integer({ min: 0, max: 0xffff });

describe('UPDATE: decode(encode(m)) = m', () => {
  it('4-octet-AS sessions, any ASNs', () => {
    fc.assert(fc.property(updates(true, u32, false), ({ m, opts }) => roundTrip(m, opts)), RUNS);
  });

  it('2-octet-AS sessions, 2-octet ASNs, AS4_PATH / AS4_AGGREGATOR carried as given', () => {
    fc.assert(fc.property(updates(false, u16asn, true), ({ m, opts }) => roundTrip(m, opts)), RUNS);
  });

  it('End-of-RIB and other UPDATEs with nothing in them', () => {
    const opts = wireOptions();
    roundTrip({ kind: 'update', withdrawn: [], attrs: {}, nlri: [] }, opts);
    roundTrip({ kind: 'update', withdrawn: [], attrs: {}, nlri: [], mpUnreach: { afi: 2, safi: 1, withdrawn: [] } }, opts);
    roundTrip({ kind: 'update', withdrawn: [], attrs: { origin: 0, asPath: [] }, nlri: [], mpReach: { afi: 2, safi: 1, nextHop: ['2001:db8::1'], nlri: [] } }, opts);
  });
});

// RFC 6793 §4.2.2-4.2.3: on a 2-octet session ASNs above 65535 travel as
// AS_TRANS with the real ones in AS4_PATH / AS4_AGGREGATOR; merging them
// gives back the path (confederation segments, which AS4_PATH never
// carries, keep AS_TRANS).

const big = (a: number) => a > 0xffff;
const trans = (a: number) => (big(a) ? AS_TRANS : a);
const mapPath = (p: readonly AsPathSegment[]) => p.map((s) => ({ type: s.type, asns: s.asns.map(trans) }));

/** Adjacent AS_SEQUENCEs joined (up to 255 ASNs): the same path, written either way. */
function normalise(p: readonly AsPathSegment[] | undefined): AsPathSegment[] | undefined {
  if (!p) return p;
  const out: AsPathSegment[] = [];
  for (const s of p) {
    const last = out[out.length - 1];
    if (last && last.type === 2 && s.type === 2 && last.asns.length + s.asns.length <= 255) out[out.length - 1] = { type: 2, asns: [...last.asns, ...s.asns] };
    else out.push({ type: s.type, asns: [...s.asns] });
  }
  return out;
}

const as6793 = (confedMin: number, mainMin: number) => rec({
  confed: asPath(u32, [3, 4], confedMin).map((a) => a.slice(0, 2)),
  main: asPath(u32, [1, 2], mainMin),
  aggregator: fc.option(rec({ asn: fc.oneof(u32, u16asn, fc.constant(AS_TRANS)), address: ipv4 }), { nil: undefined }),
  nlri: fc.array(v4Prefix(false), { minLength: 1, maxLength: 5 }),
  nextHop: ipv4,
});

function check6793({ confed, main, aggregator, nlri, nextHop }: { confed: AsPathSegment[]; main: AsPathSegment[]; aggregator?: { asn: number; address: string }; nlri: Prefix[]; nextHop: string }): void {
  const opts = wireOptions({ as4: false });
  const path = [...confed, ...main];
  const attrs: PathAttributes = { origin: 0, asPath: path, nextHop, ...(aggregator ? { aggregator } : {}) };
  const buf = encodeOrSkip({ kind: 'update', withdrawn: [], attrs, nlri }, opts);
  fc.pre(buf !== undefined);
  const r = decodeMessage(buf!, opts);
  expect(r.ok).toBe(true);
  if (!r.ok || r.message?.kind !== 'update') return;
  expect(r.errors).toEqual([]);
  const got = r.message.attrs;
  const needPath = path.some((s) => s.asns.some(big));
  const needAgg = aggregator !== undefined && big(aggregator.asn);
  const nonConfed = path.filter((s) => s.type <= 2);
  // what the 2-octet peer sees
  expect(got.asPath).toEqual(mapPath(path));
  expect(got.aggregator).toEqual(aggregator && { asn: trans(aggregator.asn), address: aggregator.address });
  expect(got.as4Path).toEqual(needPath && nonConfed.length > 0 ? nonConfed : undefined);
  expect(got.as4Aggregator).toEqual(needAgg ? aggregator : undefined);
  // what a 4-octet speaker reconstructs (RFC 6793 §4.2.3)
  const merged = mergeAs4(got);
  expect(merged.as4Path).toBeUndefined();
  expect(merged.as4Aggregator).toBeUndefined();
  const ignored = aggregator !== undefined && !big(aggregator.asn) && aggregator.asn !== AS_TRANS;
  const wantPath = ignored || nonConfed.length === 0 ? mapPath(path) : [...mapPath(confed), ...main];
  expect(normalise(merged.asPath)).toEqual(normalise(wantPath));
  expect(merged.aggregator).toEqual(aggregator);
}

describe('UPDATE on a 2-octet-AS session with 4-octet ASNs (RFC 6793)', () => {
  it('AS_TRANS in AS_PATH / AGGREGATOR, real ASNs in AS4_PATH / AS4_AGGREGATOR, merge restores the path', () => {
    fc.assert(fc.property(as6793(0, 1), check6793), RUNS);
  });

  // Found by this file: with 4-octet ASNs only in confederation segments the
  // encoder sends an AS4_PATH of length 0 (it strips the confederation
  // segments but still decides on the unstripped path), which its own decoder
  // discards as malformed ("AS4_PATH is empty", 3/9, attribute-discard).
  it('an AS_PATH of confederation segments only sends no (empty) AS4_PATH', () => {
    fc.assert(fc.property(as6793(1, 0).map((c) => ({ ...c, main: [] })), check6793), { numRuns: 50 });
  });
});

// ---------------------------------------------------------------------------
// OPEN

const UNKNOWN_CAPS = Array.from({ length: 256 }, (_, c) => c).filter((c) => !CAPABILITY_ROWS.some((r) => r.code === c));
const afiSafi = { afi: u16, safi: u8 };
const fqdnText = fc.oneof(fc.string({ unit: 'grapheme-ascii', maxLength: 120 }), fc.string({ unit: 'binary', maxLength: 30 }));

const capability: fc.Arbitrary<Capability> = fc.oneof(
  rec({ kind: fc.constant('multiprotocol' as const), ...afiSafi }),
  fc.constant({ kind: 'route-refresh' as const }),
  fc.constant({ kind: 'extended-message' as const }),
  fc.constant({ kind: 'enhanced-route-refresh' as const }),
  rec({ kind: fc.constant('extended-next-hop' as const), entries: fc.array(rec({ afi: u16, safi: u16, nextHopAfi: u16 }), { maxLength: 42 }) }),
  rec({
    kind: fc.constant('graceful-restart' as const), restarting: fc.boolean(), notification: fc.boolean(), restartTime: fc.integer({ min: 0, max: 0xfff }),
    families: fc.array(rec({ ...afiSafi, forwarding: fc.boolean() }), { maxLength: 63 }),
  }),
  rec({ kind: fc.constant('as4' as const), asn: u32 }),
  rec({ kind: fc.constant('add-path' as const), families: fc.array(rec({ ...afiSafi, mode: u8 }), { maxLength: 63 }) }),
  rec({
    kind: fc.constant('long-lived-graceful-restart' as const),
    families: fc.array(rec({ ...afiSafi, forwarding: fc.boolean(), staleTime: fc.integer({ min: 0, max: 0xffffff }) }), { maxLength: 36 }),
  }),
  rec({ kind: fc.constant('fqdn' as const), hostname: fqdnText, domain: fqdnText })
    .filter((c) => Buffer.byteLength(c.hostname) + Buffer.byteLength(c.domain) <= 253),
  rec({ kind: fc.constant('unknown' as const), code: fc.constantFrom(...UNKNOWN_CAPS), value: bytes(255) }),
);

const capSize = (c: Capability): number => {
  const buf = encodeMessage({ kind: 'open', version: 4, myAs: 1, holdTime: 0, routerId: '1.1.1.1', capabilities: [c] }, wireOptions());
  return buf.length - 29 - 2 - (buf[28] === 255 ? 3 + 1 : 0); // minus fixed part and the one parameter header
};

/** A partition of n capabilities into parameters (a parameter may be empty). */
const groupsOf = (n: number): fc.Arbitrary<number[]> =>
  fc.array(fc.boolean(), { minLength: n, maxLength: n }).chain((cuts) => fc.integer({ min: 0, max: 2 }).map((empties) => {
    const g: number[] = [];
    let cur = 0;
    cuts.forEach((cut, i) => {
      cur++;
      if (cut || i === n - 1) { g.push(cur); cur = 0; }
    });
    for (let i = 0; i < empties; i++) g.splice(Math.min(i, g.length), 0, 0);
    return g;
  }));

const opens: fc.Arbitrary<OpenMessage> = rec({
  myAs: u16,
  holdTime: fc.oneof(fc.constant(0), fc.integer({ min: 3, max: 0xffff })),
  routerId: fc.integer({ min: 1, max: 0xffffffff }).map(ipv4ToString),
  capabilities: fc.array(capability, { maxLength: 12 }),
  layoutChoice: fc.integer({ min: 0, max: 2 }),
  extendedParams: fc.boolean(),
}).chain(({ capabilities, layoutChoice, extendedParams, ...rest }) => {
  const base: OpenMessage = { kind: 'open', version: 4, ...rest, capabilities };
  if (layoutChoice === 0) return fc.constant(base);
  return groupsOf(capabilities.length).map((groups) => {
    // what decode reports: the layout unless it is the canonical one (one
    // capability per parameter, RFC 9072 lengths exactly when needed)
    const sizes: number[] = [];
    let k = 0;
    for (const g of groups) {
      let s = 0;
      for (let i = 0; i < g; i++) s += 2 + capSize(capabilities[k++]!);
      sizes.push(s);
    }
    const plain = sizes.reduce((a, s) => a + 2 + s, 0);
    const ext = extendedParams || plain > 255 || sizes.some((s) => s > 255);
    const canonical = ext === plain > 255 && groups.every((g) => g === 1);
    return canonical ? base : { ...base, layout: { groups, extendedParams: ext } };
  });
});

describe('OPEN, NOTIFICATION, ROUTE-REFRESH: decode(encode(m)) = m', () => {
  it('OPEN with any capabilities (each kind, unknown codes) and parameter layouts', () => {
    fc.assert(fc.property(opens, (m) => roundTrip(m, wireOptions())), RUNS);
  });

  it('NOTIFICATION with any code, subcode and data', () => {
    fc.assert(fc.property(u8, u8, bytes(4096 - 21), fc.boolean(), (code, subcode, data, extendedMessage) =>
      roundTrip({ kind: 'notification', code, subcode, data }, wireOptions({ extendedMessage }))), RUNS);
  });

  it('ROUTE-REFRESH subtypes 0 (with and without ORF entries), 1 and 2', () => {
    const rr = fc.oneof(
      rec({ afi: u16, safi: u8, subtype: fc.constant(0) }),
      rec({ afi: u16, safi: u8, subtype: fc.constant(0), orf: bytes(4096 - 23, 1) }),
      rec({ afi: u16, safi: u8, subtype: fc.constantFrom(1, 2) }),
    );
    fc.assert(fc.property(rr, (m) => roundTrip({ kind: 'route-refresh', ...m }, wireOptions())), RUNS);
  });

  it('ROUTE-REFRESH subtypes 3..255 are ignored (RFC 7313 §5)', () => {
    fc.assert(fc.property(u16, u8, fc.integer({ min: 3, max: 255 }), (afi, safi, subtype) => {
      const r = decodeMessage(encodeMessage({ kind: 'route-refresh', afi, safi, subtype }, wireOptions()), wireOptions());
      expect(r).toEqual({ ok: true, message: undefined, errors: [] });
    }), { numRuns: 50 });
  });

  it('KEEPALIVE', () => {
    roundTrip({ kind: 'keepalive' }, wireOptions());
  });
});

// ---------------------------------------------------------------------------
// Packer

/** Octets a prefix takes in an NLRI field. */
const nlriOctets = (p: Prefix, addPath: boolean) => (addPath ? 5 : 1) + ((p.length + 7) >> 3);

interface PackCase {
  readonly family: FamilyName;
  readonly opts: WireOptions;
  readonly prefixes: Prefix[];
  readonly mpNextHop?: string[];
  readonly attrs: PathAttributes;
}

const packCases: fc.Arbitrary<PackCase> = rec({
  family: fc.constantFrom<FamilyName>('ipv4-unicast', 'ipv6-unicast'),
  addPath: fc.boolean(),
  extendedMessage: fc.boolean(),
  rfc8950: fc.boolean(),
}).chain(({ family, addPath, extendedMessage, rfc8950 }) => {
  const v4 = family === 'ipv4-unicast';
  const prefix = v4 ? v4Prefix(addPath) : v6Prefix(addPath);
  const opts = wireOptions({ addPath: new Set<FamilyName>(addPath ? [family] : []), extendedMessage });
  return rec({
    base: fc.array(prefix, { maxLength: 200, size: 'max' }),
    // repeated so that lists fill several messages, also of 65535 octets
    copies: fc.integer({ min: 1, max: extendedMessage ? 150 : 20 }),
    attrs: rec({
      origin: fc.constantFrom(0 as const, 1 as const, 2 as const),
      asPath: asPath(u32, [1, 2]),
      nextHop: ipv4,
      med: fc.option(u32, { nil: undefined }),
      communities: fc.option(list(u32, 30), { nil: undefined }),
      largeCommunities: fc.option(list(fc.tuple(u32, u32, u32), 5), { nil: undefined }),
    }).map((a) => Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined)) as PathAttributes),
    nh: fc.oneof(ipv6.map((g) => [g]), fc.tuple(ipv6, linkLocal).map(([g, l]) => [g, l])),
  }).map(({ base, copies, attrs, nh }) => {
    const prefixes: Prefix[] = [];
    for (let c = 0; c < copies; c++) for (const p of base) prefixes.push(addPath ? p.withPathId((p.pathId + c) >>> 0) : p);
    const mpNextHop = v4 ? (rfc8950 ? nh.slice(0, 1) : undefined) : nh;
    return { family, opts, prefixes, attrs, ...(mpNextHop ? { mpNextHop } : {}) };
  });
});

/** The messages decode cleanly; returns each message's prefixes. */
function unpack(msgs: Buffer[], c: PackCase, withdraw: boolean): Prefix[][] {
  const max = maxMessageLength(c.opts);
  return msgs.map((buf) => {
    expect(buf.length).toBeLessThanOrEqual(max);
    const r = decodeMessage(buf, c.opts);
    expect(r.ok).toBe(true);
    if (!r.ok || r.message?.kind !== 'update') throw new Error('not an UPDATE');
    expect(r.errors).toEqual([]);
    const u = r.message;
    const classic = c.family === 'ipv4-unicast' && (withdraw || c.mpNextHop === undefined);
    if (withdraw) {
      expect(u.attrs).toEqual({});
      expect(u.nlri).toEqual([]);
      if (classic) return [...u.withdrawn];
      expect(u.withdrawn).toEqual([]);
      return [...(u.mpUnreach?.withdrawn ?? [])];
    }
    expect(u.withdrawn).toEqual([]);
    if (classic) {
      expect(u.attrs).toStrictEqual(c.attrs);
      return [...u.nlri];
    }
    const { nextHop: _nh, ...rest } = c.attrs;
    expect(u.attrs).toStrictEqual(rest);
    expect(u.nlri).toEqual([]);
    expect(u.mpReach?.nextHop).toEqual(c.mpNextHop);
    return [...(u.mpReach?.nlri ?? [])];
  });
}

/** No two consecutive messages fit in one: the first plus the second's NLRI would exceed the maximum. */
function minimal(msgs: Buffer[], parts: Prefix[][], c: PackCase, classic: boolean): void {
  const max = maxMessageLength(c.opts);
  const addPath = c.opts.addPath.has(c.family);
  for (let i = 0; i + 1 < msgs.length; i++) {
    const extra = parts[i + 1]!.reduce((a, p) => a + nlriOctets(p, addPath), 0);
    let merged = msgs[i]!.length + extra;
    if (!classic) {
      // the MP attribute's value grows too: its header may need Extended Length
      const before = mpValueLength(msgs[i]!);
      if (before <= 255 && before + extra > 255) merged += 1;
    }
    expect(merged, `messages ${i} and ${i + 1} could be one`).toBeGreaterThan(max);
  }
}

/** Length of the value of the first attribute (MP_REACH / MP_UNREACH, placed first by the packer). */
function mpValueLength(buf: Buffer): number {
  const wlen = buf.readUInt16BE(19);
  const o = 23 + wlen;
  return (buf[o]! & AttrFlag.EXTENDED_LENGTH) ? buf.readUInt16BE(o + 2) : buf[o + 2]!;
}

describe('packer', () => {
  it('packAnnouncements: within the maximum size, decodable, prefixes in order, no mergeable neighbours', () => {
    fc.assert(fc.property(packCases, (c) => {
      const msgs = packAnnouncements(c.family, c.attrs, c.prefixes, c.opts, c.mpNextHop);
      if (c.prefixes.length === 0) expect(msgs).toEqual([]);
      const parts = unpack(msgs, c, false);
      expect(parts.flat()).toStrictEqual(c.prefixes);
      minimal(msgs, parts, c, c.family === 'ipv4-unicast' && c.mpNextHop === undefined);
    }), { numRuns: 60 });
  });

  it('packWithdrawals: within the maximum size, decodable, prefixes in order, no mergeable neighbours', () => {
    fc.assert(fc.property(packCases, (c) => {
      const msgs = packWithdrawals(c.family, c.prefixes, c.opts);
      if (c.prefixes.length === 0) expect(msgs).toEqual([]);
      const parts = unpack(msgs, c, true);
      expect(parts.flat()).toStrictEqual(c.prefixes);
      minimal(msgs, parts, c, c.family === 'ipv4-unicast');
    }), { numRuns: 60 });
  });
});
