// A small, independent BGP message reader for the capture tooling: it parses
// OPEN capabilities (to compute the decode options of each direction) and
// describes every message in one human line for the fixture notes. It throws
// on anything malformed, so a fixture that passes through it is well formed.
// It deliberately shares no code with bgp/wire (the codec under test).
import { ipv4Text, ipv6Text } from './pcap.js';

export const MARKER = Buffer.alloc(16, 0xff);
export const TYPE_NAMES: Record<number, string> = {
  1: 'OPEN', 2: 'UPDATE', 3: 'NOTIFICATION', 4: 'KEEPALIVE', 5: 'ROUTE-REFRESH',
};
export const TYPE_CODES: Record<string, number> = {
  OPEN: 1, UPDATE: 2, NOTIFICATION: 3, KEEPALIVE: 4, 'ROUTE-REFRESH': 5,
};

export interface DecodeOptions {
  as4: boolean;
  addPath: string[];
  extendedMessage: boolean;
}

export function familyName(afi: number, safi: number): string {
  const a = afi === 1 ? 'ipv4' : afi === 2 ? 'ipv6' : afi === 25 ? 'l2vpn' : `afi${afi}`;
  const s: Record<number, string> = {
    1: 'unicast', 2: 'multicast', 4: 'labeled-unicast', 70: 'evpn', 128: 'vpn', 133: 'flowspec',
  };
  return `${a}-${s[safi] ?? `safi${safi}`}`;
}

class Reader {
  constructor(public readonly b: Buffer, public off = 0, public readonly end = b.length) {}
  need(n: number, what: string): void {
    if (this.off + n > this.end) throw new Error(`${what}: needs ${n} bytes at ${this.off}, only ${this.end - this.off} left`);
  }
  u8(what = 'u8'): number { this.need(1, what); return this.b.readUInt8(this.off++); }
  u16(what = 'u16'): number { this.need(2, what); const v = this.b.readUInt16BE(this.off); this.off += 2; return v; }
  u24(what = 'u24'): number { this.need(3, what); const v = this.b.readUIntBE(this.off, 3); this.off += 3; return v; }
  u32(what = 'u32'): number { this.need(4, what); const v = this.b.readUInt32BE(this.off); this.off += 4; return v; }
  bytes(n: number, what = 'bytes'): Buffer { this.need(n, what); const v = this.b.subarray(this.off, this.off + n); this.off += n; return v; }
  left(): number { return this.end - this.off; }
  sub(n: number, what: string): Reader { this.need(n, what); const r = new Reader(this.b, this.off, this.off + n); this.off += n; return r; }
}

// ------------------------------------------------------------------ OPEN --

export interface Capability { code: number; value: Buffer }

export interface OpenInfo {
  version: number;
  myAs: number;
  holdTime: number;
  bgpId: string;
  extendedOptParams: boolean; // RFC 9072 encoding
  caps: Capability[];
  as4?: number; // 4-octet AS capability value
  addPath: Map<string, number>; // family -> 1 receive, 2 send, 3 both
  extendedMessage: boolean;
}

export function parseOpen(msg: Buffer): OpenInfo {
  const r = new Reader(msg, 19, msg.readUInt16BE(16));
  const version = r.u8('OPEN version');
  const myAs = r.u16('OPEN my AS');
  const holdTime = r.u16('OPEN hold time');
  const bgpId = ipv4Text(r.bytes(4, 'OPEN BGP identifier'));
  let optLen = r.u8('OPEN opt param len');
  let extendedOptParams = false;
  if (optLen === 255 && r.left() > 0 && r.b.readUInt8(r.off) === 255) {
    r.u8();
    optLen = r.u16('OPEN extended opt param len');
    extendedOptParams = true;
  }
  const params = r.sub(optLen, 'OPEN optional parameters');
  if (r.left() !== 0) throw new Error(`OPEN: ${r.left()} bytes after the optional parameters`);
  const caps: Capability[] = [];
  while (params.left() > 0) {
    const type = params.u8('param type');
    const len = extendedOptParams ? params.u16('param len') : params.u8('param len');
    const p = params.sub(len, `param ${type}`);
    if (type !== 2) continue; // only capabilities (type 2) are defined today
    while (p.left() > 0) {
      const code = p.u8('cap code');
      const clen = p.u8('cap len');
      caps.push({ code, value: p.bytes(clen, `cap ${code}`) });
    }
  }
  const info: OpenInfo = { version, myAs, holdTime, bgpId, extendedOptParams, caps, addPath: new Map(), extendedMessage: false };
  for (const c of caps) {
    if (c.code === 65 && c.value.length === 4) info.as4 = c.value.readUInt32BE(0);
    if (c.code === 6) info.extendedMessage = true;
    if (c.code === 69) {
      const v = new Reader(c.value);
      while (v.left() >= 4) {
        const fam = familyName(v.u16(), v.u8());
        info.addPath.set(fam, (info.addPath.get(fam) ?? 0) | v.u8());
      }
    }
  }
  return info;
}

