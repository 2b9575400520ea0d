// bench: the datastore backends with ~1000 resources (the size the brief
// targets: IPAM may write hundreds of times). Measures, median of RUNS runs:
//  - write latency (get → modify → CAS update of one IPAM block), p50/p99, for
//    memory, file (fsync off) and file (fsync on), side by side, with ratios;
//  - the same when two instances on the file alternate (each write re-reads
//    the other's change first, as two nodes' IPAM would);
//  - watch latency: a write by one instance until another instance's watcher
//    gets the event (fs.watch path), p50/p99;
//  - cold open (parse + validate) of the file.
// Prints a table, then one JSON line: {"bench":"datastore",...}.
// Run: node --import tsx agent/datastore/bench/file.bench.ts [resources] [writes]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileDatastore } from '../file.js';
import { MemoryDatastore } from '../memory.js';
import { counter, ipPool, node, workloadEndpoint } from '../testing/fixtures.js';
import { API_VERSION, type Datastore, type ResourceOf } from '../types.js';

const RESOURCES = Number(process.argv[2] ?? 1000);
const WRITES = Number(process.argv[3] ?? 300);
const RUNS = 3;

function block(i: number): ResourceOf<'IPAMBlock'> {
  const cidr = `100.${64 + (i >> 10)}.${(i >> 2) & 255}.${(i & 3) * 64}/26`;
  const allocations: (number | null)[] = Array.from({ length: 64 }, (_, o) => (o < 20 ? o % 4 : null));
  return {
    apiVersion: API_VERSION, kind: 'IPAMBlock', metadata: { name: cidr.replace('/', '-') },
    spec: {
      cidr, affinity: `host:node-${i % 50}`, allocations,
      unallocated: Array.from({ length: 44 }, (_, k) => 20 + k),
      attributes: Array.from({ length: 4 }, (_, k) => ({ handleID: `l3mesh-net.${i}-${k}`, secondary: { namespace: 'default', pod: `pod-${i}-${k}` } })),
    },
  };
}

async function populate(ds: Datastore, n: number): Promise<string[]> {
  const blocks: string[] = [];
  for (let i = 0; i < n; i++) {
    const kind = i % 10;
    if (kind < 6) { const b = block(i); blocks.push(b.metadata.name); await ds.create(b); }
    else if (kind < 8) await ds.create(counter(`l3mesh-net.h${i}`, i));
    else if (kind < 9) await ds.create(workloadEndpoint('default', `pod-${i}`, `100.64.${(i >> 8) & 255}.${i & 255}/32`, `node-${i % 50}`));
    else if (i % 20 === 9) await ds.create(node(`node-${i}`, `198.18.${(i >> 8) & 255}.${i & 255}/16`));
    else await ds.create(ipPool(`pool-${i}`, `100.${96 + ((i >> 8) & 31)}.${i & 255}.0/24`, { blockSize: 26 }));
  }
  return blocks;
}

/** One IPAM-like write: read a block, flip one allocation, CAS update (retry on Conflict). */
async function touch(ds: Datastore, name: string, k: number): Promise<void> {
  for (;;) {
    const b = await ds.get('IPAMBlock', name);
    if (b === undefined) throw new Error(`block ${name} missing`);
    const allocations = [...b.spec.allocations];
    const o = 20 + (k % 44);
    allocations[o] = allocations[o] === null ? 0 : null;
    const unallocated = allocations.flatMap((a, i) => (a === null ? [i] : []));
    try { await ds.update({ ...b, spec: { ...b.spec, allocations, unallocated } }); return; } catch (e) {
      if ((e as { reason?: string }).reason !== 'Conflict') throw e;
    }
  }
}

const pct = (xs: number[], p: number): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN; };
const median = (xs: number[]): number => pct(xs, 0.5);

interface Lat { p50: number; p99: number }

async function writeLatency(ds: Datastore, blocks: string[], other?: Datastore): Promise<Lat> {
  const lat: number[] = [];
  for (let k = 0; k < WRITES; k++) {
    const target = k % 2 === 1 && other !== undefined ? other : ds;
    const t = performance.now();
    await touch(target, blocks[(k * 7) % blocks.length]!, k);
    lat.push(performance.now() - t);
  }
  return { p50: pct(lat, 0.5), p99: pct(lat, 0.99) };
}

