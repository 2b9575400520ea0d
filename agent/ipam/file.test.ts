// IPAM across processes on one FileDatastore file: two worker processes (one
// simulated node each) start their ADDs at the same moment; the file's
// cross-process lock plus our compare-and-swap must still hand out every
// address at most once. The file is then re-opened and checked for
// consistency (blocks, affinities, handles).
import { spawn } from 'node:child_process';
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

/** Starts one worker per node, releases them together, returns their results. */
async function race(file: string, perNode: Record<string, number>): Promise<WorkerResult[]> {
  const workers = Object.entries(perNode).map(([node, n]) => {
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
    return { child, ready, done };
  });
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