/** Decode options for a message from `sender` to `receiver`, from their OPENs. */
export function negotiate(sender: OpenInfo | undefined, receiver: OpenInfo | undefined): DecodeOptions {
  if (!sender || !receiver) return { as4: false, addPath: [], extendedMessage: false };
  const addPath: string[] = [];
  for (const [fam, mode] of sender.addPath) {
    // RFC 7911: the sender advertised "send" and the receiver "receive"
    if ((mode & 2) !== 0 && ((receiver.addPath.get(fam) ?? 0) & 1) !== 0) addPath.push(fam);
  }
  addPath.sort();
  return {
    as4: sender.as4 !== undefined && receiver.as4 !== undefined,
    addPath,
    extendedMessage: sender.extendedMessage && receiver.extendedMessage,
  };
}

const ROLE = ['provider', 'rs', 'rs-client', 'customer', 'peer'];

function capText(c: Capability): string {
  const v = new Reader(c.value);
  const tuples = <T>(size: number, f: () => T): T[] => {
    const out: T[] = [];
    while (v.left() >= size) out.push(f());
    return out;
  };
  switch (c.code) {
    case 1: { const afi = v.u16(); v.u8(); return `MP ${familyName(afi, v.u8())}`; }
    case 2: return 'route-refresh';
    case 3: return `ORF ${tuples(5, () => {
      const afi = v.u16(); v.u8(); const fam = familyName(afi, v.u8()); const n = v.u8();
      const t: string[] = [];
      for (let i = 0; i < n; i++) { const type = v.u8(); const sr = v.u8(); t.push(`type ${type} ${['', 'receive', 'send', 'both'][sr] ?? sr}`); }
      return `${fam} ${t.join(',')}`;
    }).join('; ')}`;
    case 5: return `extended-nexthop ${tuples(6, () => { const a = v.u16(); const s = v.u16(); return `${familyName(a, s)} via afi ${v.u16()}`; }).join(', ')}`;
    case 6: return 'extended-message';
    case 9: return `role ${ROLE[v.u8()] ?? '?'}`;
    case 64: {
      const w = v.u16();
      const fl = `${w & 0x8000 ? 'R' : ''}${w & 0x4000 ? 'N' : ''}`;
      const fams = tuples(4, () => { const f = familyName(v.u16(), v.u8()); return `${f}${v.u8() & 0x80 ? ' F' : ''}`; });
      return `graceful-restart${fl ? ` ${fl}` : ''} time ${w & 0x0fff}s [${fams.join(', ')}]`;
    }
    case 65: return `as4 ${v.u32()}`;
    case 67: return 'dynamic-capability';
    case 69: return `add-path ${tuples(4, () => {
      const f = familyName(v.u16(), v.u8()); const m = v.u8();
      return `${f} ${['none', 'receive', 'send', 'send/receive'][m] ?? m}`;
    }).join(', ')}`;
    case 70: return 'enhanced-route-refresh';
    case 71: return `llgr [${tuples(7, () => { const f = familyName(v.u16(), v.u8()); const fl = v.u8(); return `${f}${fl & 0x80 ? ' F' : ''} stale ${v.u24()}s`; }).join(', ')}]`;
    case 73: {
      const h = v.bytes(v.u8()).toString('utf8');
      const dlen = v.left() > 0 ? v.u8() : 0;
      const dom = v.bytes(dlen).toString('utf8');
      return `hostname ${h}${dom ? ` domain ${dom}` : ''}`;
    }
    case 75: return `software-version "${v.bytes(v.u8()).toString('utf8')}"`;
    case 128: return 'route-refresh (old, 128)';
    case 130: return 'ORF (old, 130)';
    default: return `cap ${c.code} (${c.value.length} bytes)`;
  }
}

