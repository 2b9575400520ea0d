// Test fixture for the kill -9 test: run inside a namespace, it programs N
// workload /32 routes (100.64.100.0 upwards, alternating over the given
// interfaces) in ONE apply with tiny netlink batches (2 routes per sendto), so
// the apply takes long enough to be killed half way. Usage:
//   node --import tsx bulk-writer.ts <N> <ifname>...
import { RtNetlink } from '../../netlink/rtnetlink.js';
import { RouteTable } from '../route-table.js';

const n = Number(process.argv[2]);
const ifnames = process.argv.slice(3);
if (!(n > 0) || ifnames.length === 0) throw new Error('usage: bulk-writer.ts <N> <ifname>...');
const rt = new RouteTable({ kernel: RtNetlink.open({ batchSize: 2 }), families: [4] });
for (let i = 0; i < n; i++) {
  rt.setRoute({ dst: `100.64.${100 + (i >> 8)}.${i & 255}/32`, target: { kind: 'workload', ifname: ifnames[i % ifnames.length] as string } });
}
process.stdout.write(`programming ${n} routes\n`);
const r = await rt.apply();
process.stdout.write(`done: ${r.programmed} programmed, ${r.failures.length} failed\n`);
