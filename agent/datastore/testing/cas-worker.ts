// A child process for the cross-process tests: opens the datastore file,
// prints "ready", waits for "go" on stdin, then `count` times takes the next
// number from a shared counter (read, increment, update with CAS, retry on
// Conflict) and records the allocation as its own resource (create: an
// AlreadyExists would mean two processes got the same number). Prints one
// JSON line with its figures at the end.
// Usage: node --import tsx cas-worker.ts <file> <count> <worker-name>
import { createInterface } from 'node:readline';
import { FileDatastore } from '../file.js';
import { DatastoreError } from '../types.js';
import { counter } from './fixtures.js';

const [file, countText, worker] = process.argv.slice(2);
if (file === undefined || countText === undefined || worker === undefined) throw new Error('usage: cas-worker.ts <file> <count> <worker-name>');
const count = Number(countText);

const ds = await FileDatastore.open(file, { log: (m) => process.stderr.write(`${m}\n`) });
process.stdout.write('ready\n');
const stdin = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => stdin.once('line', () => resolve()));
stdin.close();
process.stdin.destroy(); // the parent keeps the pipe open: let the process end

let conflicts = 0;
const latencies: number[] = [];
const t0 = performance.now();
for (let i = 0; i < count; i++) {
  let value: number | undefined;
  while (value === undefined) {
    const cur = await ds.get('IPAMHandle', 'counter');
    if (cur === undefined) throw new Error('counter missing');
    const n = (cur.spec.block.n ?? 0) + 1;
    const t = performance.now();
    try {
      await ds.update({ ...cur, spec: { ...cur.spec, block: { n } } });
      latencies.push(performance.now() - t);
      value = n;
    } catch (e) {
      if (!(e instanceof DatastoreError && e.reason === 'Conflict')) throw e;
      conflicts++;
    }
  }
  const t = performance.now();
  await ds.create({ ...counter(`alloc-${value}`, value), spec: { handleID: worker, block: { n: value } } });
  latencies.push(performance.now() - t);
}
const ms = performance.now() - t0;
await ds.close();
latencies.sort((a, b) => a - b);
const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
process.stdout.write(`${JSON.stringify({ worker, count, conflicts, ms: Math.round(ms), writeP50: +pct(0.5).toFixed(2), writeP99: +pct(0.99).toFixed(2) })}\n`);
