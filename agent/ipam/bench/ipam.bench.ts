// IPAM allocation latency, memory vs file datastore side by side:
//   node --import tsx agent/ipam/bench/ipam.bench.ts [runs=5]
// Scenarios per backend and run (fresh datastore each run):
//   seq-add  one node, N ADDs one after another (the node claims blocks as they fill)
//   seq-del  the same N handles released one after another
//   burst    two nodes, M ADDs all started at once (CAS contention on blocks and claims)
// Backends: memory, file (FileDatastore, fsync per write), file-nosync.
// Per scenario the p50/p99 of per-call latency; the table shows the median
// over runs and the file/memory ratio; the last line is one JSON object.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MemoryDatastore } from '../../datastore/memory.js';
import type { Datastore } from '../../datastore/types.js';
import { IpamAllocator } from '../allocator.js';
import { addNode, addPool, duplicates } from '../testing/fixtures.js';
import { openFileBackend } from './file-backend.js';

const runs = Number(process.argv[2] ?? 5);
const SEQ = 500;
const BURST = 200;

interface Backend { name: string; open(): Promise<{ ds: Datastore; close(): Promise<void> }> }

const backends: Backend[] = [
  { name: 'memory', open: async () => { const ds = new MemoryDatastore(); return { ds, close: () => ds.close() }; } },
  ...[true, false].map((durable): Backend => ({ name: durable ? 'file' : 'file-nosync', open: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipam-bench-'));
    const ds = await openFileBackend(join(dir, 'cluster.yaml'), { durable });
    return { ds, close: async () => { await ds.close(); rmSync(dir, { recursive: true, force: true }); } };
  } })),
];

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const median = (xs: number[]): number => pct(xs, 50);

async function timed<T>(lat: number[], f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await f();
  lat.push(performance.now() - t0);
  return r;
}

async function oneRun(b: Backend): Promise<Record<string, { p50: number; p99: number }>> {
  const { ds, close } = await b.open();
  try {
    await addPool(ds, 'p', { cidr: '100.64.0.0/16' });
    await addNode(ds, 'n1');
    await addNode(ds, 'n2');
    const n1 = new IpamAllocator(ds);
    const n2 = new IpamAllocator(ds);
    const add: number[] = []; const del: number[] = []; const burst: number[] = [];
    for (let i = 0; i < SEQ; i++) await timed(add, () => n1.autoAssign({ handleID: `s.${i}`, node: 'n1', num4: 1, attrs: { namespace: 'ns', pod: `s${i}` } }));
    for (let i = 0; i < SEQ; i++) await timed(del, () => n1.releaseByHandle(`s.${i}`));
    const got = await Promise.all(Array.from({ length: BURST }, (_, i) => timed(burst, () =>
      (i % 2 === 0 ? n1 : n2).autoAssign({ handleID: `b.${i}`, node: i % 2 === 0 ? 'n1' : 'n2', num4: 1, attrs: { namespace: 'ns', pod: `b${i}` } }))));
    const dup = duplicates(got.flatMap((r) => r.ipv4));
    if (dup.length > 0) throw new Error(`${b.name}: duplicate addresses ${dup.join(', ')}`);
    const f = (xs: number[]) => ({ p50: pct(xs, 50), p99: pct(xs, 99) });
    return { 'seq-add': f(add), 'seq-del': f(del), burst: f(burst) };
  } finally {
    await close();
  }
}

const scenarios = ['seq-add', 'seq-del', 'burst'] as const;
const results: Record<string, Record<string, { p50: number[]; p99: number[] }>> = {};
for (let r = 0; r < runs; r++) {
  for (const b of backends) { // side by side: each run measures both backends
    const one = await oneRun(b);
    for (const s of scenarios) {
      const slot = ((results[b.name] ??= {})[s] ??= { p50: [], p99: [] });
      slot.p50.push(one[s]?.p50 ?? NaN);
      slot.p99.push(one[s]?.p99 ?? NaN);
    }
  }
}

const fig = (b: string, s: string, q: 'p50' | 'p99'): number => median(results[b]?.[s]?.[q] ?? []);
const ms = (x: number): string => x.toFixed(3).padStart(10);
console.log(`IPAM allocation latency (ms), median of ${runs} runs; seq = ${SEQ} calls on one node, burst = ${BURST} concurrent ADDs on two nodes`);
console.log('file = FileDatastore with fsync of file and directory per write; file-nosync = the same without fsync');
console.log('scenario | backend     |        p50 |        p99 | p50 ×memory | p99 ×memory');
const figures: Record<string, number | string> = { bench: 'ipam', runs };
for (const s of scenarios) {
  for (const b of backends) {
    const p50 = fig(b.name, s, 'p50'); const p99 = fig(b.name, s, 'p99');
    const r50 = p50 / fig('memory', s, 'p50'); const r99 = p99 / fig('memory', s, 'p99');
    console.log(`${s.padEnd(8)} | ${b.name.padEnd(11)} | ${ms(p50)} | ${ms(p99)} | ${r50.toFixed(1).padStart(11)} | ${r99.toFixed(1).padStart(11)}`);
    const k = `${b.name.replace('-', '_')}_${s.replace('-', '_')}`;
    figures[`${k}_p50_ms`] = +p50.toFixed(3);
    figures[`${k}_p99_ms`] = +p99.toFixed(3);
    if (b.name !== 'memory') { figures[`${k}_p50_ratio`] = +r50.toFixed(2); figures[`${k}_p99_ratio`] = +r99.toFixed(2); }
  }
}
console.log(JSON.stringify(figures));