async function watchLatency(writer: Datastore, watcher: Datastore, blocks: string[]): Promise<Lat> {
  const lat: number[] = [];
  let pending: { name: string; t0: number; done: () => void } | undefined;
  const stop = watcher.watch(['IPAMBlock'], (e) => {
    if (e.type === 'set' && pending !== undefined && e.resource.metadata.name === pending.name) {
      lat.push(performance.now() - pending.t0);
      const p = pending; pending = undefined; p.done();
    }
  });
  await new Promise((r) => setTimeout(r, 100));
  for (let k = 0; k < 60; k++) {
    const name = blocks[(k * 13) % blocks.length]!;
    const seen = new Promise<void>((resolve) => { pending = { name, t0: performance.now(), done: resolve }; });
    await touch(writer, name, k);
    await Promise.race([seen, new Promise((_, rej) => setTimeout(() => rej(new Error(`watch event for ${name} not seen in 5 s`)), 5000))]);
  }
  stop();
  return { p50: pct(lat, 0.5), p99: pct(lat, 0.99) };
}

const rows: Record<string, { p50: number[]; p99: number[] }> = {};
const add = (name: string, l: Lat): void => {
  rows[name] ??= { p50: [], p99: [] };
  rows[name].p50.push(l.p50); rows[name].p99.push(l.p99);
};
const opens: number[] = [];
let fileBytes = 0;

for (let run = 0; run < RUNS; run++) {
  const mem = new MemoryDatastore();
  const memBlocks = await populate(mem, RESOURCES);
  add('memory', await writeLatency(mem, memBlocks));
  await mem.close();

  const dir = mkdtempSync(join(tmpdir(), 'ds-bench-'));
  try {
    const path = join(dir, 'cluster.yaml');
    const fast = await FileDatastore.open(path, { durable: false, log: () => undefined });
    const blocks = await populate(fast, RESOURCES);
    fileBytes = (await import('node:fs')).statSync(path).size;
    add('file, no fsync', await writeLatency(fast, blocks));
    const t = performance.now();
    const durable = await FileDatastore.open(path, { log: () => undefined });
    opens.push(performance.now() - t);
    add('file, fsync', await writeLatency(durable, blocks));
    add('file, 2 instances alternating', await writeLatency(fast, blocks, durable));
    add('watch (write → other instance event)', await watchLatency(durable, fast, blocks));
    await fast.close(); await durable.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fig = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, { p50: median(v.p50), p99: median(v.p99) }]));
const mem = fig.memory!;
console.log(`datastore bench: ${RESOURCES} resources (${(fileBytes / 1024).toFixed(0)} KiB of YAML), ${WRITES} writes per case, median of ${RUNS} runs`);
console.log(`${'case'.padEnd(40)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)} ${'p50 / memory'.padStart(13)}`);
for (const [k, v] of Object.entries(fig)) {
  console.log(`${k.padEnd(40)} ${v.p50.toFixed(3).padStart(9)} ${v.p99.toFixed(3).padStart(9)} ${k.startsWith('watch') ? ''.padStart(13) : `${(v.p50 / mem.p50).toFixed(0)}x`.padStart(13)}`);
}
console.log(`cold open (read + parse + validate): ${median(opens).toFixed(1)} ms`);
const r = (x: number): number => Math.round(x * 1000) / 1000;
console.log(JSON.stringify({
  bench: 'datastore', resources: RESOURCES, fileKiB: Math.round(fileBytes / 1024), writes: WRITES, runs: RUNS,
  memoryWriteP50: r(mem.p50), memoryWriteP99: r(mem.p99),
  fileWriteP50: r(fig['file, no fsync']!.p50), fileWriteP99: r(fig['file, no fsync']!.p99),
  fileFsyncWriteP50: r(fig['file, fsync']!.p50), fileFsyncWriteP99: r(fig['file, fsync']!.p99),
  twoInstancesWriteP50: r(fig['file, 2 instances alternating']!.p50), twoInstancesWriteP99: r(fig['file, 2 instances alternating']!.p99),
  watchP50: r(fig['watch (write → other instance event)']!.p50), watchP99: r(fig['watch (write → other instance event)']!.p99),
  coldOpenMs: r(median(opens)),
}));
