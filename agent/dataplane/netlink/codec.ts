// rtnetlink message codec: pure functions over Buffer (ARCHITECTURE.md rule 2).
// Layouts follow the kernel uapi (linux/netlink.h, linux/rtnetlink.h,
// linux/if_link.h) as described in RFC 3549 §2.3 (nlmsghdr) and §3.1.1
// (rtmsg, ifinfomsg), in host byte order (little-endian on every platform we
// run on). Encoders compute the length first and write in place into one
// Buffer, so a batch of thousands of requests is a single allocation; decoders
// walk attributes without copying and return plain objects.
//   nlmsghdr  len u32 | type u16 | flags u16 | seq u32 | pid u32      (16 B)
//   rtmsg     family dst_len src_len tos table protocol scope type u8 | flags u32 (12 B)
//   ifinfomsg family pad u8 | type u16 | index i32 | flags u32 | change u32 (16 B)
//   rtattr    len u16 | type u16 | payload, padded to 4            (RTA_ALIGN)
//   rtnexthop len u16 | flags u8 | hops u8 | ifindex i32, then attrs (8 B)
//   nlmsgerr  error i32 | original nlmsghdr (+ payload unless capped), then
//             NLMSGERR_ATTR_* TLVs when NLM_F_ACK_TLVS is set
import { type Family, formatAddress, parseAddress } from './addr.js';

export const NLMSG_HDRLEN = 16;
export const NLMSG_NOOP = 1, NLMSG_ERROR = 2, NLMSG_DONE = 3, NLMSG_OVERRUN = 4;
export const NLM_F_REQUEST = 0x1, NLM_F_MULTI = 0x2, NLM_F_ACK = 0x4, NLM_F_DUMP_INTR = 0x10;
export const NLM_F_DUMP = 0x300, NLM_F_REPLACE = 0x100, NLM_F_EXCL = 0x200, NLM_F_CREATE = 0x400;
export const NLM_F_CAPPED = 0x100, NLM_F_ACK_TLVS = 0x200;
export const NLMSGERR_ATTR_MSG = 1;

export const RTM_NEWLINK = 16, RTM_DELLINK = 17, RTM_GETLINK = 18;
export const RTM_NEWROUTE = 24, RTM_DELROUTE = 25, RTM_GETROUTE = 26;

export const AF_UNSPEC = 0, AF_INET = 2, AF_INET6 = 10;
export const RTA_DST = 1, RTA_OIF = 4, RTA_GATEWAY = 5, RTA_PRIORITY = 6, RTA_MULTIPATH = 9, RTA_TABLE = 15, RTA_VIA = 18;
export const RTN_UNICAST = 1, RTN_LOCAL = 2, RTN_BLACKHOLE = 6, RTN_UNREACHABLE = 7, RTN_PROHIBIT = 8;
export const RT_SCOPE_UNIVERSE = 0, RT_SCOPE_LINK = 253, RT_SCOPE_HOST = 254, RT_SCOPE_NOWHERE = 255;
export const RT_TABLE_COMPAT = 252;
export const IFLA_ADDRESS = 1, IFLA_IFNAME = 3, IFLA_MTU = 4, IFLA_OPERSTATE = 16;
export const IFF_UP = 0x1, IFF_RUNNING = 0x40, IFF_LOWER_UP = 0x10000;
export const RTMGRP_LINK = 0x1;

const RTMSG_LEN = 12, IFINFOMSG_LEN = 16, RTNH_LEN = 8;
const align4 = (n: number): number => (n + 3) & ~3;

export const afOf = (f: Family): number => (f === 4 ? AF_INET : AF_INET6);
export const familyOfAf = (af: number): Family | undefined => (af === AF_INET ? 4 : af === AF_INET6 ? 6 : undefined);

export interface NextHop { gateway: string; ifindex?: number; flags?: number }

/** One route as rtnetlink carries it (the subset we write and compare). */
export interface RouteMessage {
  family: Family;
  dst: string;          // address text, e.g. "100.64.0.1" (0.0.0.0 / :: for a default route)
  dstLen: number;
  table: number;
  protocol: number;
  scope: number;
  type: number;
  oif?: number;
  gateway?: string;     // single next hop
  priority?: number;
  multipath?: NextHop[]; // ECMP (RTA_MULTIPATH)
  flags?: number;       // rtm_flags
}

export interface LinkMessage { index: number; name: string; flags: number; mac?: string; mtu?: number; operstate?: number }

export interface Header { len: number; type: number; flags: number; seq: number; pid: number }

