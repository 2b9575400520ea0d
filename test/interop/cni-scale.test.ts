// IPAM and the CNI plugin at scale, across two nodes that share one pool
// (issue "IPAM and the CNI plugin"): two nodes, each with bgpd and an agent
// serving the CNI API, one datastore file; 200 pods ADDed concurrently (100
// per node, 8 in flight per node) exactly as a runtime does (the plugin binary,
// CNI_* environment, config on stdin):
//   - no address is handed out twice; each node claimed blocks of its own as
//     they filled (block size 28: 16 addresses);
//   - every pod is reachable from a pod on the other node;
//   - more pods on one node until the pool is exhausted: the node borrows
//     from the other node's blocks (announced as /32s), then the plugin
//     returns a clear CNI error and nothing is left half-created.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCniPlugin } from '../../cni/build.mjs';
import { invokePlugin, type PluginRun } from '../../agent/cni/testing/runtime.js';
import { Lab, waitUntil } from '../netns/index.js';
import { NodeLab, clusterResources, nodeDefs } from '../cluster/node-lab.js';

const POOL = { cidr: '100.64.0.0/24', blockSize: 28 };
const PER_NODE = 100;
const IN_FLIGHT = 8;

let lab: Lab;
let c: NodeLab;
let binDir: string;
const podNetns = new Map<string, string>();
const ips = new Map<string, string>();

function netConf(node: string): string {
  return JSON.stringify({
    cniVersion: '1.0.0', name: 'l3mesh', type: 'l3mesh', agent_socket: c.cniSocket(node),
    // never a default route in a test namespace
    routes: [{ dst: '100.64.0.0/10' }],
  });
}

async function add(node: string, pod: string): Promise<PluginRun> {
  const ns = await lab.namespace(`p-${pod}`);
  podNetns.set(pod, ns);
  return invokePlugin(join(binDir, 'l3mesh'), netConf(node), {
    cniPath: [binDir], command: 'ADD', containerId: `ctr-${pod}`, netns: `/var/run/netns/${ns}`, ifname: 'eth0',
    args: `K8S_POD_NAMESPACE=scale;K8S_POD_NAME=${pod}`, wrap: ['ip', 'netns', 'exec', c.nodeNs.get(node)!],
  });
}

async function addMany(node: string, pods: string[]): Promise<PluginRun[]> {
  const out: PluginRun[] = new Array(pods.length);
  let next = 0;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < pods.length) {
      const i = next++;
      out[i] = await add(node, pods[i]!);
    }
  }));
  return out;
}

const ipOf = (r: PluginRun) => ((r.json?.ips as { address: string }[] | undefined)?.[0]?.address ?? '').split('/')[0]!;

async function ping(fromPod: string, ip: string): Promise<boolean> {
  try {
    await lab.exec(podNetns.get(fromPod)!, ['ping', '-c', '1', '-W', '1', ip], { timeoutMs: 5000 });
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  lab = Lab.create('cniscale');
  binDir = join(lab.dir, 'bin');
  mkdirSync(binDir, { recursive: true });
  buildCniPlugin(join(binDir, 'l3mesh'));
  c = new NodeLab(lab, nodeDefs(2));
  await c.buildNodes();
  c.resources = clusterResources(c.nodes, ['scale'], { pool: POOL, staticBlocks: false });
  c.writeCluster();
  await c.startDaemons({ cni: true });
  for (const n of c.nodes) {
    await waitUntil(`${n.name} ready`, () => lab.exec(c.nodeNs.get(n.name)!, ['node', '-e', "fetch('http://127.0.0.1:9099/readiness').then((r) => console.log(r.status), () => console.log(0))"]).then((o) => o.trim(), () => ''),
      (s) => s === '200', { timeoutMs: 60_000, diagnose: c.diagnose });
  }
}, 240_000);

afterAll(async () => {
  c?.close();
  await lab?.close();
});

