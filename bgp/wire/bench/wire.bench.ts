// `npm run bench:wire`: wire codec throughput on one core.
// Workloads:
//   v4-32   IPv4 /32 NLRI packed into 4096-octet UPDATEs (the per-pod route case)
//   mixed   IPv4 /24../32 and IPv6 /48../64 (MP_REACH, global + link-local next
//           hop) with MED, LOCAL_PREF, communities, extended and large communities
//   addpath the v4-32 workload with ADD-PATH path identifiers
// For each: decode and encode rates (prefixes/s, MB/s) and heap bytes allocated
// per message while decoding. Also decode with ip-num objects per prefix, the
// alternative representation, to justify the compact Prefix on the hot path.
// Each figure is the median of REPS timed runs after a warm-up. The last line
// is one JSON object with the figures.

import { IPv4, IPv4CidrRange, IPv4Prefix, IPv6, IPv6CidrRange, IPv6Prefix } from 'ip-num';
import { decodeMessage, packAnnouncements, Prefix, wireOptions, type PathAttributes, type UpdateMessage, type WireOptions } from '../index.js';

const REPS = Number(process.env.REPS ?? 7);
const N = Number(process.env.N ?? 1_000_000);
const FLOOR_DECODE = 5_000_000;
const FLOOR_ENCODE = 3_000_000;

interface Workload {
  name: string;
  opts: WireOptions;
  encode(): Buffer[];
  prefixes: number;
}

