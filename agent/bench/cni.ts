// `npm run bench:cni`: CNI ADD on one node, end to end, 200 pods. Each ADD is
// the static plugin invoked as a runtime does (fork/exec, env + stdin) →
// framed socket → agent: IPAM (real allocator, MemoryDatastore) → veth and
// pod addresses/routes (iproute2 batches) → host sysctls → host route
// (RouteTable, netlink) → WorkloadEndpoint; "policy" is the endpoint's
// iptables chains, programmed by a stand-in for the calc graph that watches
// WorkloadEndpoints and drives agent/policy's PolicyDriver (10 policies).
// Side by side, the same 200 ADDs through Debian's ptp + host-local plugins
// (Go binaries doing veth + address + host route, no policy, no datastore).
// Figures: ADD latency p50/p99 (sequential), pods/s sequential and with 8
// ADDs in flight, the veth step, time to policy. Median over runs.
// Last line: {"bench":"cni",...}. Needs root (network namespaces).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Lab } from '../../test/netns/index.js';
import { buildCniPlugin } from '../../cni/build.mjs';
import { commandExec, PolicyDriver } from '../policy/index.js';
import type { NetworkPolicy } from '../policy/model.js';
import { CniNode } from '../cni/testing/node.js';
import { invokePlugin } from '../cni/testing/runtime.js';
import type { VethSpec } from '../cni/veth.js';

const PODS = Number(process.env.CNI_BENCH_PODS ?? 200);
const RUNS = Number(process.argv[2] ?? 3);
const CONCURRENCY = 8;

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const median = (xs: number[]): number => pct(xs, 50);

interface RunFigures { p50: number; p99: number; seqPodsPerS: number; parPodsPerS: number; vethP50: number; policyP50: number; policyP99: number }

async function pool<T>(items: T[], n: number, fn: (x: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: n }, async () => { while (i < items.length) await fn(items[i++] as T); }));
}

function policies(): NetworkPolicy[] {
  return Array.from({ length: 10 }, (_, j) => ({
    namespace: 'bench', name: `pol-${j}`,
    spec: { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { app: `a${j}` } } }], ports: [{ port: 8000 + j }] }] },
  }));
}

async function ours(lab: Lab, host: string, plugin: string, binDir: string, run: number): Promise<RunFigures> {
  const node = await new CniNode({ netns: host, dir: join(lab.dir, `agent${run}`), pools: [{ name: 'pool4', cidr: '100.64.0.0/16', blockSize: 26 }] });
  mkdirSync(join(lab.dir, `agent${run}`), { recursive: true });
  await node.start();
  // time the veth step inside the agent
  const vethMs: number[] = [];
  const veth = (node.service as unknown as { o: { veth: { create(s: VethSpec): Promise<unknown> } } }).o.veth;
  const create = veth.create.bind(veth);
  veth.create = async (s) => { const t = performance.now(); try { return await create(s); } finally { vethMs.push(performance.now() - t); } };
  // the calc graph's part for this bench: endpoint → policy chains
  const policy = new PolicyDriver({ exec: commandExec(['ip', 'netns', 'exec', host]) });
  policy.setModel({ endpoints: [], namespaces: [{ name: 'bench', labels: {} }], policies: policies(), pools: [{ cidr: '100.64.0.0/16', natOutgoing: false }] });
  policy.markInSync();
  await policy.apply();
  const started = new Map<string, number>();
  const policyMs: number[] = [];
  let applying: Promise<void> = Promise.resolve();
  const stop = node.datastore.watch(['WorkloadEndpoint'], (e) => {
    if (e.type !== 'set' || e.resource.kind !== 'WorkloadEndpoint') return;
    const w = e.resource as { metadata: { namespace?: string }; spec: { pod: string; interfaceName: string; ipNetworks: string[] } };
    policy.setEndpoint({ key: `${w.metadata.namespace}/${w.spec.pod}`, namespace: w.metadata.namespace ?? '', pod: w.spec.pod, ifname: w.spec.interfaceName,
      ipv4: w.spec.ipNetworks.map((n) => n.split('/')[0] as string), ipv6: [], labels: { app: `a${Number(w.spec.pod.slice(3)) % 10}` } });
    applying = applying.then(async () => {
      await policy.apply();
      const t0 = started.get(w.spec.pod);
      if (t0 !== undefined) policyMs.push(performance.now() - t0);
    });
  });
  const conf = (): string => JSON.stringify({ cniVersion: '1.0.0', name: 'l3mesh-net', type: 'l3mesh', agent_socket: node.socketPath, routes: [{ dst: '100.64.0.0/10' }] });
  const add = async (i: number, tag: string): Promise<number> => {
    const ns = `/var/run/netns/${lab.prefix}${tag}${i}`;
    const pod = `pod${i}`;
    started.set(pod, performance.now());
    const t = performance.now();
    const r = await invokePlugin(plugin, conf(), { cniPath: [binDir], command: 'ADD', containerId: `${tag}-${i}`, netns: ns, ifname: 'eth0', args: `K8S_POD_NAMESPACE=bench;K8S_POD_NAME=${pod}` });
    if (r.code !== 0) throw new Error(`ADD ${pod}: ${r.stdout} ${r.stderr}`);
    return performance.now() - t;
  };
  const del = (i: number, tag: string): Promise<unknown> => invokePlugin(plugin, conf(), { cniPath: [binDir], command: 'DEL', containerId: `${tag}-${i}`, netns: `/var/run/netns/${lab.prefix}${tag}${i}`, ifname: 'eth0', args: `K8S_POD_NAMESPACE=bench;K8S_POD_NAME=pod${i}` });

  const idx = Array.from({ length: PODS }, (_, i) => i);
  const lat: number[] = [];
  let t0 = performance.now();
  for (const i of idx) lat.push(await add(i, 's'));
  const seqPodsPerS = PODS / ((performance.now() - t0) / 1000);
  await applying;
  for (const i of idx) await del(i, 's');
  const vethSeq = [...vethMs];
  const policySeq = [...policyMs];
  started.clear();
  t0 = performance.now();
  await pool(idx, CONCURRENCY, async (i) => { await add(i, 'c'); });
  const parPodsPerS = PODS / ((performance.now() - t0) / 1000);
  await applying;
  await pool(idx, CONCURRENCY, async (i) => { await del(i, 'c'); });
  stop();
  await node.stopAgent();
  return { p50: median(lat), p99: pct(lat, 99), seqPodsPerS, parPodsPerS, vethP50: median(vethSeq), policyP50: median(policySeq), policyP99: pct(policySeq, 99) };
}

