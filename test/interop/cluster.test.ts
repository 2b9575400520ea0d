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

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workloadInterfaceName } from '../../agent/dataplane/constants.js';
import { Lab, waitUntil } from '../netns/index.js';
import { NodeLab, clusterResources, nodeDefs, wep, type PodDef } from '../cluster/node-lab.js';

const NODES = nodeDefs(3);
const PODS: PodDef[] = [
  { node: 'n1', ns: 'web', name: 'w1', ip: '100.64.1.2', ip6: '2001:db8:100:1::2', labels: { app: 'web' } },
  { node: 'n1', ns: 'db', name: 'd1', ip: '100.64.1.3', ip6: '2001:db8:100:1::3', labels: { app: 'db' } },
  { node: 'n2', ns: 'web', name: 'w2', ip: '100.64.2.2', ip6: '2001:db8:100:2::2', labels: { app: 'web' } },
  { node: 'n2', ns: 'db', name: 'd2', ip: '100.64.2.3', ip6: '2001:db8:100:2::3', labels: { app: 'db' } },
  { node: 'n3', ns: 'web', name: 'w3', ip: '100.64.3.2', ip6: '2001:db8:100:3::2', labels: { app: 'web' } },
  // borrowed from n1's blocks
  { node: 'n3', ns: 'other', name: 'o3', ip: '100.64.1.10', ip6: '2001:db8:100:1::10', labels: { app: 'other' } },
];

let lab: Lab;
let c: NodeLab;
const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, ...extra });
const routesOf = (node: string) => c.routesOf(node);
const diagnose = () => c.diagnose();

async function canReach(from: PodDef, to: PodDef, v6 = false): Promise<boolean> {
  try {
    await lab.exec(c.podNs.get(from.name)!, ['ping', '-c', '1', '-W', '1', v6 ? to.ip6! : to.ip], { timeoutMs: 5000 });
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  lab = Lab.create('cluster');
  c = new NodeLab(lab, NODES);
  await c.buildNodes();
  for (const p of PODS) await c.addPod(p);
  c.resources = [...clusterResources(NODES, ['web', 'db', 'other']), ...PODS.map(wep)];
  c.writeCluster();
  await c.startDaemons();
}, 180_000);

afterAll(async () => {
  c?.close();
  await lab?.close();
});

describe('three nodes: agents and speakers', () => {
  it('the mesh comes up and every node holds the expected routes', async () => {
    for (const n of NODES) {
      await waitUntil(`${n.name}: mesh Established`, async () => (await c.apis.get(n.name)!.call('listPeers', {})).peers,
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
    const srv = await lab.spawn(c.podNs.get('d2')!, 'echo-peer', ['node', '-e', "require('net').createServer((s) => s.end(s.remoteAddress + '\\n')).listen(8080, '0.0.0.0')"]);
    const seen = await waitUntil('peer address from d2', () => lab.exec(c.podNs.get('w1')!, ['node', '-e',
      `const s = require('net').connect(8080, '${d2.ip}'); let b = ''; s.on('data', (d) => (b += d)); s.on('end', () => console.log(b.trim())); s.on('error', () => console.log('error'))`]),
    (out) => out.trim() !== 'error' && out.trim() !== '', { timeoutMs: 10_000 });
    expect(seen.trim()).toBe(w1.ip);
    await srv.stop();
    const hops = await lab.exec(c.podNs.get('w1')!, ['traceroute', '-n', '-q', '1', '-w', '1', '-m', '5', d2.ip], { timeoutMs: 20_000 });
    const addrs = hops.split('\n').slice(1).map((l) => l.trim().split(/\s+/)[1]).filter(Boolean);
    expect(addrs).toEqual(['198.18.10.1', '198.18.10.2', d2.ip]);
  });

  it('IPv6 alongside: /128s, v6 blocks as blackholes and via routes over MP-BGP, every pod reaches every other over IPv6', async () => {
    for (const n of NODES) {
      await waitUntil(`${n.name}: IPv6 routes`, () => c.routesOf(n.name, 6), (rs) => {
        const by = new Map(rs.map((r) => [r.dst, r]));
        return NODES.every((m) => (m.name === n.name ? by.get(m.block6)?.type === 'blackhole' : by.get(m.block6)?.gateway === m.ip6)) &&
          PODS.filter((p) => p.node === n.name).every((p) => by.get(p.ip6!)?.dev !== undefined) &&
          (n.name === 'n3' || by.get('2001:db8:100:1::10')?.gateway === '2001:db8:10::3');
      }, { timeoutMs: 30_000, diagnose });
    }
    const pairs = PODS.flatMap((a) => PODS.filter((b) => b !== a).map((b) => [a, b] as const));
    const results = await Promise.all(pairs.map(async ([a, b]) => [`${a.name}→${b.name}`, await canReach(a, b, true)] as const));
    expect(results.filter(([, ok]) => !ok).map(([k]) => k)).toEqual([]);
  });

  it('a NetworkPolicy denies and allows end to end', async () => {
    const w1 = PODS.find((p) => p.name === 'w1')!, d2 = PODS.find((p) => p.name === 'd2')!, w3 = PODS.find((p) => p.name === 'w3')!;
    c.resources.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta('db-deny', { namespace: 'db' }), spec: { podSelector: {}, policyTypes: ['Ingress'] } });
    c.writeCluster();
    await waitUntil('w1 → d2 denied', () => canReach(w1, d2), (ok) => !ok, { timeoutMs: 20_000, diagnose });
    c.resources.push({
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta('db-from-w1', { namespace: 'db' }),
      spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { name: 'web' } }, podSelector: { matchLabels: { app: 'web' } } }] }] },
    });
    c.writeCluster();
    await waitUntil('w1 → d2 allowed', () => canReach(w1, d2), (ok) => ok, { timeoutMs: 20_000, diagnose });
    expect(await canReach(w3, d2)).toBe(true);
    expect(await canReach(PODS.find((p) => p.name === 'o3')!, d2)).toBe(false);
    c.resources = c.resources.filter((r) => r.kind !== 'NetworkPolicy');
    c.writeCluster();
    await waitUntil('o3 → d2 allowed again', () => canReach(PODS.find((p) => p.name === 'o3')!, d2), (ok) => ok, { timeoutMs: 20_000, diagnose });
  });

  it('kill -9 of an agent and a restart: converges, no duplicate or leaked route, a foreign route survives', async () => {
    const ns = c.nodeNs.get('n1')!;
    await lab.exec(ns, ['ip', 'route', 'add', '100.64.99.0/24', 'via', '198.18.10.3', 'proto', 'static']);
    const before = (await routesOf('n1')).map((r) => r.dst).sort();
    const a = c.agents.get('n1')!;
    process.kill(a.pid, 'SIGKILL');
    await waitUntil('agent n1 dead', () => !a.alive());
    await c.startAgent('n1');
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
    c.resources = c.resources.filter((r) => !(r.kind === 'WorkloadEndpoint' && (r.metadata as { name: string }).name === `n3-k8s-${o3.name}-eth0`));
    c.writeCluster();
    for (const n of NODES) await waitUntil(`${n.name}: ${o3.ip} gone`, () => routesOf(n.name), (rs) => !rs.some((r) => r.dst === o3.ip), { timeoutMs: 20_000, diagnose });
  });
});
