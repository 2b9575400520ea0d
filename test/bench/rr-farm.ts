// The client farm of `npm run bench:rr`: one Node process opening K real TCP
// BGP sessions (iBGP, RFC 4271) to a route reflector, each bound to its own
// source address (added to one interface of the farm's namespace) and acting
// as one RR client (RFC 4456) with router ID = that address. Built on our wire
// codec (bgp/index.js): OPEN / KEEPALIVE / UPDATE encoding, Framer, decode,
// packAnnouncements.
//
// Routes: N /32s from 100.64.0.0, route i owned by client i mod K (next hop =
// the owner's address). Each client tracks what it holds in a bitmap indexed
// by route number (announce sets a bit, withdraw clears it) and must end up
// holding every route it does not own: a reflector does not send a client's
// own routes back (the ORIGINATOR_ID rule; BIRD never sends to the source);
// own routes that come back anyway are counted as `echoed`.
//
// Protocol with the bench (stdout, one JSON object per line; log file):
//   {"event":"established", …} once all K sessions are up
//   SIGUSR1 from the bench  -> t0, every client sends its routes
//   {"event":"progress", …}  every second
//   {"event":"converged","t0":…,"t1":…,"ms":…} when every client holds all it must
// Any NOTIFICATION or closed session ends the process with an error line.
//   node --import tsx rr-farm.ts --rr 198.18.0.1 --asn 65000 --clients K --routes N --first 198.18.1.1
import { connect, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import {
  decodeMessage, encodeKeepalive, encodeOpen, Framer, makeOpen, packAnnouncements, Prefix, wireOptions, type Message,
} from '../../bgp/index.js';

const { values } = parseArgs({
  options: {
    rr: { type: 'string' }, asn: { type: 'string', default: '65000' }, clients: { type: 'string' },
    routes: { type: 'string', default: '10000' }, first: { type: 'string' }, hold: { type: 'string', default: '240' },
  },
});
const K = Number(values.clients);
const N = Number(values.routes);
const ASN = Number(values.asn);
const HOLD = Number(values.hold);
if (!values.rr || !values.first || !Number.isInteger(K) || K < 1 || !Number.isInteger(N) || N < K) {
  throw new Error('usage: rr-farm --rr ADDR --first ADDR --clients K --routes N (N >= K) [--asn A] [--hold S]');
}

const now = (): number => performance.timeOrigin + performance.now();
const emit = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);
const fail = (msg: string): never => {
  emit({ event: 'error', error: msg });
  process.exit(2);
};

const ipv4 = (s: string) => s.split('.').reduce((a, b) => ((a << 8) | Number(b)) >>> 0, 0);
const ipText = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
const BASE = ipv4('100.64.0.0');
const FIRST = ipv4(values.first);
const WIRE = wireOptions({ as4: true });

class Client {
  readonly addr: string;
  readonly held = new Uint8Array(N);
  count = 0;
  echoed = 0;
  readonly expected: number;
  established = false;
  private readonly framer = new Framer();
  private sock!: Socket;

  constructor(readonly index: number) {
    this.addr = ipText(FIRST + index);
    this.expected = N - Math.ceil((N - index) / K);
  }

  open(): void {
    this.sock = connect({ host: values.rr, port: 179, localAddress: this.addr });
    this.sock.setNoDelay(true);
    this.sock.on('connect', () => this.sock.write(encodeOpen(makeOpen({
      asn: ASN, holdTime: HOLD, routerId: this.addr,
      capabilities: [{ kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'route-refresh' }, { kind: 'as4', asn: ASN }],
    }))));
    this.sock.on('data', (chunk: Buffer) => {
      const r = this.framer.push(chunk);
      if (r.error) fail(`${this.addr}: framing error ${r.error.code}/${r.error.subcode}`);
      for (const m of r.messages) {
        const d = decodeMessage(m, WIRE);
        if (!d.ok) fail(`${this.addr}: cannot decode a message: ${d.error.code}/${d.error.subcode}`);
        else if (d.message) this.handle(d.message);
      }
    });
    this.sock.on('error', (e) => fail(`${this.addr}: ${e.message}`));
    this.sock.on('close', () => { if (!stopping) fail(`${this.addr}: session closed by the reflector`); });
  }

  private handle(m: Message): void {
    if (m.kind === 'open') this.sock.write(encodeKeepalive());
    else if (m.kind === 'keepalive') {
      if (!this.established) { this.established = true; onEstablished(); }
    } else if (m.kind === 'notification') fail(`${this.addr}: NOTIFICATION ${m.code}/${m.subcode} from the reflector`);
    else if (m.kind === 'update') {
      for (const p of m.withdrawn) this.mark(p, false);
      for (const p of m.nlri) this.mark(p, true);
      if (this.count === this.expected) onProgress();
    }
  }

  private mark(p: Prefix, on: boolean): void {
    const i = (p.w0 - BASE) >>> 0;
    if (p.length !== 32 || i >= N) return;
    if (i % K === this.index) { if (on) this.echoed++; return; }
    if (on && !this.held[i]) { this.held[i] = 1; this.count++; } else if (!on && this.held[i]) { this.held[i] = 0; this.count--; }
  }

  /** Sends this client's routes: one attribute set (next hop = our address), packed into as few UPDATEs as fit. */
  inject(): void {
    const mine: Prefix[] = [];
    for (let i = this.index; i < N; i += K) mine.push(Prefix.v4((BASE + i) >>> 0, 32));
    const msgs = packAnnouncements('ipv4-unicast', { origin: 0, asPath: [], nextHop: this.addr, localPref: 100 }, mine, WIRE);
    for (const b of msgs) this.sock.write(b);
  }

  keepalive(): void { this.sock.write(encodeKeepalive()); }
  close(): void { this.sock.destroy(); }
}

const clients = Array.from({ length: K }, (_, i) => new Client(i));
let up = 0;
let t0 = 0;
let done = false;
let stopping = false;

function onEstablished(): void {
  if (++up === K) emit({ event: 'established', clients: K, at: now() });
}

function onProgress(): void {
  if (done || t0 === 0 || clients.some((c) => c.count !== c.expected)) return;
  done = true;
  const t1 = now();
  emit({ event: 'converged', t0, t1, ms: Math.round((t1 - t0) * 10) / 10, echoed: clients.reduce((a, c) => a + c.echoed, 0) });
}

process.on('SIGUSR1', () => {
  if (t0 !== 0) return;
  t0 = now();
  for (const c of clients) c.inject();
  emit({ event: 'injected', t0, sendMs: Math.round((now() - t0) * 10) / 10 });
});
process.on('SIGTERM', () => {
  stopping = true;
  for (const c of clients) c.close();
  process.exit(0);
});

setInterval(() => {
  const held = clients.reduce((a, c) => a + c.count, 0);
  const want = clients.reduce((a, c) => a + c.expected, 0);
  emit({ event: 'progress', up, held, want, complete: clients.filter((c) => c.count === c.expected).length });
}, 1000).unref();
setInterval(() => { for (const c of clients) if (c.established) c.keepalive(); }, Math.max(1000, (HOLD / 3) * 1000)).unref();
// keep the process alive until SIGTERM
setInterval(() => undefined, 1 << 30);

for (const c of clients) c.open();
