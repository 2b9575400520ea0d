// A cluster of nodes in network namespaces for tests and benchmarks: each
// node runs our bgpd and our agent, all on one underlay LAN
// (198.18.10.0/24), sharing one embedded-mode datastore file that the caller
// edits (resources in, writeCluster() out). Pods are namespaces with a veth
// named as the CNI plugin names it (host side in the node), an address from
// 100.64.0.0/10, `169.254.1.1 dev eth0 scope link` and a route to
// 100.64.0.0/10 via it (never a default route: test rule); each node answers
// ARP for 169.254.1.1 by proxy ARP, routing that address out of a spare veth.

import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { connectApi, type ApiClient } from '../../bgp/index.js';
import { workloadInterfaceName } from '../../agent/dataplane/constants.js';
import { buildLan, type Lab, type LabProcess } from '../netns/index.js';

export const ROOT = new URL('../..', import.meta.url).pathname;
export const AS = 64512;

export interface NodeDef { name: string; ip: string; block: string; ip6: string; block6: string }
export interface PodDef { node: string; ns: string; name: string; ip: string; labels: Record<string, string>; ip6?: string }

/** The host side of every pod veth (MAC ee:ee:ee:ee:ee:ee) has this link-local address: the pods' IPv6 gateway. */
export const HOST_LL = 'fe80::ecee:eeff:feee:eeee';
export type Res = Record<string, unknown>;

export const nodeDefs = (n: number): NodeDef[] =>
  Array.from({ length: n }, (_, i) => ({
    name: `n${i + 1}`, ip: `198.18.10.${i + 1}`, block: `100.64.${i + 1}.0/26`, ip6: `2001:db8:10::${i + 1}`, block6: `2001:db8:100:${i + 1}::/122`,
  }));

const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, ...extra });

export function wep(p: PodDef): Res {
  return {
    apiVersion: 'l3mesh.io/v1', kind: 'WorkloadEndpoint', metadata: meta(`${p.node}-k8s-${p.name}-eth0`, { namespace: p.ns, labels: p.labels }),
    spec: {
      node: p.node, pod: p.name, interfaceName: workloadInterfaceName(p.ns, p.name), ipNetworks: [`${p.ip}/32`, ...(p.ip6 ? [`${p.ip6}/128`] : [])],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    },
  };
}

/** Cluster resources; `pool` replaces the default pool; `staticBlocks: false` leaves block claims to IPAM. */
export function clusterResources(nodes: NodeDef[], namespaces: string[], o: { pool?: { cidr: string; blockSize: number }; staticBlocks?: boolean } = {}): Res[] {
  return [
    { apiVersion: 'l3mesh.io/v1', kind: 'BGPConfiguration', metadata: meta('default'), spec: { asNumber: AS, nodeToNodeMeshEnabled: true } },
    { apiVersion: 'l3mesh.io/v1', kind: 'IPPool', metadata: meta('pods'), spec: o.pool ?? { cidr: '100.64.0.0/16', blockSize: 26 } },
    { apiVersion: 'l3mesh.io/v1', kind: 'IPPool', metadata: meta('pods-v6'), spec: { cidr: '2001:db8:100::/48', blockSize: 122 } },
    ...namespaces.map((n) => ({ apiVersion: 'l3mesh.io/v1', kind: 'Namespace', metadata: meta(n, { labels: { name: n } }), spec: {} })),
    ...nodes.map((n) => ({ apiVersion: 'l3mesh.io/v1', kind: 'Node', metadata: meta(n.name), spec: { bgp: { ipv4Address: `${n.ip}/24`, ipv6Address: `${n.ip6}/64` } } })),
    ...(o.staticBlocks === false ? [] : nodes).map((n) => ({
      apiVersion: 'l3mesh.io/v1', kind: 'IPAMBlock', metadata: meta(n.block.replace('/', '-')),
      spec: { cidr: n.block, affinity: `host:${n.name}`, allocations: Array(64).fill(null), unallocated: [...Array(64).keys()], attributes: [] },
    })),
    ...(o.staticBlocks === false ? [] : nodes).map((n) => ({
      apiVersion: 'l3mesh.io/v1', kind: 'IPAMBlock', metadata: meta(n.block6.replace(/[/:]/g, '-')),
      spec: { cidr: n.block6, affinity: `host:${n.name}`, allocations: Array(64).fill(null), unallocated: [...Array(64).keys()], attributes: [] },
    })),
  ];
}

export class NodeLab {
  readonly nodeNs = new Map<string, string>();
  readonly podNs = new Map<string, string>();
  readonly agents = new Map<string, LabProcess>();
  readonly apis = new Map<string, ApiClient>();
  readonly clusterFile: string;
  resources: Res[] = [];