describe('CNI + IPAM: 200 concurrent pods on two nodes sharing one pool', () => {
  it('no duplicate address, blocks claimed as they fill, every pod reachable across nodes', async () => {
    const pods1 = Array.from({ length: PER_NODE }, (_, i) => `a${i}`);
    const pods2 = Array.from({ length: PER_NODE }, (_, i) => `b${i}`);
    const [r1, r2] = await Promise.all([addMany('n1', pods1), addMany('n2', pods2)]);
    const failed = [...r1, ...r2].filter((r) => r.code !== 0).map((r) => r.stdout.slice(0, 200));
    expect(failed).toEqual([]);
    pods1.forEach((p, i) => ips.set(p, ipOf(r1[i]!)));
    pods2.forEach((p, i) => ips.set(p, ipOf(r2[i]!)));
    const all = [...ips.values()];
    expect(new Set(all).size).toBe(200);
    expect(all.every((ip) => ip.startsWith('100.64.0.'))).toBe(true);
    const blocks = (await c.routesOf('n1')).filter((r) => r.type === 'blackhole');
    expect(blocks.length).toBeGreaterThanOrEqual(Math.ceil(PER_NODE / 16));
    // every pod of each node, from a pod on the other node (block routes learned over BGP)
    await waitUntil('n2 has n1\'s blocks', () => c.routesOf('n2'), (rs) => blocks.every((b) => rs.some((r) => r.dst === b.dst && r.gateway === '198.18.10.1')), { timeoutMs: 30_000, diagnose: c.diagnose });
    const unreachable: string[] = [];
    for (const p of pods2) if (!(await ping('a0', ips.get(p)!))) unreachable.push(`a0→${p}`);
    for (const p of pods1) if (!(await ping('b0', ips.get(p)!))) unreachable.push(`b0→${p}`);
    expect(unreachable).toEqual([]);
  }, 300_000);

  it('pool exhausted: borrowing from the other node\'s blocks (a /32 announced), then a clear CNI error', async () => {
    const more = Array.from({ length: 60 }, (_, i) => `x${i}`);
    const runs: PluginRun[] = [];
    for (const p of more) runs.push(await add('n1', p));
    const ok = runs.filter((r) => r.code === 0);
    const errors = runs.filter((r) => r.code !== 0);
    expect(ok.length).toBe(256 - 200);
    expect(errors.length).toBeGreaterThan(0);
    const err = JSON.parse(errors[0]!.stdout) as { code: number; msg: string };
    expect(err.msg).toMatch(/no free IPv4 address/);
    // a borrowed address: inside one of n2's blocks, announced by n1 as a /32 and routed at n2 via n1
    const n2Blocks = (await c.routesOf('n2')).filter((r) => r.type === 'blackhole').map((r) => r.dst);
    const inBlock = (ip: string, cidr: string) => {
      const [base, len] = cidr.split('/');
      const n = (x: string) => x.split('.').reduce((a, o) => a * 256 + Number(o), 0);
      return n(ip) >>> (32 - Number(len)) === n(base!) >>> (32 - Number(len));
    };
    const borrowed = ok.map(ipOf).find((ip) => n2Blocks.some((b) => inBlock(ip, b)));
    expect(borrowed, 'n1 borrowed an address from a block of n2').toBeDefined();
    await waitUntil(`n2 routes ${borrowed} via n1`, () => c.routesOf('n2'), (rs) => rs.some((r) => r.dst === borrowed && r.gateway === '198.18.10.1'), { timeoutMs: 20_000, diagnose: c.diagnose });
    // nothing half-created for the failed pods: no interface left in the failed pods' namespaces
    const failedPod = more[runs.indexOf(errors[0]!)]!;
    const links = await lab.exec(podNetns.get(failedPod)!, ['ip', '-o', 'link', 'show']);
    expect(links).not.toMatch(/eth0/);
  }, 300_000);
});
