// Three nodes, each running our bgpd and our agent, in network namespaces on
// one underlay LAN (198.18.10.0/24), sharing one embedded-mode datastore
// file. Two pods per node (namespaces + veths named as the CNI plugin names
// them; one pod on n3 holds an address borrowed from n1's block):
//   - the mesh comes up (only one side dials), the agents originate their
//     blocks and the borrowed /32, and install /32s, blackholes and `via`
//     routes with our protocol number;
//   - every pod reaches every other pod; the receiver sees the sender's pod
//     IP (no NAT); traceroute shows node hops only (no tunnel);
//   - a NetworkPolicy denies then allows, end to end;
//   - kill -9 of an agent, then restart: it converges, no duplicated or leaked
//     routes, and a foreign route survives untouched;
//   - deleting a pod's endpoint removes its route everywhere.
// Pods get `169.254.1.1 dev eth0 scope link` and a route to 100.64.0.0/10 via
// it (never a default route: test rule); the node answers ARP for 169.254.1.1
// by proxy ARP, routing that address out of a spare veth (gw0).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { connectApi, type ApiClient } from '../../bgp/index.js';
import { workloadInterfaceName } from '../../agent/dataplane/constants.js';
import { buildLan, Lab, waitUntil, type LabProcess } from '../netns/index.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const NODES = [1, 2, 3].map((i) => ({ name: `n${i}`, ip: `198.18.10.${i}`, block: `100.64.${i}.0/26` }));
interface PodDef { node: string; ns: string; name: string; ip: string; labels: Record<string, string> }
const PODS: PodDef[] = [
  { node: 'n1', ns: 'web', name: 'w1', ip: '100.64.1.2', labels: { app: 'web' } },
  { node: 'n1', ns: 'db', name: 'd1', ip: '100.64.1.3', labels: { app: 'db' } },
  { node: 'n2', ns: 'web', name: 'w2', ip: '100.64.2.2', labels: { app: 'web' } },
  { node: 'n2', ns: 'db', name: 'd2', ip: '100.64.2.3', labels: { app: 'db' } },
  { node: 'n3', ns: 'web', name: 'w3', ip: '100.64.3.2', labels: { app: 'web' } },
  // borrowed from n1's block
  { node: 'n3', ns: 'other', name: 'o3', ip: '100.64.1.10', labels: { app: 'other' } },
];

let lab: Lab;
const nodeNs = new Map<string, string>();
const podNs = new Map<string, string>();
const agents = new Map<string, LabProcess>();
const apis = new Map<string, ApiClient>();
let clusterFile: string;
let resources: Record<string, unknown>[] = [];

const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, ...extra });
function baseResources(): Record<string, unknown>[] {
  return [
    { apiVersion: 'l3mesh.io/v1', kind: 'BGPConfiguration', metadata: meta('default'), spec: { asNumber: 64512, nodeToNodeMeshEnabled: true } },
    { apiVersion: 'l3mesh.io/v1', kind: 'IPPool', metadata: meta('pods'), spec: { cidr: '100.64.0.0/16', blockSize: 26 } },
    ...['web', 'db', 'other'].map((n) => ({ apiVersion: 'l3mesh.io/v1', kind: 'Namespace', metadata: meta(n, { labels: { name: n } }), spec: {} })),
    ...NODES.map((n) => ({ apiVersion: 'l3mesh.io/v1', kind: 'Node', metadata: meta(n.name), spec: { bgp: { ipv4Address: `${n.ip}/24` } } })),
    ...NODES.map((n) => ({
      apiVersion: 'l3mesh.io/v1', kind: 'IPAMBlock', metadata: meta(n.block.replace('/', '-')),
      spec: { cidr: n.block, affinity: `host:${n.name}`, allocations: Array(64).fill(null), unallocated: [...Array(64).keys()], attributes: [] },
    })),
    ...PODS.map(wep),
  ];
}

function wep(p: PodDef): Record<string, unknown> {
  return {
    apiVersion: 'l3mesh.io/v1', kind: 'WorkloadEndpoint', metadata: meta(`${p.node}-k8s-${p.name}-eth0`, { namespace: p.ns, labels: p.labels }),
    spec: { node: p.node, pod: p.name, interfaceName: workloadInterfaceName(p.ns, p.name), ipNetworks: [`${p.ip}/32`], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] },
  };
}

function writeCluster(): void {
  writeFileSync(clusterFile, resources.map((r) => `---\n${stringify(r)}`).join(''));
}

async function startAgent(node: string): Promise<LabProcess> {
  const p = await lab.spawn(nodeNs.get(node)!, `agent-${node}`, ['node', join(ROOT, 'bin/agent.js'), '--config', join(lab.dir, `${node}-agent.yaml`)], { cwd: ROOT });
  agents.set(node, p);
  return p;
}

