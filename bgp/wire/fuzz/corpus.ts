// The corpus the wire fuzzer mutates: valid messages, built with the codec's
// own encoders (OPENs with every capability kind and unknown ones, in every
// parameter layout including RFC 9072; UPDATEs of every shape: all
// attributes, MP_REACH/MP_UNREACH for IPv6, opaque families, ADD-PATH, 2-octet
// AS with AS4_PATH, unknown attributes, custom layouts, End-of-RIB, packed
// full-size messages; NOTIFICATIONs; ROUTE-REFRESH subtypes; KEEPALIVE) plus
// the captured fixtures in bgp/wire/fixtures/captured/*.json, each with the
// options it decodes with. For each message the positions of its length and
// count fields and of its attribute flag octets are located once, by walking
// the valid encoding, so that the mutations (mutate.ts) can tweak them.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AS_TRANS, AsSegment, AttrFlag, CeaseSubcode, ErrorCode, Prefix, encodeKeepalive, encodeNotification, encodeOpen,
  encodeRouteRefresh, encodeUpdate, endOfRib, hardResetNotification, makeOpen, maxPrefixNotification,
  packAnnouncements, packWithdrawals, parseIpv6, shutdownNotification, wireOptions,
  type Capability, type FamilyName, type PathAttributes, type UpdateMessage, type WireOptions,
} from '../index.js';

export interface Field {
  readonly pos: number;
  readonly size: 1 | 2;
}

export interface Entry {
  readonly name: string;
  readonly bytes: Buffer;
  readonly opts: WireOptions;
  /** Length and count fields of the message, to tweak. */
  readonly fields: readonly Field[];
  /** Attribute flag octets (to toggle Extended Length, Partial, ...). */
  readonly flags: readonly number[];
}

// ---------------------------------------------------------------------------
// The corpus

const v6 = (text: string): [number, number, number, number] => {
  const w = parseIpv6(text);
  if (!w) throw new TypeError(text);
  return w;
};

