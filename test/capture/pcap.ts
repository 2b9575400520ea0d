// Classic libpcap reader, link/IP/TCP header parsing and TCP stream
// reassembly, just enough to pull BGP byte streams out of a tcpdump capture.
// Written for the capture tooling only (test/capture); it is not part of the
// speaker and does not use the wire codec, so fixtures it produces are an
// independent reference for that codec.

export interface PcapPacket {
  index: number; // 0-based position in the file
  time: number; // seconds since the epoch (float)
  data: Buffer; // captured bytes
  origLen: number; // length on the wire
}

export interface Pcap {
  linktype: number;
  packets: PcapPacket[];
}

export const LINKTYPE = { NULL: 0, EN10MB: 1, RAW: 101, LINUX_SLL: 113, LINUX_SLL2: 276 } as const;

/** Parses a classic pcap file (µs or ns timestamps, either byte order). */
export function readPcap(buf: Buffer): Pcap {
  if (buf.length < 24) throw new Error('pcap: file shorter than the 24-byte global header');
  const magicBE = buf.readUInt32BE(0);
  let le: boolean;
  let nanos: boolean;
  switch (magicBE) {
    case 0xa1b2c3d4: le = false; nanos = false; break;
    case 0xd4c3b2a1: le = true; nanos = false; break;
    case 0xa1b23c4d: le = false; nanos = true; break;
    case 0x4d3cb2a1: le = true; nanos = true; break;
    case 0x0a0d0d0a: throw new Error('pcap: this is a pcapng file; capture with tcpdump -w (classic pcap) or convert with editcap -F pcap');
    default: throw new Error(`pcap: bad magic 0x${magicBE.toString(16)}`);
  }
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linktype = u32(20) & 0x0fffffff; // upper bits: FCS length flags
  const packets: PcapPacket[] = [];
  let off = 24;
  while (off + 16 <= buf.length) {
    const sec = u32(off);
    const frac = u32(off + 4);
    const incl = u32(off + 8);
    const orig = u32(off + 12);
    off += 16;
    if (off + incl > buf.length) break; // capture cut short mid-record
    packets.push({
      index: packets.length,
      time: sec + frac / (nanos ? 1e9 : 1e6),
      data: buf.subarray(off, off + incl),
      origLen: orig,
    });
    off += incl;
  }
  return { linktype, packets };
}

export interface TcpSegment {
  index: number; // packet index
  time: number;
  src: string; // IP address text
  dst: string;
  sport: number;
  dport: number;
  seq: number;
  flags: number; // TCP flags byte
  payload: Buffer;
  truncated: boolean; // snap length cut the payload
}

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_ACK = 0x10;

