// Benchmark of the NetworkPolicy driver (agent/policy) in a network
// namespace: the full apply of 250 endpoints × 100 policies into an empty
// kernel (target ≤ 1 s), the incremental apply of one policy change (target
// ≤ 50 ms), one pod label change (ipset members only), a no-op resync (read
// back, nothing to write) and the pure render. Median of several runs; each
// full apply gets a fresh namespace. Exported for `npm run bench:agent`;
// policy-main.ts runs it on its own.
import { Lab } from '../../test/netns/index.js';
import { commandExec, PolicyDriver, type NetworkPolicy, type PolicyModel } from '../policy/index.js';
import { render } from '../policy/render.js';
import { DEFAULT_POLICY_CONFIG } from '../policy/model.js';

export interface PolicyBenchRow { name: string; medianMs: number; minMs: number; maxMs: number; runs: number; targetMs?: number }
export interface PolicyBenchResult { rows: PolicyBenchRow[]; figures: Record<string, number | string> }

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] ?? NaN; };

function policy(j: number, variant = 0): NetworkPolicy {
  return {
    namespace: `ns${j % 10}`, name: `pol-${j}`,
    spec: {
      podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: [`t${j % 3}`] }] },
      ingress: [{
        from: [{ podSelector: { matchLabels: { app: `a${(j + 1) % 10}` } } },
          { namespaceSelector: { matchLabels: { env: `e${j % 3}` } }, podSelector: { matchLabels: { tier: `t${(j + 1) % 3}` } } },
          { ipBlock: { cidr: '100.64.0.0/16', except: [`100.64.${j % 200}.0/24`] } }],
        ports: [{ port: 1000 + j + variant }, { port: 'http' }, { protocol: 'UDP', port: 5000, endPort: 5100 }],
      }],
      ...(j % 2 === 0 ? { egress: [{ to: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: `a${j % 10}` } } }], ports: [{ port: 443 }] }] } : {}),
    },
  };
}

export function benchModel(endpoints = 250, policies = 100): PolicyModel {
  return {
    namespaces: Array.from({ length: 10 }, (_, n) => ({ name: `ns${n}`, labels: { env: `e${n % 3}` } })),
    endpoints: Array.from({ length: endpoints }, (_, i) => ({
      key: `node1/ns${i % 10}/pod${i}`, namespace: `ns${i % 10}`, pod: `pod${i}`, ifname: `cali${i.toString(16).padStart(11, '0')}`,
      ipv4: [`100.64.${i >> 8}.${i & 255}`], ipv6: [`2001:db8:100::${i.toString(16)}`],
      labels: { app: `a${i % 10}`, tier: `t${i % 3}` }, ports: [{ name: 'http', port: 8000 + (i % 4) }],
    })),
    policies: Array.from({ length: policies }, (_, j) => policy(j)),
    pools: [{ cidr: '100.64.0.0/16', natOutgoing: true }],
  };
}

