// Two processes against one datastore file: each takes 200 numbers from a
// shared counter with compare-and-swap and records every allocation as a
// resource. No lost update (the counter ends at 400), no number handed out
// twice (400 distinct allocations), and a third party (this process)
// watching the file sees every change made by the others.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { FileDatastore } from './file.js';
import { counter, EventLog } from './testing/fixtures.js';

const WORKER = join(import.meta.dirname, 'testing', 'cas-worker.ts');
const PER_WORKER = 200;

type Child = ChildProcessByStdio<Writable, Readable, Readable>;

function startWorker(file: string, name: string): { child: Child; ready: Promise<void>; result: Promise<Record<string, number | string>> } {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, file, String(PER_WORKER), name], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const lines = createInterface({ input: child.stdout });
  const ready = new Promise<void>((resolve, reject) => {
    lines.once('line', (l) => (l === 'ready' ? resolve() : reject(new Error(`${name}: ${l}`))));
    child.once('exit', (code) => reject(new Error(`${name} exited early (${code}): ${stderr}`)));
  });
  const result = new Promise<Record<string, number | string>>((resolve, reject) => {
    let last = '';
    lines.on('line', (l) => { last = l; });
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`${name} failed (exit ${code}): ${stderr}`));
      else resolve(JSON.parse(last) as Record<string, number | string>);
    });
  });
  return { child, ready, result };
}

describe('FileDatastore across processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ds-procs-'));
  const children: Child[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.pid !== undefined) process.kill(c.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it(`two processes × ${PER_WORKER} CAS allocations on one file: no lost update, no duplicate, all seen by a watcher`, async () => {
    const file = join(dir, 'cluster.yaml');
    const ds = await FileDatastore.open(file, { log: () => undefined });
    await ds.create(counter('counter'));
    const log = new EventLog();
    ds.watch(['IPAMHandle'], log.handler);
    const a = startWorker(file, 'node-a');
    const b = startWorker(file, 'node-b');
    children.push(a.child, b.child);
    await Promise.all([a.ready, b.ready]);
    a.child.stdin.write('go\n');
    b.child.stdin.write('go\n');
    const results = await Promise.all([a.result, b.result]);
    console.log(`cross-process CAS: ${JSON.stringify(results)}`);

    const total = 2 * PER_WORKER;
    expect((await ds.get('IPAMHandle', 'counter'))?.spec.block.n).toBe(total);
    const allocs = (await ds.list('IPAMHandle')).filter((r) => r.metadata.name.startsWith('alloc-'));
    expect(allocs).toHaveLength(total);
    expect(new Set(allocs.map((r) => r.spec.block.n)).size).toBe(total);
    const byWorker = new Map<string, number>();
    for (const r of allocs) byWorker.set(r.spec.handleID, (byWorker.get(r.spec.handleID) ?? 0) + 1);
    expect(Object.fromEntries(byWorker)).toEqual({ 'node-a': PER_WORKER, 'node-b': PER_WORKER });
    // both really competed for the counter
    expect(Number(results[0].conflicts) + Number(results[1].conflicts)).toBeGreaterThan(0);

    // the watcher in this process saw every allocation and the final count (fs.watch or poll)
    await log.until((ev) => ev.filter((e) => e.type === 'set' && e.resource.metadata.name.startsWith('alloc-')).length >= total
      && ev.some((e) => e.type === 'set' && e.resource.metadata.name === 'counter' && (e.resource.spec as { block: { n: number } }).block.n === total), 20_000, 'all changes');
    const seen = new Set(log.events.flatMap((e) => (e.type === 'set' && e.resource.metadata.name.startsWith('alloc-') ? [e.resource.metadata.name] : [])));
    expect(seen.size).toBe(total);
    await ds.close();
  });
});