  constructor(readonly lab: Lab, readonly nodes: NodeDef[]) {
    this.clusterFile = join(lab.dir, 'cluster.yaml');
  }

  /** Namespaces, LAN and the proxy-ARP helper of every node. */
  async buildNodes(): Promise<void> {
    for (const n of this.nodes) this.nodeNs.set(n.name, await this.lab.namespace(n.name));
    await buildLan(this.lab, 'sw', this.nodes.map((n) => ({ ns: this.nodeNs.get(n.name)!, addresses: [`${n.ip}/24`, `${n.ip6}/64`] })));
    for (const n of this.nodes) {
      await this.lab.exec(this.nodeNs.get(n.name)!, ['ip', '-batch', '-'], { input: 'link add gw0 type veth peer name gw1\nlink set gw0 up\nlink set gw1 up\nroute add 169.254.1.1/32 dev gw0\n' });
    }
  }

  async addPod(p: PodDef): Promise<string> {
    const ns = await this.lab.namespace(`p-${p.name}`);
    this.podNs.set(p.name, ns);
    const cali = workloadInterfaceName(p.ns, p.name);
    await this.lab.veth({ ns: this.nodeNs.get(p.node)!, ifname: cali, mac: 'ee:ee:ee:ee:ee:ee' }, { ns, ifname: 'eth0' });
    const v6 = p.ip6 ? `addr add ${p.ip6}/128 dev eth0 nodad\nroute add 2001:db8:100::/48 via ${HOST_LL} dev eth0\n` : '';
    await this.lab.exec(ns, ['ip', '-batch', '-'], { input: `addr add ${p.ip}/32 dev eth0\nroute add 169.254.1.1 dev eth0 scope link\nroute add 100.64.0.0/10 via 169.254.1.1 dev eth0\n${v6}` });
    return ns;
  }

  /** Writes the datastore file atomically (temp file + rename), as editors and the agent do. */
  writeCluster(): void {
    const tmp = `${this.clusterFile}.tmp`;
    writeFileSync(tmp, this.resources.map((r) => `---\n${stringify(r)}`).join(''));
    renameSync(tmp, this.clusterFile);
  }

  /** The agent's CNI socket on `node` (when started with cni). */
  cniSocket(node: string): string {
    return join(this.lab.dir, `${node}-cni.sock`);
  }

  /** bgpd and agent on every node (writeCluster first); `cni`: the agents serve the CNI plugin's API. */
  async startDaemons(o: { cni?: boolean } = {}): Promise<void> {
    for (const n of this.nodes) {
      const sock = join(this.lab.dir, `${n.name}-bgpd.sock`);
      writeFileSync(join(this.lab.dir, `${n.name}-bgpd.yaml`), stringify({
        routerId: n.ip, asn: AS, listen: [{ address: n.ip, port: 179 }], multipath: true, api: { socket: sock }, peers: [],
      }));
      writeFileSync(join(this.lab.dir, `${n.name}-agent.yaml`), stringify({
        nodeName: n.name, datastore: this.clusterFile, speaker: sock, http: '127.0.0.1:9099', routeGraceSeconds: 1,
        ...(o.cni ? { cni: this.cniSocket(n.name) } : {}),
      }));
      await this.lab.spawn(this.nodeNs.get(n.name)!, `bgpd-${n.name}`, ['node', join(ROOT, 'bin/bgpd.js'), '--config', join(this.lab.dir, `${n.name}-bgpd.yaml`)], { cwd: ROOT });
      await this.startAgent(n.name);
      this.apis.set(n.name, connectApi(sock));
    }
  }

  async startAgent(node: string): Promise<LabProcess> {
    const p = await this.lab.spawn(this.nodeNs.get(node)!, `agent-${node}`, ['node', join(ROOT, 'bin/agent.js'), '--config', join(this.lab.dir, `${node}-agent.yaml`)], { cwd: ROOT });
    this.agents.set(node, p);
    return p;
  }

  async routesOf(node: string, family: 4 | 6 = 4): Promise<{ dst: string; dev?: string; gateway?: string; type?: string }[]> {
    return JSON.parse(await this.lab.exec(this.nodeNs.get(node)!, ['ip', `-${family}`, '-j', 'route', 'show', 'proto', '201'])) as never;
  }

  diagnose = (): string => [...this.agents.values()].map((a) => a.logTail(15)).join('\n');

  close(): void {
    for (const a of this.apis.values()) a.close();
  }
}