function v4Prefixes(n: number, pathIds = false): Prefix[] {
  const out: Prefix[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = Prefix.v4((0x64400000 + i) >>> 0, 32, pathIds ? (i % 4) + 1 : 0);
  return out;
}

const baseAttrs: PathAttributes = { origin: 0, asPath: [{ type: 2, asns: [64512, 4200000001] }], nextHop: '198.18.0.1' };
const richAttrs: PathAttributes = {
  origin: 0, asPath: [{ type: 2, asns: [64512, 65001, 4200000001] }], nextHop: '198.18.0.1', med: 10, localPref: 200,
  communities: [0xfc000064, 0xfc0000c8], extCommunities: [0x0002fc0000000064n], largeCommunities: [[4200000001, 1, 2]],
};

function workloads(): Workload[] {
  const v4 = v4Prefixes(N);
  const plain = wireOptions();
  const ap = wireOptions({ addPath: new Set(['ipv4-unicast']) });
  const v4ap = v4Prefixes(N, true);
  const mixed4: Prefix[] = [];
  const mixed6: Prefix[] = [];
  for (let i = 0; i < N / 2; i++) mixed4.push(Prefix.v4((0x64400000 + i * 256) >>> 0, 24 + (i % 9)));
  for (let i = 0; i < N / 2; i++) mixed6.push(Prefix.v6([0x20010db8, i >>> 0, 0, 0], 48 + (i % 17)));
  return [
    { name: 'v4-32', opts: plain, prefixes: N, encode: () => packAnnouncements('ipv4-unicast', baseAttrs, v4, plain) },
    {
      name: 'mixed', opts: plain, prefixes: N,
      encode: () => [
        ...packAnnouncements('ipv4-unicast', richAttrs, mixed4, plain),
        ...packAnnouncements('ipv6-unicast', richAttrs, mixed6, plain, ['2001:db8::1', 'fe80::1']),
      ],
    },
    { name: 'addpath', opts: ap, prefixes: N, encode: () => packAnnouncements('ipv4-unicast', baseAttrs, v4ap, ap) },
  ];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function decodeAll(msgs: Buffer[], opts: WireOptions): number {
  let n = 0;
  for (const m of msgs) {
    const r = decodeMessage(m, opts);
    if (!r.ok) throw new Error(r.error.reason);
    const u = r.message as UpdateMessage;
    n += u.nlri.length + (u.mpReach?.nlri.length ?? 0);
  }
  return n;
}

let sink: unknown; // keeps the ip-num objects observable

function decodeIpNum(msgs: Buffer[], opts: WireOptions): number {
  let n = 0;
  for (const m of msgs) {
    const r = decodeMessage(m, opts);
    if (!r.ok) throw new Error(r.error.reason);
    const u = r.message as UpdateMessage;
    // the cheapest ip-num construction: from numbers, no text parsing
    for (const p of u.nlri) {
      sink = new IPv4CidrRange(new IPv4(p.w0), new IPv4Prefix(BigInt(p.length)));
      n++;
    }
    for (const p of u.mpReach?.nlri ?? []) {
      const big = (BigInt(p.w0) << 96n) | (BigInt(p.w1) << 64n) | (BigInt(p.w2) << 32n) | BigInt(p.w3);
      sink = new IPv6CidrRange(new IPv6(big), new IPv6Prefix(BigInt(p.length)));
      n++;
    }
  }
  return sink ? n : -1;
}

function timeIt(fn: () => unknown): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** Heap bytes allocated per message while decoding, measured between forced GCs with a large young generation. */
function allocPerMessage(msgs: Buffer[], opts: WireOptions): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return NaN;
  const sample = msgs.slice(0, 50);
  const kept: unknown[] = [];
  gc();
  const before = process.memoryUsage().heapUsed;
  for (const m of sample) kept.push(decodeMessage(m, opts));
  const after = process.memoryUsage().heapUsed;
  return kept.length ? (after - before) / sample.length : NaN;
}

const rows: Record<string, number | string>[] = [];
const json: Record<string, number | string> = { bench: 'wire', n: N, reps: REPS };
for (const w of workloads()) {
  const msgs = w.encode();
  const bytes = msgs.reduce((a, m) => a + m.length, 0);
  if (decodeAll(msgs, w.opts) !== w.prefixes) throw new Error(`${w.name}: decoded count mismatch`);
  w.encode();
  const dec: number[] = [];
  const enc: number[] = [];
  for (let r = 0; r < REPS; r++) {
    dec.push(timeIt(() => decodeAll(msgs, w.opts)));
    enc.push(timeIt(() => w.encode()));
  }
  const ipnum = w.name === 'addpath' ? NaN : median([0, 1, 2].map(() => timeIt(() => decodeIpNum(msgs.slice(0, Math.ceil(msgs.length / 10)), w.opts)))) * 10;
  const d = median(dec);
  const e = median(enc);
  const row = {
    workload: w.name, messages: msgs.length, 'prefixes/msg': Math.round(w.prefixes / msgs.length),
    'decode pfx/s': Math.round(w.prefixes / d), 'decode MB/s': +(bytes / d / 1e6).toFixed(1),
    'encode pfx/s': Math.round(w.prefixes / e), 'encode MB/s': +(bytes / e / 1e6).toFixed(1),
    'decode B/msg': Math.round(allocPerMessage(msgs, w.opts)),
    'ip-num decode pfx/s': Number.isNaN(ipnum) ? '-' : Math.round(w.prefixes / ipnum),
  };
  rows.push(row);
  const k = w.name.replace('-', '');
  json[`${k}_decode_prefixes_per_s`] = row['decode pfx/s'];
  json[`${k}_encode_prefixes_per_s`] = row['encode pfx/s'];
  json[`${k}_decode_mb_per_s`] = row['decode MB/s'];
  json[`${k}_encode_mb_per_s`] = row['encode MB/s'];
  json[`${k}_decode_bytes_alloc_per_msg`] = row['decode B/msg'];
  if (typeof row['ip-num decode pfx/s'] === 'number') json[`${k}_ipnum_decode_prefixes_per_s`] = row['ip-num decode pfx/s'];
}

const fmt = (v: number | string) => (typeof v === 'number' ? v.toLocaleString('en-US') : v);
const cols = Object.keys(rows[0]!);
const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => fmt(r[c]!).length)));
console.log(`wire codec, one core, N=${N.toLocaleString('en-US')} prefixes per workload, median of ${REPS}`);
console.log(cols.map((c, i) => c.padStart(widths[i]!)).join(' | '));
console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
for (const r of rows) console.log(cols.map((c, i) => fmt(r[c]!).padStart(widths[i]!)).join(' | '));
const v4 = rows[0]!;
console.log(`\nfloors (v4-32): decode ${FLOOR_DECODE.toLocaleString('en-US')} pfx/s -> ratio ${((v4['decode pfx/s'] as number) / FLOOR_DECODE).toFixed(2)}; ` +
  `encode ${FLOOR_ENCODE.toLocaleString('en-US')} pfx/s -> ratio ${((v4['encode pfx/s'] as number) / FLOOR_ENCODE).toFixed(2)}`);
console.log(`compact Prefix vs ip-num objects (v4-32 decode): ${((v4['decode pfx/s'] as number) / (v4['ip-num decode pfx/s'] as number)).toFixed(1)}x`);
json.decode_floor_ratio = +((v4['decode pfx/s'] as number) / FLOOR_DECODE).toFixed(2);
json.encode_floor_ratio = +((v4['encode pfx/s'] as number) / FLOOR_ENCODE).toFixed(2);
console.log(JSON.stringify(json));