export function buildCorpus(fixturesDir?: string): Entry[] {
  const out: Entry[] = [];
  const add = (name: string, bytes: Buffer, opts: WireOptions = wireOptions()) => {
    const { fields, flags } = fieldsOf(bytes, opts);
    out.push({ name, bytes: Buffer.from(bytes), opts, fields, flags });
  };
  const as4 = wireOptions();
  const as2 = wireOptions({ as4: false });
  const ap = wireOptions({ addPath: new Set(['ipv4-unicast', 'ipv6-unicast']) });
  const ext = wireOptions({ extendedMessage: true });

  // OPEN
  const caps: Capability[] = [
    { kind: 'multiprotocol', afi: 1, safi: 1 },
    { kind: 'multiprotocol', afi: 2, safi: 1 },
    { kind: 'route-refresh' },
    { kind: 'enhanced-route-refresh' },
    { kind: 'extended-message' },
    { kind: 'extended-next-hop', entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }] },
    { kind: 'graceful-restart', restarting: true, notification: true, restartTime: 120, families: [{ afi: 1, safi: 1, forwarding: true }, { afi: 2, safi: 1, forwarding: false }] },
    { kind: 'as4', asn: 4200000001 },
    { kind: 'add-path', families: [{ afi: 1, safi: 1, mode: 3 }, { afi: 2, safi: 1, mode: 1 }] },
    { kind: 'long-lived-graceful-restart', families: [{ afi: 1, safi: 1, forwarding: true, staleTime: 3600 }] },
    { kind: 'fqdn', hostname: 'node-1', domain: 'cluster.local' },
    { kind: 'unknown', code: 9, value: Buffer.from([1]) }, // BGP role
    { kind: 'unknown', code: 128, value: Buffer.alloc(0) }, // old Cisco route refresh
    { kind: 'unknown', code: 200, value: Buffer.from('0102030405060708', 'hex') },
  ];
  const open = makeOpen({ asn: 4200000001, holdTime: 90, routerId: '198.18.0.1', capabilities: caps });
  add('open-all-caps', encodeOpen(open), as4);
  add('open-one-param', encodeOpen({ ...open, layout: { groups: [caps.length], extendedParams: false } }), as4);
  add('open-grouped', encodeOpen({ ...open, layout: { groups: [3, 0, 5, caps.length - 8], extendedParams: false } }), as4);
  add('open-rfc9072', encodeOpen({ ...open, layout: { groups: caps.map(() => 1), extendedParams: true } }), as4);
  add('open-minimal', encodeOpen(makeOpen({ asn: 65001, holdTime: 0, routerId: '10.0.0.1', capabilities: [] })), as4);
  // Optional parameters just under 255 octets: a little growth forces RFC 9072.
  const fill: Capability[] = [
    { kind: 'fqdn', hostname: 'worker-'.padEnd(90, 'x'), domain: 'cluster.example.'.padEnd(80, 'y') },
    { kind: 'multiprotocol', afi: 1, safi: 1 },
    { kind: 'as4', asn: 65001 },
    { kind: 'unknown', code: 201, value: Buffer.alloc(56, 0x5a) },
  ];
  const near = makeOpen({ asn: 65001, holdTime: 9, routerId: '10.255.0.1', capabilities: fill });
  add('open-near-255', encodeOpen(near), as4);
  const big: Capability[] = [...caps, { kind: 'unknown', code: 250, value: Buffer.alloc(200, 0xa5) }, { kind: 'fqdn', hostname: 'h'.repeat(120), domain: 'd'.repeat(100) }];
  add('open-extended-params', encodeOpen(makeOpen({ asn: 65001, holdTime: 180, routerId: '10.0.0.2', capabilities: big })), as4);

  // UPDATE
  const asPath = [
    { type: AsSegment.AS_CONFED_SEQUENCE, asns: [64512, 64513] },
    { type: AsSegment.AS_SEQUENCE, asns: [65001, 4200000001, 65002] },
    { type: AsSegment.AS_SET, asns: [65010, 65011, 4200000002] },
  ];
  const all: PathAttributes = {
    origin: 0, asPath, nextHop: '198.18.0.1', med: 100, localPref: 200, atomicAggregate: true,
    aggregator: { asn: 4200000001, address: '198.18.0.9' }, communities: [0xfc000064, 0xffffff01],
    originatorId: '10.0.0.7', clusterList: ['10.0.0.1', '10.0.0.2'],
    extCommunities: [0x0002fc0000000064n, 0x000300000000000an], largeCommunities: [[4200000001, 1, 2], [65001, 0, 0xffffffff]],
    unknown: [
      { type: 40, flags: AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE | AttrFlag.PARTIAL, value: Buffer.from('deadbeef', 'hex') },
      { type: 99, flags: AttrFlag.OPTIONAL, value: Buffer.alloc(0) },
      { type: 222, flags: AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE, value: Buffer.alloc(300, 0x33) },
    ],
  };
  const v4 = (s: string, id = 0) => Prefix.parse(s, id);
  const u = (m: Omit<UpdateMessage, 'kind'>): UpdateMessage => ({ kind: 'update', ...m });
  add('update-v4-all-attrs', encodeUpdate(u({ withdrawn: [v4('10.9.0.0/16'), v4('0.0.0.0/0')], attrs: all, nlri: [v4('100.64.0.1/32'), v4('100.64.1.0/24'), v4('10.0.0.0/8'), v4('100.64.0.0/25')] }), as4));
  const { nextHop: _nh, ...noNh } = all;
  const v6nlri = [Prefix.v6(v6('2001:db8:1::'), 48), Prefix.v6(v6('2001:db8::1'), 128), Prefix.v6(v6('2001:db8:2:8000::'), 49), Prefix.v6(v6('::'), 0)];
  add('update-mp-v6-link-local', encodeUpdate(u({
    withdrawn: [], attrs: noNh, nlri: [],
    mpReach: { afi: 2, safi: 1, nextHop: ['2001:db8::1', 'fe80::1:2ff:fe03:405'], nlri: v6nlri },
    mpUnreach: { afi: 2, safi: 1, withdrawn: [Prefix.v6(v6('2001:db8:dead::'), 64)] },
  }), as4));
  add('update-mp-v6-global', encodeUpdate(u({ withdrawn: [], attrs: { origin: 2, asPath: [{ type: 2, asns: [65001] }] }, nlri: [], mpReach: { afi: 2, safi: 1, nextHop: ['2001:db8::2'], nlri: v6nlri.slice(0, 2) } }), as4));
  add('update-mp-unreach-v6', encodeUpdate(u({ withdrawn: [], attrs: {}, nlri: [], mpUnreach: { afi: 2, safi: 1, withdrawn: v6nlri } }), as4));
  add('update-mp-v4-v6-nexthop', encodeUpdate(u({ withdrawn: [], attrs: { origin: 0, asPath: [] }, nlri: [], mpReach: { afi: 1, safi: 1, nextHop: ['2001:db8::3'], nlri: [v4('100.64.2.0/24')] } }), as4));
  add('update-mp-opaque-family', encodeUpdate(u({
    withdrawn: [], attrs: { origin: 0, asPath: [] }, nlri: [],
    mpReach: { afi: 25, safi: 70, nextHop: [], nlri: [], opaque: { nextHop: Buffer.from('c6120001', 'hex'), nlri: Buffer.from('0102030405', 'hex') } },
    mpUnreach: { afi: 1, safi: 128, withdrawn: [], opaque: Buffer.from('58000001', 'hex') },
  }), as4));
  add('update-add-path', encodeUpdate(u({
    withdrawn: [v4('10.1.0.0/16', 7)], attrs: { origin: 0, asPath: [{ type: 2, asns: [65001] }], nextHop: '10.0.0.1', localPref: 100 },
    nlri: [v4('100.64.0.1/32', 1), v4('100.64.0.1/32', 2), v4('100.64.0.0/10', 0xffffffff)],
    mpReach: { afi: 2, safi: 1, nextHop: ['2001:db8::1'], nlri: [Prefix.v6(v6('2001:db8::'), 32, 5), Prefix.v6(v6('2001:db8::'), 32, 6)] },
    mpUnreach: { afi: 2, safi: 1, withdrawn: [Prefix.v6(v6('2001:db8:ff::'), 56, 9)] },
  }), ap), ap);
  const as2Attrs: PathAttributes = {
    origin: 1, asPath: [{ type: 2, asns: [65001, 4200000001, 4200000002] }, { type: 1, asns: [4200000003, 65005] }], nextHop: '10.0.0.1',
    aggregator: { asn: 4200000009, address: '10.0.0.9' }, communities: [1, 2, 3],
  };
  add('update-as2-as4path', encodeUpdate(u({ withdrawn: [], attrs: as2Attrs, nlri: [v4('100.64.0.0/24')] }), as2), as2);
  add('update-as2-explicit-as4', encodeUpdate(u({
    withdrawn: [], nlri: [v4('100.64.3.0/24')],
    attrs: { origin: 0, asPath: [{ type: 2, asns: [65001, AS_TRANS] }], nextHop: '10.0.0.1', aggregator: { asn: AS_TRANS, address: '10.0.0.9' }, as4Path: [{ type: 2, asns: [4200000001] }], as4Aggregator: { asn: 4200000009, address: '10.0.0.9' } },
  }), as2), as2);
  add('update-unknown-transitive', encodeUpdate(u({
    withdrawn: [], nlri: [v4('100.64.9.0/24')],
    attrs: { origin: 0, asPath: [{ type: 2, asns: [65001] }], nextHop: '10.0.0.1', unknown: [{ type: 0, flags: 0xe0, value: Buffer.from([1, 2]) }, { type: 19, flags: 0xc0, value: Buffer.from([3]) }, { type: 255, flags: 0xe0, value: Buffer.alloc(255, 9) }] },
  }), as4));
  add('update-layout', encodeUpdate(u({
    withdrawn: [], nlri: [v4('100.64.10.0/24')],
    attrs: { origin: 0, asPath: [{ type: 2, asns: [65001] }], nextHop: '10.0.0.1', communities: [5], largeCommunities: [[1, 2, 3]] },
    layout: { order: [3, 2, 1, 32, 8], extendedLength: [2, 8], partial: [32] },
  }), as4));
  add('eor-ipv4', encodeUpdate(endOfRib(1), as4));
  add('eor-ipv6', encodeUpdate(endOfRib(2), as4));
  add('update-withdraw-only', encodeUpdate(u({ withdrawn: [v4('100.64.0.1/32'), v4('100.64.0.2/31')], attrs: {}, nlri: [] }), as4));
  const many = Array.from({ length: 3000 }, (_, i) => Prefix.v4((0x64400000 + i * 8) >>> 0, 29));
  const base: PathAttributes = { origin: 0, asPath: [{ type: 2, asns: [65001] }], nextHop: '10.0.0.1', med: 5 };
  add('packed-v4-4096', packAnnouncements('ipv4-unicast', base, many, as4)[0]!, as4);
  add('packed-v4-extended', packAnnouncements('ipv4-unicast', base, many, ext)[0]!, ext);
  const many6 = Array.from({ length: 400 }, (_, i) => Prefix.v6([0x20010db8, i << 16, 0, 0], 48, i));
  add('packed-v6-addpath', packAnnouncements('ipv6-unicast', base, many6, ap, ['2001:db8::1', 'fe80::1'])[0]!, ap);
  add('packed-v6-withdraw', packWithdrawals('ipv6-unicast', many6.slice(0, 60).map((p) => p.withPathId(0)), as4)[0]!, as4);

  // NOTIFICATION
  add('notification-shutdown', encodeNotification(shutdownNotification(CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, 'maintenance: replacing line card — back at 14:00')), as4);
  add('notification-hard-reset', encodeNotification(hardResetNotification({ code: ErrorCode.UPDATE, subcode: 1, data: Buffer.from([1, 2, 3]) })), as4);
  add('notification-max-prefix', encodeNotification(maxPrefixNotification(2, 1, 1000)), as4);
  add('notification-header', encodeNotification({ code: 1, subcode: 2, data: Buffer.from([0x10, 0x01]) }), as4);
  add('notification-empty', encodeNotification({ code: 6, subcode: 0, data: Buffer.alloc(0) }), as4);

  // ROUTE-REFRESH, KEEPALIVE
  add('route-refresh-0', encodeRouteRefresh({ afi: 1, safi: 1, subtype: 0 }), as4);
  add('route-refresh-0-orf', encodeRouteRefresh({ afi: 2, safi: 1, subtype: 0, orf: Buffer.from('01400100070000', 'hex') }), as4);
  add('route-refresh-borr', encodeRouteRefresh({ afi: 1, safi: 1, subtype: 1 }), as4);
  add('route-refresh-eorr', encodeRouteRefresh({ afi: 2, safi: 1, subtype: 2 }), as4);
  add('route-refresh-subtype-3', encodeRouteRefresh({ afi: 2, safi: 1, subtype: 3 }), as4);
  add('keepalive', encodeKeepalive(), as4);

  for (const f of fixtures(fixturesDir)) add(f.name, f.bytes, f.opts);
  return out;
}

