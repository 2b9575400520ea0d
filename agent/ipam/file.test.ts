// IPAM across processes on one FileDatastore file: two worker processes (one
// simulated node each) start their ADDs at the same moment; the file's
// cross-process lock plus our compare-and-swap must still hand out every
// address at most once. The file is then re-opened and checked for
// consistency (blocks, affinities, handles).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { FileDatastore } from '../datastore/file.js';
import { IpamAllocator } from './allocator.js';
import { addNode, addPool, duplicates } from './testing/fixtures.js';
import { checkConsistency } from './testing/consistency.js';

const WORKER = new URL('./testing/file-worker.ts', import.meta.url).pathname;
const ROOT = new URL('../..', import.meta.url).pathname;
let dir = '';

afterEach(() => { if (dir !== '') rmSync(dir, { recursive: true, force: true }); dir = ''; });

interface WorkerResult { node: string; ok: { handle: string; address: string; borrowed: boolean }[]; failed: string[] }

interface Worker { node: string; child: ChildProcessWithoutNullStreams; ready: Promise<void>; done: Promise<WorkerResult> }

function startWorkers(file: string, perNode: Record<string, number>): Worker[] {
  return Object.entries(perNode).map(([node, n]) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, file, node, String(n)], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const lines = createInterface({ input: child.stdout });
    const ready = new Promise<void>((resolve, reject) => {
      lines.once('line', (l) => (l === 'ready' ? resolve() : reject(new Error(`worker ${node}: ${l}`))));
      child.once('exit', (code) => reject(new Error(`worker ${node} exited ${code} before ready: ${stderr}`)));
    });
    const done = new Promise<WorkerResult>((resolve, reject) => {
      let last = '';
      lines.on('line', (l) => { last = l; });
      child.once('exit', (code) => {
        if (code !== 0) { reject(new Error(`worker ${node} exited ${code}: ${stderr}`)); return; }
        try { resolve(JSON.parse(last) as WorkerResult); } catch { reject(new Error(`worker ${node}: no result (${last}) ${stderr}`)); }
      });
    });
    done.catch(() => undefined); // a killed worker's result is not awaited
    return { node, child, ready, done };
  });
}

/** Starts one worker per node, releases them together, returns their results. */
async function race(file: string, perNode: Record<string, number>): Promise<WorkerResult[]> {
  const workers = startWorkers(file, perNode);
  try {
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.child.stdin.write('go\n');
    return await Promise.all(workers.map((w) => w.done));
  } finally {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  }
}

async function seed(poolCidr: string): Promise<string> {
  dir = mkdtempSync(join(tmpdir(), 'ipam-file-'));
  const file = join(dir, 'cluster.yaml');
  const ds = await FileDatastore.open(file, { pollMs: 0 });
  await addPool(ds, 'pool', { cidr: poolCidr });
  await addNode(ds, 'n1');
  await addNode(ds, 'n2');
  await ds.close();
  return file;
}

describe('IPAM on one file shared by two processes', () => {
  it('200 concurrent ADDs from two nodes: no duplicate, blocks claimed as they fill', async () => {
    const file = await seed('100.64.0.0/24');
    const res = await race(file, { n1: 100, n2: 100 });
    expect(res.flatMap((r) => r.failed)).toEqual([]);
    const all = res.flatMap((r) => r.ok);
    expect(all).toHaveLength(200);
    expect(duplicates(all)).toEqual([]);
    const ds = await FileDatastore.open(file, { pollMs: 0 });
    try {
      await checkConsistency(ds);
      const ipam = new IpamAllocator(ds);
      expect((await ipam.blocksForNode('n1')).blocks).toHaveLength(2);
      expect((await ipam.blocksForNode('n2')).blocks).toHaveLength(2);
      // every worker's view matches the file
      for (const a of all) expect((await ipam.addressesOfHandle(a.handle)).ipv4.map((x) => x.address)).toEqual([a.address]);
    } finally {
      await ds.close();
    }
  }, 120_000);

  it('pool exhausted: 128 addresses for 200 ADDs, borrowing, then a clear error for the rest', async () => {
    const file = await seed('100.64.0.0/25');
    const res = await race(file, { n1: 150, n2: 50 });
    const all = res.flatMap((r) => r.ok);
    expect(all).toHaveLength(128);
    expect(duplicates(all)).toEqual([]);
    expect(all.some((a) => a.borrowed)).toBe(true);
    const failed = res.flatMap((r) => r.failed);
    expect(failed).toHaveLength(72);
    for (const m of failed) expect(m).toMatch(/^no free IPv4 address for node n[12] in pools 100\.64\.0\.0\/25: all 2 blocks are claimed/);
    const ds = await FileDatastore.open(file, { pollMs: 0 });
    try { await checkConsistency(ds); } finally { await ds.close(); }
  }, 120_000);
});

describe('a node killed mid-burst', () => {
  it('leaves nothing handed out twice, and its restart plus GC cleans up after it', async () => {
    const file = await seed('100.64.0.0/24');
    const workers = startWorkers(file, { n1: 100, n2: 100 });
    const ds = await FileDatastore.open(file, { pollMs: 0 });
    try {
      await Promise.all(workers.map((w) => w.ready));
      for (const w of workers) w.child.stdin.write('go\n');
      const [n1, n2] = workers as [Worker, Worker];
      // kill n1 once it is well into its ADDs
      const t0 = Date.now();
      const n1Held = async (): Promise<number> => (await ds.list('IPAMBlock'))
        .reduce((n, b) => n + b.spec.allocations.filter((a) => a !== null && b.spec.attributes[a]?.secondary?.node === 'n1').length, 0);
      while (await n1Held() < 20) {
        if (Date.now() - t0 > 60_000) throw new Error('n1 made no progress in 60 s');
        await new Promise((r) => setTimeout(r, 5));
      }
      n1.child.kill('SIGKILL');
      const r2 = await n2.done;
      expect(r2.failed).toEqual([]);
      expect(r2.ok).toHaveLength(100);
      // n1's pods are gone; its agent restarts and collects (no grace, to keep the test short)
      const ipam = new IpamAllocator(ds, { leakGraceMs: 0, emptyHandleGraceMs: 0 });
      const live = new Set(r2.ok.map((a) => `ns/${a.handle.replace('.', '-p')}`));
      const gc = await ipam.gc({ node: 'n1', livePods: live });
      expect(gc.releasedIPs.length).toBeGreaterThanOrEqual(20);
      await checkConsistency(ds);
      // n2 kept all its addresses, each once; n1 holds nothing
      const held = await Promise.all(r2.ok.map(async (a) => (await ipam.addressesOfHandle(a.handle)).ipv4.map((x) => x.address)));
      expect(held.flat().sort()).toEqual(r2.ok.map((a) => a.address).sort());
      expect((await ds.list('IPAMHandle')).filter((h) => h.spec.handleID.startsWith('n1.'))).toEqual([]);
      // and n1 allocates again, past the dead process's lock
      expect((await ipam.autoAssign({ handleID: 'n1.again', node: 'n1', num4: 1 })).ipv4).toHaveLength(1);
    } finally {
      for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
      await ds.close();
    }
  }, 120_000);
});
