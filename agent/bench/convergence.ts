// bench:agent section "convergence": end to end, a workload added on node A →
// its route on node C. Three nodes (bgpd + agent each, one LAN, one shared
// datastore file; test/cluster/node-lab.ts). Each workload on n1 gets an
// address borrowed from n2's block, so it is announced as its own /32 (an
// address inside n1's own block would ride on the block route C already has,
// and nothing would change at C). Measured: from the write of the
// WorkloadEndpoint into the datastore file to the route appearing in n3's
// kernel (`ip -ts monitor route` in n3), per workload, one at a time;
// p50/p99 over N workloads (default 100). Calico's BIRD scans the kernel
// every 2 s for such routes; the target is p99 ≤ 100 ms.

import { readFileSync } from 'node:fs';
import { Lab, waitUntil } from '../../test/netns/index.js';
import { NodeLab, clusterResources, nodeDefs, wep } from '../../test/cluster/node-lab.js';
import type { BenchContext, BenchSection } from './agent.bench.js';

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

export const convergenceSection: BenchSection = {
  name: 'convergence',
  async run(ctx: BenchContext): Promise<Record<string, unknown>> {
    const n = Number(process.env.CONVERGENCE_WORKLOADS ?? 100);
    const lab = Lab.create('conv');
    const c = new NodeLab(lab, nodeDefs(3));
    try {
      await c.buildNodes();
      c.resources = clusterResources(c.nodes, ['bench']);
      c.writeCluster();
      await c.startDaemons();
      for (const node of c.nodes) {
        await waitUntil(`${node.name} mesh`, async () => (await c.apis.get(node.name)!.call('listPeers', {})).peers,
          (ps) => ps.length === 2 && ps.every((p) => p.state?.sessionState === 6), { timeoutMs: 60_000, diagnose: c.diagnose });
      }
      await waitUntil('n3 has the blocks', () => c.routesOf('n3'), (rs) => rs.length >= 3, { timeoutMs: 30_000 });
      const mon = await lab.spawn(c.nodeNs.get('n3')!, 'monitor', ['stdbuf', '-oL', 'ip', '-ts', 'monitor', 'route']);
      const samples: number[] = [];
      for (let i = 0; i < n; i++) {
        const ip = `100.64.2.${10 + i}`;
        const pod = { node: 'n1', ns: 'bench', name: `b${i}`, ip, labels: { app: 'bench' } };
        c.resources.push(wep(pod));
        const t0 = Date.now();
        c.writeCluster();
        const seenAt = await waitUntil(`${ip} at n3`, () => {
          const line = readFileSync(mon.log, 'utf8').split('\n').find((l) => l.includes(` ${ip} via `) && !l.includes('Deleted'));
          const m = line && /^\[(\d{4}-\d\d-\d\dT[\d:.]+)/.exec(line);
          return m ? Date.parse(`${m[1]}Z`) : undefined;
        }, (x) => x !== undefined, { timeoutMs: 10_000, intervalMs: 2, diagnose: c.diagnose });
        samples.push(seenAt! - t0);
      }
      const p50 = pct(samples, 50), p99 = pct(samples, 99), max = Math.max(...samples);
      ctx.log('');
      ctx.log(`End-to-end convergence: workload written on n1 → /32 in n3's kernel, ${n} workloads (target p99 ≤ 100 ms)`);
      ctx.log('| p50 ms | p99 ms | max ms |');
      ctx.log('|---:|---:|---:|');
      ctx.log(`| ${p50} | ${p99} | ${max} |`);
      return { workloads: n, p50_ms: p50, p99_ms: p99, max_ms: max };
    } finally {
      c.close();
      await lab.close();
    }
  },
};