interface FixtureFile {
  readonly messages?: readonly { hex?: string; decode?: { as4?: boolean; addPath?: string[]; extendedMessage?: boolean } }[];
}

function fixtures(dir?: string): { name: string; bytes: Buffer; opts: WireOptions }[] {
  const path = dir ?? fileURLToPath(new URL('../fixtures/captured/', import.meta.url));
  if (!existsSync(path)) return [];
  const out: { name: string; bytes: Buffer; opts: WireOptions }[] = [];
  for (const file of readdirSync(path).filter((f) => f.endsWith('.json')).sort()) {
    let parsed: FixtureFile;
    try {
      parsed = JSON.parse(readFileSync(join(path, file), 'utf8')) as FixtureFile;
    } catch {
      continue; // not ours to judge here; the golden tests read these files
    }
    (parsed.messages ?? []).forEach((m, i) => {
      if (typeof m.hex !== 'string' || m.hex.length < 38) return;
      const addPath = new Set((m.decode?.addPath ?? []).filter((n): n is FamilyName => n === 'ipv4-unicast' || n === 'ipv6-unicast'));
      out.push({
        name: `${file}#${i}`, bytes: Buffer.from(m.hex, 'hex'),
        opts: wireOptions({ as4: m.decode?.as4 ?? true, addPath, extendedMessage: m.decode?.extendedMessage ?? false }),
      });
    });
  }
  return out;
}