function openNote(msg: Buffer): string {
  const o = parseOpen(msg);
  const as = o.as4 !== undefined && o.as4 !== o.myAs ? `AS ${o.myAs} (AS4 ${o.as4})` : `AS ${o.myAs}`;
  return `OPEN v${o.version} ${as}, hold ${o.holdTime}s, id ${o.bgpId}${o.extendedOptParams ? ', RFC 9072 extended opt params' : ''}; caps: ${o.caps.map(capText).join('; ')}`;
}

// ---------------------------------------------------------------- UPDATE --

interface Prefix { pathId?: number; text: string; len: number }

function parsePrefixes(r: Reader, afi: number, addPath: boolean, what: string): Prefix[] {
  const out: Prefix[] = [];
  const alen = afi === 1 ? 4 : afi === 2 ? 16 : 0;
  if (!alen) throw new Error(`${what}: prefixes of AFI ${afi} not supported by this reader`);
  while (r.left() > 0) {
    const pathId = addPath ? r.u32(`${what} path id`) : undefined;
    const len = r.u8(`${what} prefix length`);
    if (len > alen * 8) throw new Error(`${what}: prefix length ${len} too long for AFI ${afi}`);
    const bytes = r.bytes(Math.ceil(len / 8), `${what} prefix`);
    const full = Buffer.alloc(alen);
    bytes.copy(full);
    const text = `${alen === 4 ? ipv4Text(full) : ipv6Text(full)}/${len}`;
    out.push(pathId === undefined ? { text, len } : { pathId, text, len });
  }
  return out;
}

function prefixesText(ps: Prefix[], fam: string, verb: string): string {
  const lens = [...new Set(ps.map((p) => p.len))].sort((a, b) => a - b).map((l) => `/${l}`).join(' ');
  const shown = ps.length <= 4 ? ps.map((p) => p.text).join(', ')
    : `${ps[0]?.text}, ${ps[1]?.text} … ${ps[ps.length - 1]?.text}`;
  const ids = [...new Set(ps.filter((p) => p.pathId !== undefined).map((p) => p.pathId))];
  const idText = ids.length === 0 ? '' : ids.length === 1 ? `, path-id ${ids[0]}`
    : `, path-ids ${ids.length <= 6 ? ids.join(',') : `${ids.slice(0, 5).join(',')},…`}`;
  return `${ps.length} ${fam} ${verb} ${lens}${idText} (${shown})`;
}

function asPathText(v: Reader, as4: boolean): string {
  const segs: string[] = [];
  while (v.left() > 0) {
    const type = v.u8('AS_PATH segment type');
    const n = v.u8('AS_PATH segment length');
    const asns: number[] = [];
    for (let i = 0; i < n; i++) asns.push(as4 ? v.u32('AS_PATH asn') : v.u16('AS_PATH asn'));
    switch (type) {
      case 1: segs.push(`{${asns.join(',')}}`); break;
      case 2: segs.push(asns.join(' ')); break;
      case 3: segs.push(`(${asns.join(' ')})`); break;
      case 4: segs.push(`[${asns.join(',')}]`); break;
      default: throw new Error(`AS_PATH: bad segment type ${type}`);
    }
  }
  return segs.length ? segs.join(' ') : 'empty';
}

const WELL_KNOWN_COMMUNITIES: Record<number, string> = {
  0xffffff01: 'NO_EXPORT', 0xffffff02: 'NO_ADVERTISE', 0xffffff03: 'NO_EXPORT_SUBCONFED',
  0xffff0000: 'GRACEFUL_SHUTDOWN', 0xffff0001: 'ACCEPT_OWN', 0xffff029a: 'BLACKHOLE',
  0xffff0006: 'LLGR_STALE', 0xffff0007: 'NO_LLGR',
};