export function ipv4Text(b: Buffer, off = 0): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/** RFC 5952 text form of a 16-byte IPv6 address. */
export function ipv6Text(b: Buffer, off = 0): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(b.readUInt16BE(off + 2 * i));
  // IPv4-mapped
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) {
    return `::ffff:${ipv4Text(b, off + 12)}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLen).join(':');
  return `${head}::${tail}`;
}

/** Network-layer payload of a frame: [ethertype-like protocol, offset]. */
function linkPayload(linktype: number, d: Buffer): { proto: number; off: number } | undefined {
  switch (linktype) {
    case LINKTYPE.EN10MB: {
      if (d.length < 14) return undefined;
      let off = 12;
      let proto = d.readUInt16BE(off);
      while ((proto === 0x8100 || proto === 0x88a8) && d.length >= off + 6) {
        off += 4; // VLAN tag
        proto = d.readUInt16BE(off);
      }
      return { proto, off: off + 2 };
    }
    case LINKTYPE.LINUX_SLL:
      return d.length < 16 ? undefined : { proto: d.readUInt16BE(14), off: 16 };
    case LINKTYPE.LINUX_SLL2:
      return d.length < 20 ? undefined : { proto: d.readUInt16BE(0), off: 20 };
    case LINKTYPE.RAW: {
      if (d.length < 1) return undefined;
      const v = (d.readUInt8(0) >> 4);
      return { proto: v === 6 ? 0x86dd : 0x0800, off: 0 };
    }
    case LINKTYPE.NULL: {
      if (d.length < 4) return undefined;
      const fam = d.readUInt32LE(0) === 2 || d.readUInt32BE(0) === 2 ? 0x0800 : 0x86dd;
      return { proto: fam, off: 4 };
    }
    default:
      throw new Error(`pcap: unsupported linktype ${linktype} (supported: EN10MB, LINUX_SLL, LINUX_SLL2, RAW, NULL)`);
  }
}

/**
 * TCP segments of every IPv4/IPv6 packet with port `port` on either side.
 * `skipped` counts packets that were not usable (other traffic, fragments).
 */
export function tcpSegments(pcap: Pcap, port = 179): { segments: TcpSegment[]; skipped: Record<string, number> } {
  const segments: TcpSegment[] = [];
  const skipped: Record<string, number> = {};
  const skip = (why: string): void => { skipped[why] = (skipped[why] ?? 0) + 1; };
  for (const p of pcap.packets) {
    const d = p.data;
    const l = linkPayload(pcap.linktype, d);
    if (!l) { skip('short link header'); continue; }
    let off = l.off;
    let src: string;
    let dst: string;
    let end: number; // end of the IP payload inside d
    let proto: number;
    if (l.proto === 0x0800) {
      if (d.length < off + 20) { skip('short IPv4 header'); continue; }
      const ihl = (d.readUInt8(off) & 0x0f) * 4;
      const total = d.readUInt16BE(off + 2);
      const frag = d.readUInt16BE(off + 6);
      if ((frag & 0x3fff) !== 0) { skip('IPv4 fragment'); continue; }
      proto = d.readUInt8(off + 9);
      src = ipv4Text(d, off + 12);
      dst = ipv4Text(d, off + 16);
      // total 0: TSO/GSO frame whose length field was left for the NIC
      end = total === 0 ? d.length : Math.min(d.length, off + total);
      off += ihl;
    } else if (l.proto === 0x86dd) {
      if (d.length < off + 40) { skip('short IPv6 header'); continue; }
      const plen = d.readUInt16BE(off + 4);
      let next = d.readUInt8(off + 6);
      src = ipv6Text(d, off + 8);
      dst = ipv6Text(d, off + 24);
      end = plen === 0 ? d.length : Math.min(d.length, off + 40 + plen);
      off += 40;
      // extension headers: hop-by-hop, routing, destination options
      let frag = false;
      while (next === 0 || next === 43 || next === 60 || next === 44) {
        if (d.length < off + 8) break;
        if (next === 44) { frag = true; break; }
        const hdrLen = (d.readUInt8(off + 1) + 1) * 8;
        next = d.readUInt8(off);
        off += hdrLen;
      }
      if (frag) { skip('IPv6 fragment'); continue; }
      proto = next;
    } else {
      skip(`ethertype 0x${l.proto.toString(16)}`);
      continue;
    }
    if (proto !== 6) { skip(`IP protocol ${proto}`); continue; }
    if (end < off + 20) { skip('short TCP header'); continue; }
    const sport = d.readUInt16BE(off);
    const dport = d.readUInt16BE(off + 2);
    if (sport !== port && dport !== port) { skip('other TCP port'); continue; }
    const seq = d.readUInt32BE(off + 4);
    const dataOff = (d.readUInt8(off + 12) >> 4) * 4;
    const flags = d.readUInt8(off + 13);
    const payload = d.subarray(Math.min(off + dataOff, end), end);
    segments.push({
      index: p.index, time: p.time, src, dst, sport, dport, seq, flags, payload,
      truncated: p.origLen > d.length,
    });
  }
  return { segments, skipped };
}

/** One direction of one TCP connection, reassembled. */
export interface TcpStream {
  conn: number; // connection number (0-based, in order of first packet)
  src: string;
  dst: string;
  sport: number;
  dport: number;
  bytes: Buffer; // contiguous stream from the first byte after SYN
  /** packet index at which each byte was deliverable in order: see deliveredAt() */
  chunkStarts: number[];
  chunkIndex: number[];
  chunkTime: number[];
  gaps: number; // holes that ended the usable stream (should be 0)
  duplicates: number; // retransmitted or overlapping segments dropped
  sawSyn: boolean;
}

/** Packet index and time at which stream byte `pos` had arrived with all bytes before it. */
export function deliveredAt(s: TcpStream, pos: number): { index: number; time: number } {
  let lo = 0;
  let hi = s.chunkStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((s.chunkStarts[mid] ?? 0) <= pos) lo = mid; else hi = mid - 1;
  }
  return { index: s.chunkIndex[lo] ?? 0, time: s.chunkTime[lo] ?? 0 };
}

interface DirState {
  conn: number;
  src: string; dst: string; sport: number; dport: number;
  isn?: number; // sequence number of the SYN
  segs: TcpSegment[];
}

/**
 * Groups segments into connections and reassembles each direction by
 * sequence number: duplicates and retransmissions (also partial overlaps) are
 * dropped, out-of-order segments are put in place. A new SYN on a 4-tuple
 * that already carried data starts a new connection.
 */
export function reassemble(segments: TcpSegment[]): TcpStream[] {
  const dirs = new Map<string, DirState>(); // current direction state per 4-tuple
  const all: DirState[] = [];
  const connOf = new Map<string, number>(); // canonical 4-tuple -> current connection number
  let nextConn = 0;
  for (const s of segments) {
    const key = `${s.src}|${s.sport}|${s.dst}|${s.dport}`;
    const rkey = `${s.dst}|${s.dport}|${s.src}|${s.sport}`;
    const canon = key < rkey ? key : rkey;
    let st = dirs.get(key);
    const isSyn = (s.flags & TCP_SYN) !== 0;
    const isPureSyn = isSyn && (s.flags & TCP_ACK) === 0;
    if (isPureSyn && st && st.segs.some((x) => x.payload.length > 0)) {
      // port reuse: a new connection on the same 4-tuple
      dirs.delete(key);
      dirs.delete(rkey);
      connOf.delete(canon);
      st = undefined;
    }
    if (!st) {
      let conn = connOf.get(canon);
      if (conn === undefined) { conn = nextConn++; connOf.set(canon, conn); }
      st = { conn, src: s.src, dst: s.dst, sport: s.sport, dport: s.dport, segs: [] };
      dirs.set(key, st);
      all.push(st);
    }
    if (isSyn) {
      if (st.isn === undefined) st.isn = s.seq;
      continue; // a SYN carries no BGP data
    }
    if (s.payload.length > 0) st.segs.push(s);
  }
  return all.map((st) => buildStream(st));
}

function buildStream(st: DirState): TcpStream {
  const sawSyn = st.isn !== undefined;
  const first = st.segs[0];
  // first data byte: ISN + 1, or (capture started mid-connection) the first data segment
  const base = sawSyn ? ((st.isn ?? 0) + 1) >>> 0 : first ? first.seq : 0;
  const rel = (seq: number): number => (seq - base) | 0; // signed 32-bit distance
  const segs = st.segs
    .map((s) => ({ s, r: rel(s.seq) }))
    .filter((x) => x.r + x.s.payload.length > 0)
    .sort((a, b) => a.r - b.r || a.s.index - b.s.index);
  const parts: Buffer[] = [];
  const chunkStarts: number[] = [];
  const chunkIndex: number[] = [];
  const chunkTime: number[] = [];
  let next = 0; // next expected relative sequence number
  let gaps = 0;
  let duplicates = 0;
  let maxIndex = -1;
  let maxTime = 0;
  // bytes become deliverable when every earlier byte has arrived: walk in
  // sequence order but record the latest packet seen so far
  for (const { s, r } of segs) {
    const end = r + s.payload.length;
    if (end <= next) { duplicates++; continue; }
    if (r > next) { gaps++; break; }
    if (r < next) duplicates++;
    const data = s.payload.subarray(next - r);
    if (s.index > maxIndex) { maxIndex = s.index; maxTime = s.time; }
    chunkStarts.push(next);
    chunkIndex.push(maxIndex);
    chunkTime.push(maxTime);
    parts.push(data);
    next += data.length;
    if (s.truncated) { gaps++; break; }
  }
  return {
    conn: st.conn, src: st.src, dst: st.dst, sport: st.sport, dport: st.dport,
    bytes: Buffer.concat(parts), chunkStarts, chunkIndex, chunkTime, gaps, duplicates, sawSyn,
  };
}