/** The corpus, for tests that want to check it is sound. */
export function corpusForTest(fixturesDir?: string): { name: string; bytes: Buffer; opts: WireOptions }[] {
  return buildCorpus(fixturesDir).map((e) => ({ name: e.name, bytes: e.bytes, opts: e.opts }));
}

// ---------------------------------------------------------------------------
// Where the length fields are (computed on the valid corpus messages)

function fieldsOf(buf: Buffer, opts: WireOptions): { fields: Field[]; flags: number[] } {
  const fields: Field[] = [{ pos: 16, size: 2 }];
  const flags: number[] = [];
  const type = buf[18];
  try {
    if (type === 1) openFields(buf, fields);
    else if (type === 2) updateFields(buf, opts, fields, flags);
    else if (type === 3 && buf.length > 21) fields.push({ pos: 21, size: 1 }); // shutdown communication length
  } catch {
    // a fixture we cannot walk: the header field is enough
  }
  return { fields: sample(fields, 96), flags: sample(flags, 64) };
}

function sample<T>(a: T[], n: number): T[] {
  if (a.length <= n) return a;
  const step = a.length / n;
  return Array.from({ length: n }, (_, i) => a[Math.floor(i * step)]!);
}

function openFields(buf: Buffer, fields: Field[]): void {
  fields.push({ pos: 28, size: 1 });
  let o = 29;
  let ext = false;
  if (buf[28] === 255 && buf[29] === 255) {
    ext = true;
    fields.push({ pos: 29, size: 1 }, { pos: 30, size: 2 });
    o = 32;
  }
  while (o < buf.length) {
    const plen = ext ? buf.readUInt16BE(o + 1) : buf[o + 1]!;
    fields.push({ pos: o + 1, size: ext ? 2 : 1 });
    let c = o + (ext ? 3 : 2);
    const end = c + plen;
    while (c + 2 <= end) {
      const code = buf[c]!;
      const clen = buf[c + 1]!;
      fields.push({ pos: c + 1, size: 1 });
      if (code === 73 && clen > 0) { // FQDN: hostname length, domain length
        fields.push({ pos: c + 2, size: 1 });
        if (c + 3 + buf[c + 2]! < end) fields.push({ pos: c + 3 + buf[c + 2]!, size: 1 });
      }
      c += 2 + clen;
    }
    o = end;
  }
}