async function ptp(lab: Lab, host: string, run: number): Promise<{ p50: number; p99: number; seqPodsPerS: number }> {
  const conf = JSON.stringify({
    cniVersion: '1.0.0', name: 'ptp-net', type: 'ptp', ipMasq: false,
    ipam: { type: 'host-local', ranges: [[{ subnet: `100.${65 + run}.0.0/16` }]], routes: [{ dst: '100.64.0.0/10' }], dataDir: join(lab.dir, `host-local${run}`) },
  });
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < PODS; i++) {
    const t = performance.now();
    const r = await invokePlugin('/usr/lib/cni/ptp', conf, { cniPath: ['/usr/lib/cni'], command: 'ADD', containerId: `p-${run}-${i}`, netns: `/var/run/netns/${lab.prefix}s${i}`, ifname: 'eth1', wrap: ['ip', 'netns', 'exec', host] });
    if (r.code !== 0) throw new Error(`ptp ADD ${i}: ${r.stdout} ${r.stderr}`);
    lat.push(performance.now() - t);
  }
  const seqPodsPerS = PODS / ((performance.now() - t0) / 1000);
  for (let i = 0; i < PODS; i++) {
    await invokePlugin('/usr/lib/cni/ptp', conf, { cniPath: ['/usr/lib/cni'], command: 'DEL', containerId: `p-${run}-${i}`, netns: `/var/run/netns/${lab.prefix}s${i}`, ifname: 'eth1', wrap: ['ip', 'netns', 'exec', host] });
  }
  return { p50: median(lat), p99: pct(lat, 99), seqPodsPerS };
}

const lab = Lab.create('cnibench');
try {
  const host = await lab.namespace('node');
  await lab.exec(host, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  for (let i = 0; i < PODS; i++) { await lab.namespace(`s${i}`); await lab.namespace(`c${i}`); }
  const binDir = join(lab.dir, 'bin');
  mkdirSync(binDir);
  const plugin = buildCniPlugin(join(binDir, 'l3mesh')) as string;
  const o: RunFigures[] = [], p: { p50: number; p99: number; seqPodsPerS: number }[] = [];
  for (let r = 0; r < RUNS; r++) {
    o.push(await ours(lab, host, plugin, binDir, r));
    p.push(await ptp(lab, host, r));
  }
  const m = (xs: number[]): number => Math.round(median(xs) * 100) / 100;
  const f = {
    bench: 'cni', pods: PODS, runs: RUNS,
    add_p50_ms: m(o.map((x) => x.p50)), add_p99_ms: m(o.map((x) => x.p99)),
    pods_per_s: m(o.map((x) => x.seqPodsPerS)), pods_per_s_concurrent8: m(o.map((x) => x.parPodsPerS)),
    veth_p50_ms: m(o.map((x) => x.vethP50)), add_to_policy_p50_ms: m(o.map((x) => x.policyP50)), add_to_policy_p99_ms: m(o.map((x) => x.policyP99)),
    ptp_add_p50_ms: m(p.map((x) => x.p50)), ptp_add_p99_ms: m(p.map((x) => x.p99)), ptp_pods_per_s: m(p.map((x) => x.seqPodsPerS)),
  };
  const ratio = (a: number, b: number): string => (b ? (a / b).toFixed(2) : '-');
  console.log(`CNI ADD, ${PODS} pods on one node, median of ${RUNS} runs`);
  console.log('| measure | l3mesh (plugin + agent) | ptp + host-local | ratio |');
  console.log('|---|---|---|---|');
  console.log(`| ADD p50 (ms) | ${f.add_p50_ms} | ${f.ptp_add_p50_ms} | ${ratio(f.add_p50_ms, f.ptp_add_p50_ms)} |`);
  console.log(`| ADD p99 (ms) | ${f.add_p99_ms} | ${f.ptp_add_p99_ms} | ${ratio(f.add_p99_ms, f.ptp_add_p99_ms)} |`);
  console.log(`| pods/s, one at a time | ${f.pods_per_s} | ${f.ptp_pods_per_s} | ${ratio(f.pods_per_s, f.ptp_pods_per_s)} |`);
  console.log(`| pods/s, ${CONCURRENCY} in flight | ${f.pods_per_s_concurrent8} | - | - |`);
  console.log(`| veth step p50 (ms, iproute2) | ${f.veth_p50_ms} | - | - |`);
  console.log(`| ADD start → policy programmed p50 / p99 (ms) | ${f.add_to_policy_p50_ms} / ${f.add_to_policy_p99_ms} | - | - |`);
  console.log(JSON.stringify(f));
} finally {
  lab.teardown();
}