function writeHeader(b: Buffer, off: number, len: number, type: number, flags: number, seq: number): void {
  b.writeUInt32LE(len, off);
  b.writeUInt16LE(type, off + 4);
  b.writeUInt16LE(flags, off + 6);
  b.writeUInt32LE(seq >>> 0, off + 8);
  b.writeUInt32LE(0, off + 12);
}

function writeAttr(b: Buffer, off: number, type: number, payload: Buffer | number): number {
  if (typeof payload === 'number') {
    b.writeUInt16LE(8, off); b.writeUInt16LE(type, off + 2); b.writeUInt32LE(payload, off + 4);
    return off + 8;
  }
  const len = 4 + payload.length;
  b.writeUInt16LE(len, off); b.writeUInt16LE(type, off + 2);
  payload.copy(b, off + 4);
  b.fill(0, off + len, off + align4(len));
  return off + align4(len);
}

/** Gateway attribute for a next hop: RTA_GATEWAY when families match, RTA_VIA (RFC 5549 style) when they differ. */
function gatewayAttr(routeFamily: Family, gw: string): { type: number; payload: Buffer } {
  const { family, addr } = parseAddress(gw);
  if (family === routeFamily) return { type: RTA_GATEWAY, payload: addr };
  const via = Buffer.alloc(2 + addr.length);
  via.writeUInt16LE(afOf(family), 0);
  addr.copy(via, 2);
  return { type: RTA_VIA, payload: via };
}

interface Plan { dst: Buffer; gw?: { type: number; payload: Buffer }; hops?: { hop: NextHop; gw: { type: number; payload: Buffer } }[]; size: number }

function planRoute(r: RouteMessage, withBody: boolean): Plan {
  const dst = parseAddress(r.dst).addr;
  if (dst.length !== (r.family === 4 ? 4 : 16)) throw new Error(`route ${r.dst}/${r.dstLen}: address is not IPv${r.family}`);
  let size = NLMSG_HDRLEN + RTMSG_LEN + align4(4 + dst.length) + 8 /* RTA_TABLE */;
  const plan: Plan = { dst, size };
  if (withBody) {
    if (r.oif !== undefined) size += 8;
    if (r.priority !== undefined) size += 8;
    if (r.gateway !== undefined) {
      plan.gw = gatewayAttr(r.family, r.gateway);
      size += align4(4 + plan.gw.payload.length);
    }
    if (r.multipath !== undefined && r.multipath.length > 0) {
      plan.hops = r.multipath.map((hop) => ({ hop, gw: gatewayAttr(r.family, hop.gateway) }));
      size += 4 + plan.hops.reduce((n, h) => n + RTNH_LEN + align4(4 + h.gw.payload.length), 0);
    }
  }
  plan.size = size;
  return plan;
}

function writeRoute(b: Buffer, off: number, type: number, flags: number, seq: number, r: RouteMessage, p: Plan, withBody: boolean): number {
  const start = off;
  writeHeader(b, off, p.size, type, flags, seq);
  off += NLMSG_HDRLEN;
  b[off] = afOf(r.family); b[off + 1] = r.dstLen; b[off + 2] = 0; b[off + 3] = 0;
  b[off + 4] = r.table < 256 ? r.table : RT_TABLE_COMPAT;
  b[off + 5] = r.protocol; b[off + 6] = r.scope; b[off + 7] = r.type;
  b.writeUInt32LE(r.flags ?? 0, off + 8);
  off += RTMSG_LEN;
  off = writeAttr(b, off, RTA_TABLE, r.table);
  off = writeAttr(b, off, RTA_DST, p.dst);
  if (withBody) {
    if (r.oif !== undefined) off = writeAttr(b, off, RTA_OIF, r.oif);
    if (r.priority !== undefined) off = writeAttr(b, off, RTA_PRIORITY, r.priority);
    if (p.gw) off = writeAttr(b, off, p.gw.type, p.gw.payload);
    if (p.hops) {
      const mpStart = off;
      off += 4;
      for (const { hop, gw } of p.hops) {
        const hopLen = RTNH_LEN + align4(4 + gw.payload.length);
        b.writeUInt16LE(hopLen, off); b[off + 2] = hop.flags ?? 0; b[off + 3] = 0;
        b.writeInt32LE(hop.ifindex ?? 0, off + 4);
        off = writeAttr(b, off + RTNH_LEN, gw.type, gw.payload);
      }
      b.writeUInt16LE(off - mpStart, mpStart); b.writeUInt16LE(RTA_MULTIPATH, mpStart + 2);
    }
  }
  if (off - start !== p.size) throw new Error(`codec bug: route message size ${off - start} != planned ${p.size}`);
  return off;
}

export type RouteOp = 'replace' | 'create' | 'delete';