function nlriFields(buf: Buffer, o: number, end: number, addPath: boolean, fields: Field[]): void {
  while (o < end) {
    if (addPath) o += 4;
    if (o >= end) return;
    fields.push({ pos: o, size: 1 });
    o += 1 + ((buf[o]! + 7) >> 3);
  }
}

function updateFields(buf: Buffer, opts: WireOptions, fields: Field[], flags: number[]): void {
  const ap4 = opts.addPath.has('ipv4-unicast');
  const wlen = buf.readUInt16BE(19);
  fields.push({ pos: 19, size: 2 });
  nlriFields(buf, 21, 21 + wlen, ap4, fields);
  const ao = 21 + wlen;
  const alen = buf.readUInt16BE(ao);
  fields.push({ pos: ao, size: 2 });
  let o = ao + 2;
  const end = o + alen;
  while (o + 3 <= end) {
    const f = buf[o]!;
    const type = buf[o + 1]!;
    const ext = (f & AttrFlag.EXTENDED_LENGTH) !== 0;
    const len = ext ? buf.readUInt16BE(o + 2) : buf[o + 2]!;
    flags.push(o);
    fields.push({ pos: o + 2, size: ext ? 2 : 1 });
    const v = o + (ext ? 4 : 3);
    if (type === 2 || type === 17) { // AS path segment counts
      for (let s = v; s + 2 <= v + len; s += 2 + buf[s + 1]! * (type === 17 || opts.as4 ? 4 : 2)) fields.push({ pos: s + 1, size: 1 });
    } else if (type === 14) { // MP_REACH: next hop length, NLRI lengths
      fields.push({ pos: v + 3, size: 1 });
      const afi = buf.readUInt16BE(v);
      nlriFields(buf, v + 5 + buf[v + 3]!, v + len, opts.addPath.has(afi === 2 ? 'ipv6-unicast' : 'ipv4-unicast'), fields);
    } else if (type === 15) {
      const afi = buf.readUInt16BE(v);
      nlriFields(buf, v + 3, v + len, opts.addPath.has(afi === 2 ? 'ipv6-unicast' : 'ipv4-unicast'), fields);
    }
    o = v + len;
  }
  nlriFields(buf, end, buf.length, ap4, fields);
}
