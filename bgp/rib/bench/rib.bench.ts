// RIB benchmark: `node --expose-gc --import tsx bgp/rib/bench/rib.bench.ts`
// (N=1000000 by default, env N to change). One eBGP peer sends N IPv4 /32
// routes sharing one attribute set; as the decoder does, each UPDATE of 808
// prefixes brings its own (equal) attribute object. Every route goes through
// the pipeline the speaker runs:
//   intern attrs → makePath → AdjRibIn.set → LocRib.update → delta →
//   AdjRibOut.announce (one observer), drained in batches of 4096
// then every route is withdrawn the same way. Reported: routes per second
// (wall clock and CPU time, medians of REPS runs) for insert and withdraw,
// heap bytes per route (gc before and after, including the
// Prefix and Path objects, which the RIBs keep), RSS, and a breakdown of the
// heap by structure from a staged build. The last line is one JSON object.

import { Prefix, type PathAttributes } from '../../wire/index.js';
import { AdjRibIn, AdjRibOut, AttrInterner, LocRib, makePath, type Path, type PathSource, type RibDelta } from '../index.js';

const N = Number(process.env.N ?? 1_000_000);
const PER_UPDATE = 808;
const DRAIN = 4096;
const REPS = Number(process.env.REPS ?? 5);
const BASE = 0x64400000; // 100.64.0.0

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
function heap(): number {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers; // the IPv4 tables keep their keys in typed arrays

}

const peer: PathSource = { id: 1, address: '198.18.0.2', peerAs: 64513, routerId: '198.18.0.2', ibgp: false, local: false };
const decodedAttrs = (): PathAttributes => ({ origin: 0, asPath: [{ type: 2, asns: [64513, 4200000001] }], nextHop: '198.18.0.2' });

interface Rig { interner: AttrInterner; adjIn: AdjRibIn; loc: LocRib; out: AdjRibOut; drained: number }

function rig(): Rig {
  return { interner: new AttrInterner(), adjIn: new AdjRibIn(), loc: new LocRib({ multipath: false }), out: new AdjRibOut(), drained: 0 };
}

function toOut(r: Rig, d: RibDelta | undefined): void {
  if (d === undefined) return;
  if (d.best !== undefined) r.out.announce({ prefix: d.prefix, family: d.family, attrs: d.best.attrs, nextHop: d.best.nextHop });
  else r.out.withdraw(d.prefix, d.family);
  if (r.out.pending >= DRAIN) drain(r);
}

function drain(r: Rig): void {
  const batch = r.out.drain(DRAIN);
  for (const a of batch.announcements) r.drained += a.prefixes.length;
  for (const w of batch.withdrawals) r.drained += w.prefixes.length;
}

function insert(r: Rig, n: number): void {
  let decoded = decodedAttrs();
  for (let i = 0; i < n; i++) {
    if (i % PER_UPDATE === 0) decoded = decodedAttrs();
    const attrs = r.interner.intern(decoded);
    const path = makePath(Prefix.v4((BASE + i) >>> 0, 32), attrs, peer);
    const prev = r.adjIn.set(path);
    if (prev !== undefined) r.interner.release(prev.attrs);
    toOut(r, r.loc.update(path));
  }
  while (r.out.pending > 0) drain(r);
}

function withdraw(r: Rig, n: number): void {
  for (let i = 0; i < n; i++) {
    const prefix = Prefix.v4((BASE + i) >>> 0, 32);
    const prev = r.adjIn.delete(prefix);
    if (prev === undefined) continue;
    r.interner.release(prev.attrs);
    toOut(r, r.loc.withdraw(peer.id, prefix));
  }
  while (r.out.pending > 0) drain(r);
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`bench sanity check failed: ${what}`);
}

gc!();
const rssStart = process.memoryUsage().rss;

// Warm-up (JIT) on a smaller table.
{
  const w = rig();
  insert(w, 100_000);
  withdraw(w, 100_000);
}

function median(xs: number[]): number {
  const v = [...xs].sort((a, b) => a - b);
  return v[v.length >> 1]!;
}