function extCommunityText(e: Buffer): string {
  const type = e.readUInt8(0);
  const sub = e.readUInt8(1);
  const subName = sub === 2 ? 'rt' : sub === 3 ? 'soo' : `sub${sub}`;
  switch (type & 0xbf) { // ignore the transitive bit
    case 0x00: return `${subName} ${e.readUInt16BE(2)}:${e.readUInt32BE(4)}`;
    case 0x01: return `${subName} ${ipv4Text(e, 2)}:${e.readUInt16BE(6)}`;
    case 0x02: return `${subName} ${e.readUInt32BE(2)}:${e.readUInt16BE(6)} (4-octet AS)`;
    default: return `type 0x${type.toString(16)}/0x${sub.toString(16)} ${e.subarray(2).toString('hex')}`;
  }
}

function nextHopText(nh: Buffer, afi: number): string {
  if (nh.length === 4) return ipv4Text(nh);
  if (nh.length === 16) return ipv6Text(nh);
  if (nh.length === 32) return `${ipv6Text(nh)} + link-local ${ipv6Text(nh, 16)}`;
  return `${nh.length}-byte next hop ${nh.toString('hex')} (afi ${afi})`;
}

const ATTR_NAMES: Record<number, string> = {
  1: 'ORIGIN', 2: 'AS_PATH', 3: 'NEXT_HOP', 4: 'MED', 5: 'LOCAL_PREF', 6: 'ATOMIC_AGGREGATE',
  7: 'AGGREGATOR', 8: 'COMMUNITIES', 9: 'ORIGINATOR_ID', 10: 'CLUSTER_LIST', 14: 'MP_REACH_NLRI',
  15: 'MP_UNREACH_NLRI', 16: 'EXTENDED_COMMUNITIES', 17: 'AS4_PATH', 18: 'AS4_AGGREGATOR',
  26: 'AIGP', 32: 'LARGE_COMMUNITIES', 35: 'OTC',
};

export interface UpdateInfo {
  note: string;
  endOfRib?: string; // family, when this UPDATE is an End-of-RIB marker
  signature: string; // shape of the message, to pick representative ones
  attrCodes: number[];
  families: string[];
}