export async function benchPolicy(opts: { runs?: number; endpoints?: number; policies?: number } = {}): Promise<PolicyBenchResult> {
  const runs = opts.runs ?? 3;
  const model = benchModel(opts.endpoints, opts.policies);
  const lab = Lab.create('polbench');
  try {
    const full: number[] = []; const incr: number[] = []; const incrRender: number[] = []; const incrKernel: number[] = []; const member: number[] = []; const resync: number[] = []; const rend: number[] = [];
    let rules = 0; let sets = 0; let members = 0;
    for (let r = 0; r < runs; r++) {
      const t = performance.now();
      const d0 = render(model, DEFAULT_POLICY_CONFIG);
      rend.push(performance.now() - t);
      if (r === 0) {
        for (const f of [4, 6] as const) for (const c of [...d0.chains[f].filter.values(), ...d0.chains[f].nat.values()]) rules += c.rules.length;
        sets = d0.sets.size;
        for (const s of d0.sets.values()) members += s.members.size;
      }
    }
    for (let r = 0; r < runs; r++) {
      const ns = await lab.namespace(`n${r}`);
      const d = new PolicyDriver({ exec: commandExec(['ip', 'netns', 'exec', ns]) });
      d.setModel(model); d.markInSync();
      const t0 = performance.now();
      await d.apply();
      full.push(performance.now() - t0);
      // one policy change, 5 times per namespace (alternating port numbers)
      for (let k = 1; k <= 5; k++) {
        d.setPolicy(policy(7, k % 2));
        const t1 = performance.now();
        const res = await d.apply();
        incr.push(performance.now() - t1);
        incrRender.push(res.renderMs); incrKernel.push(res.ms);
        if (res.chainsWritten !== 2) throw new Error(`one policy change rewrote ${res.chainsWritten} chains, expected 2 (IPv4 + IPv6)`);
      }
      for (let k = 1; k <= 5; k++) {
        const ep = model.endpoints[k] as PolicyModel['endpoints'][number];
        d.setEndpoint({ ...ep, labels: { ...ep.labels, app: k % 2 ? 'moved' : ep.labels.app as string } });
        const t2 = performance.now();
        const res = await d.apply();
        member.push(performance.now() - t2);
        if (res.chainsWritten !== 0) throw new Error(`a label change rewrote ${res.chainsWritten} chains, expected none`);
      }
      const t3 = performance.now();
      const res = await d.resync();
      resync.push(performance.now() - t3);
      if (res.chainsWritten + res.chainsDeleted + res.membersAdded + res.membersRemoved !== 0) throw new Error(`resync found differences: ${JSON.stringify(res)}`);
    }
    const row = (name: string, xs: number[], targetMs?: number): PolicyBenchRow =>
      ({ name, medianMs: median(xs), minMs: Math.min(...xs), maxMs: Math.max(...xs), runs: xs.length, targetMs });
    const rows = [
      row('full apply (empty kernel)', full, 1000),
      row('one policy changed', incr, 50),
      row('  of which render (whole model)', incrRender),
      row('  of which kernel writes', incrKernel),
      row('one pod relabelled (ipsets only)', member),
      row('resync, nothing to write', resync),
      row('render only (pure)', rend),
    ];
    const figures = {
      bench: 'agent-policy', endpoints: model.endpoints.length, policies: model.policies.length, rules, ipsets: sets, set_members: members,
      full_apply_ms: +median(full).toFixed(1), policy_change_ms: +median(incr).toFixed(1), policy_change_render_ms: +median(incrRender).toFixed(1), policy_change_kernel_ms: +median(incrKernel).toFixed(1), relabel_ms: +median(member).toFixed(1),
      resync_noop_ms: +median(resync).toFixed(1), render_ms: +median(rend).toFixed(1),
    };
    return { rows, figures };
  } finally {
    lab.teardown();
  }
}

export function formatPolicyBench(r: PolicyBenchResult): string {
  const head = `${'case'.padEnd(36)}${'median ms'.padStart(11)}${'min'.padStart(9)}${'max'.padStart(9)}${'runs'.padStart(6)}${'target'.padStart(9)}${'median/target'.padStart(15)}`;
  const lines = r.rows.map((x) => `${x.name.padEnd(36)}${x.medianMs.toFixed(1).padStart(11)}${x.minMs.toFixed(1).padStart(9)}${x.maxMs.toFixed(1).padStart(9)}` +
    `${String(x.runs).padStart(6)}${(x.targetMs ? `${x.targetMs}` : '-').padStart(9)}${(x.targetMs ? (x.medianMs / x.targetMs).toFixed(2) : '-').padStart(15)}`);
  const f = r.figures;
  return [`NetworkPolicy driver: ${f.endpoints} endpoints × ${f.policies} policies → ${f.rules} rules (IPv4+IPv6), ${f.ipsets} ipsets, ${f.set_members} members`, head, ...lines].join('\n');
}
