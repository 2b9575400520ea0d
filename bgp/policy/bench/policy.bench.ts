// `npx tsx bgp/policy/bench/policy.bench.ts`: applyPolicy throughput on one
// core over N routes (default 10^6), for ACCEPT_ALL and for a 3-statement
// policy (prefix list with ge/le + community condition that modifies and falls
// through; a reject statement; a family statement that sets MED and accepts),
// each in two attribute layouts:
//   shared    every 500 consecutive routes share one attribute set, as routes
//             decoded from one UPDATE do (the common case; the memos apply);
//   distinct  every route has its own attribute set (the worst case: every
//             modified route allocates a new set and a new result).
// Figures: routes/s (median of REPS timed passes after a warm-up) and heap
// bytes allocated per route (measured in small batches, each after a scavenge).
// The last line is one JSON object {"bench":"policy",...}.

import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { AsSegment, Prefix, type PathAttributes } from '../../wire/index.js';
import { ACCEPT_ALL, applyPolicy, compilePolicies, parseCommunity, type Policy, type PolicyContext, type PolicyInput } from '../index.js';

const N = Number(process.env.N ?? 1_000_000);
const REPS = Number(process.env.REPS ?? 7);
const GROUP = 500;
const CTX: PolicyContext = { localAs: 65000, localAddress: '198.18.1.2', direction: 'export' };

const { policies, problems } = compilePolicies([{
  name: 'pods-out',
  default: 'reject',
  statements: [
    { match: { prefixes: [{ prefix: '100.64.0.0/10', ge: 26, le: 32 }], communities: ['64512:100'] },
      actions: { setLocalPref: 200, addCommunities: ['no-export'] } },
    { match: { prefixes: [{ prefix: '10.0.0.0/8', le: 32 }, { prefix: '192.168.0.0/16', le: 32 }] }, actions: { accept: false } },
    { match: { families: ['ipv4-unicast'] }, actions: { setMed: 10, accept: true } },
  ],
}]);
if (problems.length > 0) throw new Error(JSON.stringify(problems));
const THREE = policies.get('pods-out')!;

function attrsFor(i: number): PathAttributes {
  return {
    origin: 0, asPath: [{ type: AsSegment.AS_SEQUENCE, asns: [65001, 4200000001] }], nextHop: '198.18.1.1',
    communities: [parseCommunity('64512:100')!, parseCommunity('64512:' + (i % 1000))!],
  };
}

/** 90 % pod /32s inside 100.64.0.0/10, 5 % in 10.0.0.0/8 (rejected), 5 % other /24s (accepted by statement 2). */
function routes(distinct: boolean): PolicyInput[] {
  const out: PolicyInput[] = new Array(N);
  const nextHop = ['198.18.1.1'];
  let attrs = attrsFor(0);
  for (let i = 0; i < N; i++) {
    if (distinct || i % GROUP === 0) attrs = attrsFor(i);
    const k = i % 20;
    const prefix = k < 18 ? Prefix.v4((0x64400000 + i) >>> 0, 32)
      : k === 18 ? Prefix.v4((0x0a000000 + (i % 65536) * 256) >>> 0, 24) : Prefix.v4((0xc6000000 + (i % 65536) * 256) >>> 0, 24);
    out[i] = { prefix, family: 'ipv4-unicast', attrs, nextHop };
  }
  return out;
}

let sink = 0;
/** Results escape into this ring, as they would into a RIB, so that the optimiser cannot elide them. */
const ring: unknown[] = new Array(4096).fill(null);

function pass(p: Policy, rs: readonly PolicyInput[]): number {
  let accepted = 0;
  for (let i = 0; i < rs.length; i++) {
    const r = applyPolicy(p, rs[i]!, CTX);
    ring[i & 4095] = r;
    if (r.accept) accepted++;
  }
  sink += accepted;
  return accepted;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function timeIt(fn: () => unknown): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (opts?: { type: 'minor' | 'major' }) => void;

/** Heap bytes allocated per route over `batches` batches small enough for the young generation, each after a scavenge. */
function allocated(fn: (i: number) => unknown, batches: number): number {
  const batch = 2000;
  const results: unknown[] = new Array(batch).fill(null);
  let bytes = 0;
  for (let b = 0; b < batches; b++) {
    gc({ type: 'minor' });
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < batch; i++) results[i] = fn(b * batch + i);
    bytes += process.memoryUsage().heapUsed - before;
  }
  return bytes / (batches * batch);
}

/**
 * Heap bytes applyPolicy allocates per route: the least of three measurements
 * (the first can include compiled code), minus what the same loop allocates
 * around a plain read (the measurement's own overhead).
 */
function allocPerRoute(p: Policy, rs: readonly PolicyInput[]): number {
  const batches = Math.min(20, Math.floor(rs.length / 2000));
  const own = Math.min(...[0, 1, 2].map(() => allocated((i) => rs[i]!.attrs, batches)));
  const total = Math.min(...[0, 1, 2].map(() => allocated((i) => applyPolicy(p, rs[i]!, CTX), batches)));
  return Math.max(0, total - own);
}

const expectThree = (rs: readonly PolicyInput[]) => rs.filter((_, i) => i % 20 !== 18).length;
const rows: Record<string, string | number>[] = [];
const json: Record<string, string | number> = { bench: 'policy', n: N, reps: REPS, group: GROUP };
for (const layout of ['shared', 'distinct'] as const) {
  const rs = routes(layout === 'distinct');
  for (const [name, p, want] of [['accept-all', ACCEPT_ALL, rs.length], ['3-statement', THREE, expectThree(rs)]] as const) {
    if (pass(p, rs) !== want) throw new Error(`${name}/${layout}: accepted count mismatch`);
    pass(p, rs);
    const times: number[] = [];
    for (let r = 0; r < REPS; r++) times.push(timeIt(() => pass(p, rs)));
    const perSec = Math.round(N / median(times));
    const alloc = Math.round(allocPerRoute(p, rs) * 10) / 10;
    rows.push({ policy: name, attrs: layout, 'routes/s': perSec, 'ns/route': +(1e9 / perSec).toFixed(1), 'heap B/route': alloc });
    const key = `${name.replace('-statement', 'stmt').replace('-', '_')}_${layout}`;
    json[`${key}_routes_per_s`] = perSec;
    json[`${key}_bytes_per_route`] = alloc;
  }
}

const fmt = (v: number | string) => (typeof v === 'number' ? v.toLocaleString('en-US') : v);
const cols = Object.keys(rows[0]!);
const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => fmt(r[c]!).length)));
console.log(`applyPolicy, one core, N=${N.toLocaleString('en-US')} routes, median of ${REPS}, attribute sets shared by ${GROUP} routes or distinct`);
console.log(cols.map((c, i) => c.padStart(widths[i]!)).join(' | '));
console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
for (const r of rows) console.log(cols.map((c, i) => fmt(r[c]!).padStart(widths[i]!)).join(' | '));
if (sink === 0) console.log('(nothing accepted)');
console.log(JSON.stringify(json));