export function parseUpdate(msg: Buffer, opts: DecodeOptions): UpdateInfo {
  const r = new Reader(msg, 19, msg.readUInt16BE(16));
  const ap = (fam: string): boolean => opts.addPath.includes(fam);
  const wd = parsePrefixes(r.sub(r.u16('withdrawn length'), 'withdrawn routes'), 1, ap('ipv4-unicast'), 'withdrawn');
  const attrs = r.sub(r.u16('path attribute length'), 'path attributes');
  const nlri = parsePrefixes(r, 1, ap('ipv4-unicast'), 'NLRI');
  const parts: string[] = [];
  const codes: number[] = [];
  const families = new Set<string>();
  let mpReach: string | undefined;
  let mpUnreach: string | undefined;
  let unreachEmptyFam: string | undefined;
  let extLenAttrs = 0;
  while (attrs.left() > 0) {
    const flags = attrs.u8('attr flags');
    const code = attrs.u8('attr type');
    const len = flags & 0x10 ? attrs.u16('attr ext length') : attrs.u8('attr length');
    if (flags & 0x10) extLenAttrs++;
    const v = attrs.sub(len, `attribute ${code}`);
    if (codes.includes(code)) throw new Error(`UPDATE: attribute ${code} twice`);
    codes.push(code);
    const name = ATTR_NAMES[code] ?? `ATTR_${code}`;
    switch (code) {
      case 1: parts.push(`ORIGIN ${['IGP', 'EGP', 'INCOMPLETE'][v.u8()] ?? '?'}`); break;
      case 2: parts.push(`AS_PATH ${asPathText(v, opts.as4)}`); break;
      case 3: parts.push(`NEXT_HOP ${ipv4Text(v.bytes(4))}`); break;
      case 4: parts.push(`MED ${v.u32()}`); break;
      case 5: parts.push(`LOCAL_PREF ${v.u32()}`); break;
      case 6: parts.push('ATOMIC_AGGREGATE'); break;
      case 7: case 18: {
        const as = code === 18 || opts.as4 ? v.u32(name) : v.u16(name);
        parts.push(`${name} ${as} ${ipv4Text(v.bytes(4))}`);
        break;
      }
      case 8: {
        const cs: string[] = [];
        while (v.left() > 0) { const c = v.u32(); cs.push(WELL_KNOWN_COMMUNITIES[c] ?? `${c >>> 16}:${c & 0xffff}`); }
        parts.push(`COMMUNITIES ${cs.join(' ')}`);
        break;
      }
      case 9: parts.push(`ORIGINATOR_ID ${ipv4Text(v.bytes(4))}`); break;
      case 10: {
        const ids: string[] = [];
        while (v.left() > 0) ids.push(ipv4Text(v.bytes(4)));
        parts.push(`CLUSTER_LIST ${ids.join(' ')}`);
        break;
      }
      case 14: {
        const afi = v.u16(); const safi = v.u8(); const fam = familyName(afi, safi);
        const nh = v.bytes(v.u8('MP_REACH next hop length'), 'MP_REACH next hop');
        v.u8('MP_REACH reserved');
        const ps = parsePrefixes(v, afi, ap(fam), 'MP_REACH NLRI');
        families.add(fam);
        mpReach = `MP_REACH ${fam} NH ${nextHopText(nh, afi)}: ${prefixesText(ps, fam, 'NLRI')}`;
        break;
      }
      case 15: {
        const afi = v.u16(); const safi = v.u8(); const fam = familyName(afi, safi);
        const ps = parsePrefixes(v, afi, ap(fam), 'MP_UNREACH withdrawn');
        families.add(fam);
        if (ps.length === 0) unreachEmptyFam = fam;
        mpUnreach = ps.length === 0 ? `MP_UNREACH ${fam} (no NLRI)` : `MP_UNREACH ${prefixesText(ps, fam, 'withdrawn')}`;
        break;
      }
      case 16: {
        const es: string[] = [];
        while (v.left() > 0) es.push(extCommunityText(v.bytes(8, 'extended community')));
        parts.push(`EXT_COMMUNITIES ${es.join(', ')}`);
        break;
      }
      case 17: parts.push(`AS4_PATH ${asPathText(v, true)}`); break;
      case 32: {
        const ls: string[] = [];
        while (v.left() > 0) ls.push(`${v.u32()}:${v.u32()}:${v.u32()}`);
        parts.push(`LARGE_COMMUNITIES ${ls.join(' ')}`);
        break;
      }
      case 26: { // AIGP (RFC 7311): TLVs, type 1 = metric
        const tlvs: string[] = [];
        while (v.left() > 0) {
          const t = v.u8('AIGP TLV type');
          const tv = v.sub(v.u16('AIGP TLV length') - 3, 'AIGP TLV');
          tlvs.push(t === 1 && tv.left() === 8 ? `metric ${tv.b.readBigUInt64BE(tv.off)}` : `tlv ${t}`);
          tv.bytes(tv.left());
        }
        parts.push(`AIGP ${tlvs.join(' ')}`);
        break;
      }
      case 35: parts.push(`OTC ${v.u32()}`); break;
      default: parts.push(`${name} (flags 0x${flags.toString(16)}, ${len} bytes)`); v.bytes(v.left());
    }
    if (v.left() !== 0 && code !== 14 && code !== 15) throw new Error(`UPDATE: ${v.left()} stray bytes in ${name}`);
  }
  if (wd.length) families.add('ipv4-unicast');
  if (nlri.length) families.add('ipv4-unicast');
  const fams = [...families].sort();
  const sigBase = `${[...codes].sort((a, b) => a - b).join(',')}|w${wd.length ? 1 : 0}|n${nlri.length ? 1 : 0}|${fams.join(',')}`;
  if (!wd.length && !codes.length && !nlri.length) {
    return { note: 'UPDATE: End-of-RIB ipv4-unicast (empty UPDATE)', endOfRib: 'ipv4-unicast', signature: 'eor|ipv4-unicast', attrCodes: [], families: ['ipv4-unicast'] };
  }
  if (!wd.length && !nlri.length && codes.length === 1 && unreachEmptyFam) {
    return {
      note: `UPDATE: End-of-RIB ${unreachEmptyFam} (MP_UNREACH_NLRI with no withdrawn routes)`,
      endOfRib: unreachEmptyFam, signature: `eor|${unreachEmptyFam}`, attrCodes: codes, families: fams,
    };
  }
  const head: string[] = [];
  if (wd.length) head.push(prefixesText(wd, 'IPv4', 'withdrawn'));
  if (nlri.length) head.push(prefixesText(nlri, 'IPv4', 'NLRI'));
  if (mpReach) head.push(mpReach);
  if (mpUnreach) head.push(mpUnreach);
  const ext = extLenAttrs ? `; ${extLenAttrs} attr(s) with extended-length flag` : '';
  return {
    note: `UPDATE: ${[...head, ...parts].join('; ')}${ext}`,
    signature: sigBase,
    attrCodes: codes,
    families: fams,
  };
}

