// One simulated node in its own process for the multi-process IPAM test:
//   node --import tsx agent/ipam/testing/file-worker.ts <file> <node> <count> [durable]
// Opens the shared datastore file, prints "ready", waits for "go" on stdin,
// then starts <count> ADDs at once and prints one JSON line:
//   {"node":..,"ok":[{"handle":..,"address":..,"borrowed":..}],"failed":["message",..]}
import { createInterface } from 'node:readline';
import { IpamAllocator } from '../allocator.js';
import { openFileBackend } from '../bench/file-backend.js';

const [path, node, countText, durable] = process.argv.slice(2);
if (path === undefined || node === undefined || countText === undefined) {
  console.error('usage: file-worker.ts <file> <node> <count> [durable]');
  process.exit(2);
}
const ds = await openFileBackend(path, { durable: durable === 'durable' });
const ipam = new IpamAllocator(ds);
console.log('ready');
const rl = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => rl.on('line', (l) => { if (l.trim() === 'go') resolve(); }));
rl.close();
const results = await Promise.allSettled(Array.from({ length: Number(countText) }, (_, i) => {
  const handle = `${node}.${i}`;
  return ipam.autoAssign({ handleID: handle, node, num4: 1, attrs: { namespace: 'ns', pod: `${node}-p${i}` } })
    .then((r) => r.ipv4.map((a) => ({ handle, address: a.address, borrowed: a.borrowed })));
}));
const ok = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
const failed = results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error).message)] : []));
await ds.close();
console.log(JSON.stringify({ node, ok, failed }));