const routesOf = async (node: string): Promise<{ dst: string; dev?: string; gateway?: string; type?: string; nexthops?: { gateway: string }[] }[]> =>
  JSON.parse(await lab.exec(nodeNs.get(node)!, ['ip', '-j', 'route', 'show', 'proto', '201'])) as never;

async function canReach(from: PodDef, to: PodDef): Promise<boolean> {
  try {
    await lab.exec(podNs.get(from.name)!, ['ping', '-c', '1', '-W', '1', to.ip], { timeoutMs: 5000 });
    return true;
  } catch {
    return false;
  }
}

const diagnose = () => [...agents.values()].map((a) => a.logTail(15)).join('\n');

beforeAll(async () => {
  lab = Lab.create('cluster');
  clusterFile = join(lab.dir, 'cluster.yaml');
  for (const n of NODES) nodeNs.set(n.name, await lab.namespace(n.name));
  await buildLan(lab, 'sw', NODES.map((n) => ({ ns: nodeNs.get(n.name)!, addresses: [`${n.ip}/24`] })));
  for (const n of NODES) {
    const ns = nodeNs.get(n.name)!;
    // proxy ARP needs a route for 169.254.1.1 out of another interface
    await lab.exec(ns, ['ip', '-batch', '-'], { input: 'link add gw0 type veth peer name gw1\nlink set gw0 up\nlink set gw1 up\nroute add 169.254.1.1/32 dev gw0\n' });
  }
  for (const p of PODS) {
    const ns = await lab.namespace(`p-${p.name}`);
    podNs.set(p.name, ns);
    const cali = workloadInterfaceName(p.ns, p.name);
    await lab.veth({ ns: nodeNs.get(p.node)!, ifname: cali, mac: 'ee:ee:ee:ee:ee:ee' }, { ns, ifname: 'eth0' });
    await lab.exec(ns, ['ip', '-batch', '-'], { input: `addr add ${p.ip}/32 dev eth0\nroute add 169.254.1.1 dev eth0 scope link\nroute add 100.64.0.0/10 via 169.254.1.1 dev eth0\n` });
  }
  resources = baseResources();
  writeCluster();
  for (const n of NODES) {
    const ns = nodeNs.get(n.name)!;
    const sock = join(lab.dir, `${n.name}-bgpd.sock`);
    writeFileSync(join(lab.dir, `${n.name}-bgpd.yaml`), stringify({
      routerId: n.ip, asn: 64512, listen: [{ address: n.ip, port: 179 }], multipath: true, api: { socket: sock }, peers: [],
    }));
    writeFileSync(join(lab.dir, `${n.name}-agent.yaml`), stringify({
      nodeName: n.name, datastore: clusterFile, speaker: sock, http: '127.0.0.1:9099', routeGraceSeconds: 1,
    }));
    await lab.spawn(ns, `bgpd-${n.name}`, ['node', join(ROOT, 'bin/bgpd.js'), '--config', join(lab.dir, `${n.name}-bgpd.yaml`)], { cwd: ROOT });
    await startAgent(n.name);
    apis.set(n.name, connectApi(sock));
  }
}, 180_000);

afterAll(async () => {
  for (const a of apis.values()) a.close();
  await lab?.close();
});