// ---------------------------------------------------- NOTIFICATION, RR ----

const NOTIFY: Record<number, [string, Record<number, string>]> = {
  1: ['Message Header Error', { 1: 'Connection Not Synchronized', 2: 'Bad Message Length', 3: 'Bad Message Type' }],
  2: ['OPEN Message Error', { 1: 'Unsupported Version Number', 2: 'Bad Peer AS', 3: 'Bad BGP Identifier', 4: 'Unsupported Optional Parameter', 6: 'Unacceptable Hold Time', 7: 'Unsupported Capability', 11: 'Role Mismatch' }],
  3: ['UPDATE Message Error', { 1: 'Malformed Attribute List', 2: 'Unrecognized Well-known Attribute', 3: 'Missing Well-known Attribute', 4: 'Attribute Flags Error', 5: 'Attribute Length Error', 6: 'Invalid ORIGIN Attribute', 8: 'Invalid NEXT_HOP Attribute', 9: 'Optional Attribute Error', 10: 'Invalid Network Field', 11: 'Malformed AS_PATH' }],
  4: ['Hold Timer Expired', {}],
  5: ['Finite State Machine Error', { 1: 'Unexpected Message in OpenSent', 2: 'Unexpected Message in OpenConfirm', 3: 'Unexpected Message in Established' }],
  6: ['Cease', { 1: 'Maximum Number of Prefixes Reached', 2: 'Administrative Shutdown', 3: 'Peer De-configured', 4: 'Administrative Reset', 5: 'Connection Rejected', 6: 'Other Configuration Change', 7: 'Connection Collision Resolution', 8: 'Out of Resources', 9: 'Hard Reset', 10: 'BFD Down' }],
  7: ['ROUTE-REFRESH Message Error', { 1: 'Invalid Message Length' }],
};

function notificationNote(msg: Buffer): string {
  const r = new Reader(msg, 19, msg.readUInt16BE(16));
  const code = r.u8('NOTIFICATION code');
  const sub = r.u8('NOTIFICATION subcode');
  const data = r.bytes(r.left());
  const [cn, subs] = NOTIFY[code] ?? [`code ${code}`, {}];
  const text = `NOTIFICATION: ${cn} (${code}) / ${subs[sub] ?? 'subcode'} (${sub})`;
  return text + notificationData(code, sub, data);
}

function notificationData(code: number, sub: number, data: Buffer): string {
  if (code === 6 && (sub === 2 || sub === 4) && data.length > 0) {
    const n = data.readUInt8(0);
    if (n + 1 !== data.length) throw new Error(`NOTIFICATION: shutdown communication length ${n} but ${data.length - 1} bytes follow`);
    return `, shutdown communication (RFC 9003) "${data.subarray(1).toString('utf8')}"`;
  }
  if (code === 6 && sub === 9 && data.length >= 2) {
    // RFC 8538 Hard Reset: the data is the code, subcode and data of the cause
    const ic = data.readUInt8(0);
    const is = data.readUInt8(1);
    const [icn, isubs] = NOTIFY[ic] ?? [`code ${ic}`, {}];
    return `, wrapping ${icn} (${ic}) / ${isubs[is] ?? 'subcode'} (${is})${notificationData(ic, is, data.subarray(2))}`;
  }
  return data.length ? `, data ${data.toString('hex')}` : '';
}