// Timed pipeline, REPS times (the development VM is shared: take medians).
// Memory is measured on the first run, with the table full.
// Rates per wall-clock second and per CPU second of the process (all threads,
// GC helpers included), the latter being steadier on a loaded machine.
const insertRates: number[] = [];
const withdrawRates: number[] = [];
const insertCpuRates: number[] = [];
const withdrawCpuRates: number[] = [];
const cpuSeconds = (since: NodeJS.CpuUsage): number => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
};
let h0 = 0, h1 = 0, rssInserted = 0, rssAfterGc = 0, heapTotal = 0;
for (let rep = 0; rep < REPS; rep++) {
  const before = heap();
  const r = rig();
  let t = process.hrtime.bigint();
  let c = process.cpuUsage();
  insert(r, N);
  insertRates.push(N / (Number(process.hrtime.bigint() - t) / 1e9));
  insertCpuRates.push(N / cpuSeconds(c));
  if (rep === 0) {
    rssInserted = process.memoryUsage().rss;
    h0 = before;
    h1 = heap();
    rssAfterGc = process.memoryUsage().rss;
    heapTotal = process.memoryUsage().heapTotal;
  }
  check(r.adjIn.size === N && r.loc.size === N && r.out.size === N && r.drained === N && r.interner.size === 1, 'tables after insert');
  r.drained = 0;
  t = process.hrtime.bigint();
  c = process.cpuUsage();
  withdraw(r, N);
  withdrawRates.push(N / (Number(process.hrtime.bigint() - t) / 1e9));
  withdrawCpuRates.push(N / cpuSeconds(c));
  check(r.adjIn.size === 0 && r.loc.size === 0 && r.out.size === 0 && r.drained === N && r.interner.size === 0, 'tables after withdraw');
}

// Staged build for the heap breakdown.
const s = rig();
const b0 = heap();
const paths: Path[] = new Array<Path>(N);
{
  let decoded = decodedAttrs();
  for (let i = 0; i < N; i++) {
    if (i % PER_UPDATE === 0) decoded = decodedAttrs();
    paths[i] = makePath(Prefix.v4((BASE + i) >>> 0, 32), s.interner.intern(decoded), peer);
  }
}
const b1 = heap();
for (const p of paths) s.adjIn.set(p);
const b2 = heap();
for (const p of paths) s.loc.update(p);
const b3 = heap();
for (const p of paths) {
  s.out.announce({ prefix: p.prefix, family: p.family, attrs: p.attrs, nextHop: p.nextHop });
  if (s.out.pending >= DRAIN) drain(s);
}
while (s.out.pending > 0) drain(s);
const b4 = heap();
const arrayBytes = 8 * N; // the `paths` array itself, not part of any RIB
paths.length = 0;

const mib = (x: number) => (x / 1048576).toFixed(1);
const perRoute = (x: number) => Math.round(x / N);
const result = {
  bench: 'rib',
  routes: N,
  reps: REPS,
  insertRoutesPerSec: Math.round(median(insertRates)),
  withdrawRoutesPerSec: Math.round(median(withdrawRates)),
  insertRoutesPerCpuSec: Math.round(median(insertCpuRates)),
  withdrawRoutesPerCpuSec: Math.round(median(withdrawCpuRates)),
  heapBytesPerRoute: perRoute(h1 - h0),
  heapMiB: Number(mib(h1 - h0)),
  heapTotalMiB: Number(mib(heapTotal)),
  rssMiBAtStart: Number(mib(rssStart)),
  rssMiBAfterInsert: Number(mib(rssInserted)),
  rssMiBAfterGc: Number(mib(rssAfterGc)),
  breakdownBytesPerRoute: {
    prefixAndPath: perRoute(b1 - b0 - arrayBytes),
    adjRibIn: perRoute(b2 - b1),
    locRib: perRoute(b3 - b2),
    adjRibOut: perRoute(b4 - b3),
  },
};

const rows: [string, string][] = [
  ['routes', String(N)],
  [`insert (routes/s, median of ${REPS})`, result.insertRoutesPerSec.toLocaleString('en-US')],
  [`withdraw (routes/s, median of ${REPS})`, result.withdrawRoutesPerSec.toLocaleString('en-US')],
  ['insert (routes per CPU second)', result.insertRoutesPerCpuSec.toLocaleString('en-US')],
  ['withdraw (routes per CPU second)', result.withdrawRoutesPerCpuSec.toLocaleString('en-US')],
  ['heap per route (B)', String(result.heapBytesPerRoute)],
  ['heap for the routes (MiB)', String(result.heapMiB)],
  ['V8 heap committed (MiB)', String(result.heapTotalMiB)],
  ['RSS at start (MiB)', String(result.rssMiBAtStart)],
  ['RSS after insert (MiB)', String(result.rssMiBAfterInsert)],
  ['RSS after insert + gc (MiB)', String(result.rssMiBAfterGc)],
  ['  Prefix + Path (B/route)', String(result.breakdownBytesPerRoute.prefixAndPath)],
  ['  AdjRibIn (B/route)', String(result.breakdownBytesPerRoute.adjRibIn)],
  ['  LocRib (B/route)', String(result.breakdownBytesPerRoute.locRib)],
  ['  AdjRibOut (B/route)', String(result.breakdownBytesPerRoute.adjRibOut)],
];
const w = Math.max(...rows.map(([k]) => k.length));
console.log(`| ${'measure'.padEnd(w)} | value |`);
console.log(`|${'-'.repeat(w + 2)}|-------|`);
for (const [k, v] of rows) console.log(`| ${k.padEnd(w)} | ${v} |`);
console.log(JSON.stringify(result));
