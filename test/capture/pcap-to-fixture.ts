// Turns a tcpdump capture of BGP sessions into a golden fixture file.
//
//   npx tsx test/capture/pcap-to-fixture.ts --pcap FILE --name NAME \
//     --captured "TEXT" --peer 198.18.10.1=bird --peer 198.18.10.2=frr \
//     [--max 60] --out bgp/wire/fixtures/captured/NAME.json
//
// Reads a classic pcap (EN10MB, LINUX_SLL/SLL2, RAW), takes the TCP payloads
// on port 179 over IPv4 and IPv6, reassembles each direction of each
// connection by sequence number (dropping retransmissions and duplicates),
// splits the streams into BGP messages (16 x 0xff marker, 2-byte length) and
// writes them in capture order. The decode options of each message (what the
// receiver needs to decode it) come from the two OPENs of its connection.
// OPENs and KEEPALIVEs are kept once per distinct byte string; NOTIFICATIONs,
// ROUTE-REFRESHes and End-of-RIB markers always; other UPDATEs are thinned to
// representative ones when the fixture would exceed --max messages.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, negotiate, parseOpen, type DecodeOptions, type OpenInfo } from './bgp-summary.js';
import { deliveredAt, readPcap, reassemble, tcpSegments, type TcpStream } from './pcap.js';

interface Args {
  pcap: string;
  name: string;
  captured: string;
  out: string;
  max: number;
  peers: Map<string, string>;
}

function parseArgs(argv: string[]): Args {
  const a: Partial<Args> & { peers: Map<string, string> } = { peers: new Map(), max: 60 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`missing value after ${k}`);
    i++;
    switch (k) {
      case '--pcap': a.pcap = v; break;
      case '--name': a.name = v; break;
      case '--captured': a.captured = v; break;
      case '--out': a.out = v; break;
      case '--max': a.max = Number(v); break;
      case '--peer': {
        const eq = v.indexOf('=');
        if (eq < 0) throw new Error(`--peer wants ADDRESS=NAME, got ${v}`);
        a.peers.set(v.slice(0, eq), v.slice(eq + 1));
        break;
      }
      default: throw new Error(`unknown option ${k}`);
    }
  }
  if (!a.pcap || !a.name || !a.out) throw new Error('usage: pcap-to-fixture.ts --pcap FILE --name NAME --out FILE [--captured TEXT] [--peer ADDR=NAME]... [--max N]');
  return { pcap: a.pcap, name: a.name, captured: a.captured ?? '', out: a.out, max: a.max ?? 60, peers: a.peers };
}

export interface FixtureMessage {
  from: string;
  to: string;
  type: string;
  note: string;
  decode: DecodeOptions;
  hex: string;
}

export interface Fixture {
  name: string;
  captured: string;
  messages: FixtureMessage[];
  stats: {
    tcpConnections: number;
    messagesInCapture: Record<string, number>;
    messagesKept: Record<string, number>;
  };
}

interface Msg {
  stream: TcpStream;
  seqInStream: number;
  index: number; // packet index at which it was complete
  bytes: Buffer;
  type: number;
}

function splitMessages(s: TcpStream, warn: (m: string) => void): Msg[] {
  const out: Msg[] = [];
  let off = 0;
  const b = s.bytes;
  while (off + 19 <= b.length) {
    for (let i = 0; i < 16; i++) {
      if (b[off + i] !== 0xff) throw new Error(`${s.src}:${s.sport} -> ${s.dst}:${s.dport}: lost message framing at stream offset ${off} (no marker)`);
    }
    const len = b.readUInt16BE(off + 16);
    if (len < 19) throw new Error(`${s.src}:${s.sport} -> ${s.dst}:${s.dport}: bad length ${len} at stream offset ${off}`);
    if (off + len > b.length) break;
    out.push({
      stream: s, seqInStream: out.length, index: deliveredAt(s, off + len - 1).index,
      bytes: Buffer.from(b.subarray(off, off + len)), type: b.readUInt8(off + 18),
    });
    off += len;
  }
  if (off !== b.length) warn(`${s.src}:${s.sport} -> ${s.dst}:${s.dport}: ${b.length - off} trailing bytes of an incomplete message ignored`);
  return out;
}