function routeRefreshNote(msg: Buffer): string {
  const r = new Reader(msg, 19, msg.readUInt16BE(16));
  const afi = r.u16('ROUTE-REFRESH afi');
  const subtype = r.u8('ROUTE-REFRESH subtype');
  const safi = r.u8('ROUTE-REFRESH safi');
  const kind = ['request', 'Beginning of Route Refresh (BoRR, RFC 7313)', 'End of Route Refresh (EoRR, RFC 7313)'][subtype] ?? `subtype ${subtype}`;
  let text = `ROUTE-REFRESH: ${familyName(afi, safi)} ${kind}`;
  if (r.left() > 0) {
    const when = r.u8('ORF when-to-refresh');
    const orfs: string[] = [];
    while (r.left() > 0) {
      const type = r.u8('ORF type');
      const e = r.sub(r.u16('ORF length'), 'ORF entries');
      const entries: string[] = [];
      while (e.left() > 0) {
        const action = e.u8('ORF action');
        const act = ['add', 'remove', 'remove-all'][(action >> 6) & 3] ?? '?';
        if ((action >> 6) === 2) { entries.push('remove-all'); continue; }
        if (type === 64) { // address prefix ORF (RFC 5292)
          const seq = e.u32(); const ge = e.u8(); const le = e.u8(); const len = e.u8();
          const p = parsePrefixes(new Reader(Buffer.concat([Buffer.from([len]), e.bytes(Math.ceil(len / 8))])), afi, false, 'ORF prefix');
          entries.push(`${act} seq ${seq} ${action & 0x20 ? 'deny' : 'permit'} ${p[0]?.text}${ge ? ` ge ${ge}` : ''}${le ? ` le ${le}` : ''}`);
        } else {
          entries.push(`${act} ${e.bytes(e.left()).toString('hex')}`);
        }
      }
      orfs.push(`ORF type ${type}${type === 64 ? ' (address prefix)' : ''}: ${entries.join(', ')}`);
    }
    text += `, ${when === 1 ? 'immediate' : when === 2 ? 'defer' : `when ${when}`}; ${orfs.join('; ')}`;
  }
  return text;
}

// ------------------------------------------------------------ any message --

export interface Described {
  type: string;
  note: string;
  endOfRib?: string;
  signature: string;
}

/** Checks the header of one complete message and describes it. Throws when malformed. */
export function describe(msg: Buffer, opts: DecodeOptions): Described {
  if (msg.length < 19) throw new Error(`message shorter than the 19-byte header (${msg.length})`);
  if (!msg.subarray(0, 16).equals(MARKER)) throw new Error('marker is not 16 x 0xff');
  const len = msg.readUInt16BE(16);
  if (len !== msg.length) throw new Error(`length field ${len} but message has ${msg.length} bytes`);
  const code = msg.readUInt8(18);
  const type = TYPE_NAMES[code];
  if (!type) throw new Error(`unknown message type ${code}`);
  const max = opts.extendedMessage && code !== 1 && code !== 4 ? 65535 : 4096;
  if (len > max) throw new Error(`${type} of ${len} bytes exceeds ${max}`);
  switch (code) {
    case 1: return { type, note: openNote(msg), signature: 'open' };
    case 2: {
      const u = parseUpdate(msg, opts);
      return u.endOfRib ? { type, note: u.note, endOfRib: u.endOfRib, signature: u.signature } : { type, note: u.note, signature: u.signature };
    }
    case 3: return { type, note: notificationNote(msg), signature: 'notification' };
    case 4:
      if (len !== 19) throw new Error(`KEEPALIVE of ${len} bytes`);
      return { type, note: 'KEEPALIVE', signature: 'keepalive' };
    default: return { type, note: routeRefreshNote(msg), signature: 'route-refresh' };
  }
}