describe('three nodes: agents and speakers', () => {
  it('the mesh comes up and every node holds the expected routes', async () => {
    for (const n of NODES) {
      await waitUntil(`${n.name}: mesh Established`, async () => (await apis.get(n.name)!.call('listPeers', {})).peers,
        (ps) => ps.length === 2 && ps.every((p) => p.state?.sessionState === 6), { timeoutMs: 60_000, diagnose });
    }
    // n1: its pods as /32 dev cali…, its block as blackhole, the other blocks via their nodes, o3's borrowed IP via n3
    const want = (node: string) => (rs: Awaited<ReturnType<typeof routesOf>>) => {
      const by = new Map(rs.map((r) => [r.dst, r]));
      for (const p of PODS) {
        if (p.node === node) { if (by.get(p.ip)?.dev !== workloadInterfaceName(p.ns, p.name)) return false; }
        else if (!by.has(p.ip) && !NODES.some((n) => n.name !== node && by.get(n.block)?.gateway)) return false;
      }
      for (const n of NODES) {
        const r = by.get(n.block);
        if (n.name === node ? r?.type !== 'blackhole' : r?.gateway !== n.ip) return false;
      }
      return node === 'n3' || by.get('100.64.1.10')?.gateway === '198.18.10.3';
    };
    for (const n of NODES) await waitUntil(`${n.name}: routes`, () => routesOf(n.name), want(n.name), { timeoutMs: 30_000, diagnose });
  });

  it('every pod reaches every other pod; the receiver sees the sender\'s pod IP; only node hops', async () => {
    const pairs = PODS.flatMap((a) => PODS.filter((b) => b !== a).map((b) => [a, b] as const));
    const results = await Promise.all(pairs.map(async ([a, b]) => [`${a.name}→${b.name}`, await canReach(a, b)] as const));
    expect(results.filter(([, ok]) => !ok).map(([k]) => k)).toEqual([]);
    // no NAT: a TCP server in d2 reports the peer address it sees
    const d2 = PODS.find((p) => p.name === 'd2')!;
    const w1 = PODS.find((p) => p.name === 'w1')!;
    const srv = await lab.spawn(podNs.get('d2')!, 'echo-peer', ['node', '-e', "require('net').createServer((s) => s.end(s.remoteAddress + '\\n')).listen(8080, '0.0.0.0')"]);
    const seen = await waitUntil('peer address from d2', () => lab.exec(podNs.get('w1')!, ['node', '-e',
      `const s = require('net').connect(8080, '${d2.ip}'); let b = ''; s.on('data', (d) => (b += d)); s.on('end', () => console.log(b.trim())); s.on('error', () => console.log('error'))`]),
    (out) => out.trim() !== 'error' && out.trim() !== '', { timeoutMs: 10_000 });
    expect(seen.trim()).toBe(w1.ip);
    await srv.stop();
    const hops = await lab.exec(podNs.get('w1')!, ['traceroute', '-n', '-q', '1', '-w', '1', '-m', '5', d2.ip], { timeoutMs: 20_000 });
    const addrs = hops.split('\n').slice(1).map((l) => l.trim().split(/\s+/)[1]).filter(Boolean);
    expect(addrs).toEqual(['198.18.10.1', '198.18.10.2', d2.ip]);
  });

  it('a NetworkPolicy denies and allows end to end', async () => {
    const w1 = PODS.find((p) => p.name === 'w1')!, d2 = PODS.find((p) => p.name === 'd2')!, w3 = PODS.find((p) => p.name === 'w3')!;
    resources.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta('db-deny', { namespace: 'db' }), spec: { podSelector: {}, policyTypes: ['Ingress'] } });
    writeCluster();
    await waitUntil('w1 → d2 denied', () => canReach(w1, d2), (ok) => !ok, { timeoutMs: 20_000, diagnose });
    resources.push({
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta('db-from-w1', { namespace: 'db' }),
      spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { name: 'web' } }, podSelector: { matchLabels: { app: 'web' } } }] }] },
    });
    writeCluster();
    await waitUntil('w1 → d2 allowed', () => canReach(w1, d2), (ok) => ok, { timeoutMs: 20_000, diagnose });
    expect(await canReach(w3, d2)).toBe(true);
    expect(await canReach(PODS.find((p) => p.name === 'o3')!, d2)).toBe(false);
    resources = resources.filter((r) => r.kind !== 'NetworkPolicy');
    writeCluster();
    await waitUntil('o3 → d2 allowed again', () => canReach(PODS.find((p) => p.name === 'o3')!, d2), (ok) => ok, { timeoutMs: 20_000, diagnose });
  });

  it('kill -9 of an agent and a restart: converges, no duplicate or leaked route, a foreign route survives', async () => {
    const ns = nodeNs.get('n1')!;
    await lab.exec(ns, ['ip', 'route', 'add', '100.64.99.0/24', 'via', '198.18.10.3', 'proto', 'static']);
    const before = (await routesOf('n1')).map((r) => r.dst).sort();
    const a = agents.get('n1')!;
    process.kill(a.pid, 'SIGKILL');
    await waitUntil('agent n1 dead', () => !a.alive());
    await startAgent('n1');
    await waitUntil('agent n1 ready', () => lab.exec(ns, ['node', '-e', "fetch('http://127.0.0.1:9099/readiness').then((r) => console.log(r.status), () => console.log(0))"]).then((o) => o.trim(), () => ''), (c) => c === '200', { timeoutMs: 30_000, diagnose });
    const after = (await routesOf('n1')).map((r) => r.dst).sort();
    expect(after).toEqual(before);
    expect(new Set(after).size).toBe(after.length);
    const foreign = JSON.parse(await lab.exec(ns, ['ip', '-j', 'route', 'show', '100.64.99.0/24'])) as { protocol: string }[];
    expect(foreign.map((r) => r.protocol)).toEqual(['static']);
    expect(await canReach(PODS[0]!, PODS[2]!)).toBe(true);
  });

  it('deleting a pod\'s endpoint removes its routes on every node', async () => {
    const o3 = PODS.find((p) => p.name === 'o3')!;
    resources = resources.filter((r) => !(r.kind === 'WorkloadEndpoint' && (r.metadata as { name: string }).name === `n3-k8s-${o3.name}-eth0`));
    writeCluster();
    for (const n of NODES) await waitUntil(`${n.name}: ${o3.ip} gone`, () => routesOf(n.name), (rs) => !rs.some((r) => r.dst === o3.ip), { timeoutMs: 20_000, diagnose });
  });
});