/** One request in a batch: a route add/replace/delete. */
export interface RouteRequest { op: RouteOp; route: RouteMessage }

const opType = (op: RouteOp): number => (op === 'delete' ? RTM_DELROUTE : RTM_NEWROUTE);
const opFlags = (op: RouteOp, ack: boolean): number => NLM_F_REQUEST | (ack ? NLM_F_ACK : 0) |
  (op === 'replace' ? NLM_F_CREATE | NLM_F_REPLACE : op === 'create' ? NLM_F_CREATE | NLM_F_EXCL : 0);

/**
 * Encodes a batch of route requests into one Buffer, sequence numbers firstSeq,
 * firstSeq+1, ... With acks 'each' every request carries NLM_F_ACK; with
 * 'last' only the final one does: the kernel processes a batch in order and
 * always answers a failed request with an error (RFC 3549 §2.3.2.2), so the
 * final ack proves every earlier request without an error succeeded — one
 * reply to read per batch instead of one per route. A delete carries only the key (family,
 * dst, table, protocol) plus the scope/type given: the kernel then matches our
 * protocol only, so it never removes a route someone else wrote.
 */
export function encodeRouteBatch(reqs: readonly RouteRequest[], firstSeq: number, acks: 'each' | 'last' = 'each'): Buffer {
  const plans = reqs.map((q) => planRoute(q.route, q.op !== 'delete'));
  const total = plans.reduce((n, p) => n + p.size, 0);
  const b = Buffer.allocUnsafe(total);
  let off = 0;
  const last = reqs.length - 1;
  reqs.forEach((q, i) => { off = writeRoute(b, off, opType(q.op), opFlags(q.op, acks === 'each' || i === last), firstSeq + i, q.route, plans[i] as Plan, q.op !== 'delete'); });
  return b;
}

/** A dump request: RTM_GETROUTE for one family and table (strict checking filters by RTA_TABLE), or RTM_GETLINK. */
export function encodeRouteDump(family: Family, table: number, seq: number): Buffer {
  const b = Buffer.alloc(NLMSG_HDRLEN + RTMSG_LEN + 8);
  writeHeader(b, 0, b.length, RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, seq);
  b[NLMSG_HDRLEN] = afOf(family);
  b[NLMSG_HDRLEN + 4] = table < 256 ? table : RT_TABLE_COMPAT;
  writeAttr(b, NLMSG_HDRLEN + RTMSG_LEN, RTA_TABLE, table);
  return b;
}

export function encodeLinkDump(seq: number): Buffer {
  const b = Buffer.alloc(NLMSG_HDRLEN + IFINFOMSG_LEN);
  writeHeader(b, 0, b.length, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, seq);
  return b;
}

/** Walks the netlink messages in a received datagram; fn gets the header and its payload (a view, valid until the buffer is reused). */
export function forEachMessage(buf: Buffer, fn: (h: Header, payload: Buffer) => void): void {
  let off = 0;
  while (off + NLMSG_HDRLEN <= buf.length) {
    const len = buf.readUInt32LE(off);
    if (len < NLMSG_HDRLEN || off + len > buf.length) throw new Error(`netlink: truncated message (len ${len} at offset ${off} of ${buf.length})`);
    const h: Header = { len, type: buf.readUInt16LE(off + 4), flags: buf.readUInt16LE(off + 6), seq: buf.readUInt32LE(off + 8), pid: buf.readUInt32LE(off + 12) };
    fn(h, buf.subarray(off + NLMSG_HDRLEN, off + len));
    off += align4(len);
  }
}

/** Calls fn(type, payload) for each rtattr in buf[start, end). */
export function forEachAttr(buf: Buffer, start: number, end: number, fn: (type: number, payload: Buffer) => void): void {
  let off = start;
  while (off + 4 <= end) {
    const len = buf.readUInt16LE(off);
    if (len < 4 || off + len > end) break;
    fn(buf.readUInt16LE(off + 2) & 0x3fff /* strip NLA_F_NESTED / NLA_F_NET_BYTEORDER */, buf.subarray(off + 4, off + len));
    off += align4(len);
  }
}

export interface NetlinkError { errno: number; origSeq?: number; message?: string }