function count(types: string[]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const t of types) c[t] = (c[t] ?? 0) + 1;
  return c;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const warn = (m: string): void => { console.error(`pcap-to-fixture: warning: ${m}`); };
  const pcap = readPcap(readFileSync(args.pcap));
  const { segments, skipped } = tcpSegments(pcap, 179);
  for (const [why, n] of Object.entries(skipped)) if (why !== 'other TCP port') warn(`${n} packet(s) skipped: ${why}`);
  const streams = reassemble(segments);
  for (const s of streams) {
    if (s.gaps) warn(`${s.src}:${s.sport} -> ${s.dst}:${s.dport}: hole in the TCP stream, data after it ignored`);
    if (!s.sawSyn && s.bytes.length) warn(`${s.src}:${s.sport} -> ${s.dst}:${s.dport}: no SYN captured, stream taken from its first data segment`);
  }
  const msgs = streams.flatMap((s) => splitMessages(s, warn));
  msgs.sort((a, b) => a.index - b.index || a.stream.conn - b.stream.conn || a.seqInStream - b.seqInStream);

  // OPENs per connection and direction -> decode options
  const opens = new Map<string, OpenInfo>(); // `${conn}|${src}` -> OPEN
  for (const m of msgs) {
    const k = `${m.stream.conn}|${m.stream.src}`;
    if (m.type === 1 && !opens.has(k)) opens.set(k, parseOpen(m.bytes));
  }
  const name = (ip: string): string => args.peers.get(ip) ?? ip;

  // Selection tiers, filled in order up to --max, output in capture order:
  //  0 each distinct OPEN and KEEPALIVE; the first of each distinct (per
  //    direction) NOTIFICATION, ROUTE-REFRESH and End-of-RIB
  //  1 the first UPDATE of each shape (direction, attribute set, families,
  //    withdrawn/announced, decode options)
  //  2 repeats of NOTIFICATION, ROUTE-REFRESH, End-of-RIB (small; they keep
  //    the protocol flow readable)
  //  3 the other UPDATEs, evenly spaced
  interface Cand { fm: FixtureMessage; tier: number }
  const cands: Cand[] = [];
  const seenHex = new Set<string>();
  const seenSig = new Set<string>();
  for (const m of msgs) {
    const s = m.stream;
    const decode = negotiate(opens.get(`${s.conn}|${s.src}`), opens.get(`${s.conn}|${s.dst}`));
    const d = describe(m.bytes, decode);
    const hex = m.bytes.toString('hex');
    const fm: FixtureMessage = { from: name(s.src), to: name(s.dst), type: d.type, note: d.note, decode, hex };
    const dirHex = `${fm.from}>${fm.to}|${hex}`;
    if (d.type === 'OPEN' || d.type === 'KEEPALIVE') {
      if (seenHex.has(hex)) continue; // keep each distinct one once
      seenHex.add(hex);
      cands.push({ fm, tier: 0 });
    } else if (d.type !== 'UPDATE' || d.endOfRib) {
      cands.push({ fm, tier: seenHex.has(dirHex) ? 2 : 0 });
      seenHex.add(dirHex);
    } else {
      const sig = `${fm.from}>${fm.to}|${d.signature}|${decode.addPath.join(',')}|${decode.as4}|${decode.extendedMessage}`;
      cands.push({ fm, tier: seenSig.has(sig) ? 3 : 1 });
      seenSig.add(sig);
    }
  }
  const chosen = new Set<Cand>();
  let budget = args.max;
  for (let tier = 0; tier <= 3; tier++) {
    const pool = cands.filter((c) => c.tier === tier);
    if (tier === 0) {
      if (pool.length > budget) warn(`${pool.length} messages that must be kept, more than --max ${args.max}`);
      for (const c of pool) chosen.add(c);
    } else if (tier === 1) {
      if (pool.length > budget) warn(`${pool.length} distinct UPDATE shapes but room for ${Math.max(0, budget)}`);
      for (const c of pool.slice(0, Math.max(0, budget))) chosen.add(c);
    } else {
      const n = Math.min(Math.max(0, budget), pool.length);
      for (let i = 0; i < n; i++) {
        const c = pool[Math.floor((i * pool.length) / n)];
        if (c) chosen.add(c);
      }
    }
    budget = args.max - chosen.size;
  }
  const kept = cands.filter((c) => chosen.has(c)).map((c) => c.fm);

  const fixture: Fixture = {
    name: args.name,
    captured: args.captured,
    messages: kept,
    stats: {
      tcpConnections: new Set(streams.filter((s) => s.bytes.length > 0).map((s) => s.conn)).size,
      messagesInCapture: count(msgs.map((m) => describeType(m.type))),
      messagesKept: count(kept.map((m) => m.type)),
    },
  };
  writeFileSync(args.out, `${JSON.stringify(fixture, null, 2)}\n`);
  const keptText = Object.entries(fixture.stats.messagesKept).map(([t, n]) => `${n} ${t}`).join(', ');
  console.log(`${args.out}: ${kept.length} of ${msgs.length} messages (${keptText}) from ${fixture.stats.tcpConnections} TCP connection(s)`);
}

function describeType(code: number): string {
  return ['?', 'OPEN', 'UPDATE', 'NOTIFICATION', 'KEEPALIVE', 'ROUTE-REFRESH'][code] ?? `type ${code}`;
}

main();