/** Decodes an NLMSG_ERROR payload: errno 0 is an ack; extended ack text when the kernel sent one. */
export function decodeError(h: Header, p: Buffer): NetlinkError {
  if (p.length < 4) throw new Error('netlink: short NLMSG_ERROR');
  const err: NetlinkError = { errno: 0 - p.readInt32LE(0) };
  if (p.length >= 4 + NLMSG_HDRLEN) err.origSeq = p.readUInt32LE(4 + 8);
  if (h.flags & NLM_F_ACK_TLVS && p.length >= 4 + NLMSG_HDRLEN) {
    const origLen = p.readUInt32LE(4);
    const tlvStart = 4 + (h.flags & NLM_F_CAPPED ? NLMSG_HDRLEN : align4(origLen));
    forEachAttr(p, tlvStart, p.length, (t, v) => {
      if (t === NLMSGERR_ATTR_MSG) err.message = v.toString('utf8').replace(/\0+$/, '');
    });
  }
  return err;
}

/** Decodes an RTM_NEWROUTE payload (rtmsg + attributes). */
export function decodeRoute(p: Buffer): RouteMessage | undefined {
  if (p.length < RTMSG_LEN) return undefined;
  const family = familyOfAf(p[0] as number);
  if (family === undefined) return undefined;
  const r: RouteMessage = {
    family, dstLen: p[1] as number, table: p[4] as number, protocol: p[5] as number, scope: p[6] as number, type: p[7] as number,
    dst: family === 4 ? '0.0.0.0' : '::',
  };
  const flags = p.readUInt32LE(8);
  if (flags) r.flags = flags;
  const alen = family === 4 ? 4 : 16;
  let bad: string | undefined;
  forEachAttr(p, RTMSG_LEN, p.length, (t, v) => {
    const u32 = v.length >= 4;
    switch (t) {
      case RTA_DST: if (v.length === alen) r.dst = formatAddress(v, family); else bad = 'RTA_DST'; break;
      case RTA_TABLE: if (u32) r.table = v.readUInt32LE(0); else bad = 'RTA_TABLE'; break;
      case RTA_OIF: if (u32) r.oif = v.readInt32LE(0); else bad = 'RTA_OIF'; break;
      case RTA_PRIORITY: if (u32) r.priority = v.readUInt32LE(0); else bad = 'RTA_PRIORITY'; break;
      case RTA_GATEWAY: if (v.length === alen) r.gateway = formatAddress(v, family); else bad = 'RTA_GATEWAY'; break;
      case RTA_VIA: r.gateway = decodeVia(v); break;
      case RTA_MULTIPATH: r.multipath = decodeMultipath(v, family); break;
    }
  });
  if (bad) throw new Error(`netlink: route message with a malformed ${bad} attribute`);
  return r;
}

function decodeVia(v: Buffer): string {
  const af = v.length >= 2 ? v.readUInt16LE(0) : -1;
  const f = familyOfAf(af);
  if (!f || v.length < 2 + (f === 4 ? 4 : 16)) throw new Error('netlink: malformed RTA_VIA attribute');
  return formatAddress(v.subarray(2, 2 + (f === 4 ? 4 : 16)), f);
}

function decodeMultipath(v: Buffer, family: Family): NextHop[] {
  const hops: NextHop[] = [];
  let off = 0;
  while (off + RTNH_LEN <= v.length) {
    const len = v.readUInt16LE(off);
    if (len < RTNH_LEN || off + len > v.length) break;
    const hop: NextHop = { gateway: '', ifindex: v.readInt32LE(off + 4) };
    const fl = v[off + 2] as number;
    if (fl) hop.flags = fl;
    forEachAttr(v, off + RTNH_LEN, off + len, (t, a) => {
      if (t === RTA_GATEWAY) {
        if (a.length !== (family === 4 ? 4 : 16)) throw new Error('netlink: malformed RTA_GATEWAY in RTA_MULTIPATH');
        hop.gateway = formatAddress(a, family);
      }
      else if (t === RTA_VIA) hop.gateway = decodeVia(a);
    });
    hops.push(hop);
    off += align4(len);
  }
  return hops;
}

/** Decodes an RTM_NEWLINK / RTM_DELLINK payload (ifinfomsg + attributes). */
export function decodeLink(p: Buffer): LinkMessage | undefined {
  if (p.length < IFINFOMSG_LEN) return undefined;
  const l: LinkMessage = { index: p.readInt32LE(4), flags: p.readUInt32LE(8), name: '' };
  forEachAttr(p, IFINFOMSG_LEN, p.length, (t, v) => {
    if (t === IFLA_IFNAME) l.name = v.toString('utf8').replace(/\0.*$/s, '');
    else if (t === IFLA_ADDRESS && v.length === 6) l.mac = [...v].map((x) => x.toString(16).padStart(2, '0')).join(':');
    else if (t === IFLA_MTU && v.length >= 4) l.mtu = v.readUInt32LE(0);
    else if (t === IFLA_OPERSTATE && v.length >= 1) l.operstate = v[0] as number;
  });
  return l;
}
