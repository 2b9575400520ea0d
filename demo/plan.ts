// The demo's topology as data (pure: no I/O). One underlay LAN
// 198.18.20.0/24 (ARCHITECTURE.md "Network namespace test hosts"): nodes
// .1-.N (AS 64512), two route reflectors .101/.102 sharing cluster ID
// 198.18.20.100 (RFC 4456 §8: redundant reflectors, one cluster), and a
// top-of-rack router .254 (BIRD, AS 65100) with eBGP sessions to the
// reflectors (default) or to every node. No node-to-node mesh: every node is a
// client of both reflectors through two global BGPPeers.
// Pods come from IP pools of exactly N blocks of 4 addresses (blockSize 30),
// so that once every node has claimed its block, a node that fills its own
// block borrows single addresses from another node's block (Calico's
// strictAffinity false): the demo shows blocks as aggregates and borrowed /32s.
// Sample policy: pods in namespace "db" accept ingress only from pods
// labelled app=web in namespace "web" (TCP 8080).

export const UNDERLAY = '198.18.20';
export const NODE_AS = 64512;
export const TOR_AS = 65100;
export const TOR_IP = `${UNDERLAY}.254`;
export const CLUSTER_ID = `${UNDERLAY}.100`;
export const POD_ROUTE = '100.64.0.0/10';
export const POD_PORT = 8080;
export const BLOCK_SIZE = 30;
export const CNI_NETWORK = 'l3mesh-net';

export type TorPeering = 'rr' | 'nodes';

export interface DemoOptions {
  nodes: number;
  tor: TorPeering;
}

export interface NodePlan { name: string; ip: string }
export interface ReflectorPlan { name: string; ip: string }
export interface PodPlan {
  name: string;
  namespace: string;
  node: string;
  labels: Record<string, string>;
  /** part of the connectivity matrix (runs a TCP server on POD_PORT) */
  matrix: boolean;
  /** 1: first pod of each node; 2: second round (convergence measured); 0: filler pods that exhaust n1's block */
  round: 0 | 1 | 2;
}

export type Res = { apiVersion: string; kind: string; metadata: Record<string, unknown>; spec: Record<string, unknown> };

export const MIN_NODES = 2;
export const MAX_NODES = 16;

export function nodesOf(o: DemoOptions): NodePlan[] {
  return Array.from({ length: o.nodes }, (_, i) => ({ name: `n${i + 1}`, ip: `${UNDERLAY}.${i + 1}` }));
}

export const REFLECTORS: ReflectorPlan[] = [
  { name: 'rr1', ip: `${UNDERLAY}.101` },
  { name: 'rr2', ip: `${UNDERLAY}.102` },
];

const KINDS = [
  { namespace: 'web', app: 'web' },
  { namespace: 'db', app: 'db' },
  { namespace: 'dev', app: 'tools' },
] as const;

/**
 * Creation order: round 1 (one pod per node: every node claims its block), fillers on n1 (its block
 * fills up), round 2 (one more pod per node; n1's is borrowed from another node's block).
 */
export function podsOf(o: DemoOptions): PodPlan[] {
  const nodes = nodesOf(o);
  const count: Record<string, number> = {};
  const pod = (i: number, round: 1 | 2): PodPlan => {
    const k = KINDS[i % KINDS.length]!;
    count[k.app] = (count[k.app] ?? 0) + 1;
    return { name: `${k.app}-${count[k.app]}`, namespace: k.namespace, node: nodes[i % nodes.length]!.name, labels: { app: k.app }, matrix: true, round };
  };
  const round1 = nodes.map((_, i) => pod(i, 1));
  // n1 holds 1 pod: 3 fillers fill the rest of its 4-address block, so its round-2 pod is borrowed
  const fillers: PodPlan[] = Array.from({ length: (1 << (32 - BLOCK_SIZE)) - 1 }, (_, i) => ({
    name: `batch-${i + 1}`, namespace: 'dev', node: nodes[0]!.name, labels: { app: 'batch' }, matrix: false, round: 0,
  }));
  const round2 = nodes.map((_, i) => pod(nodes.length + i, 2));
  return [...round1, ...fillers, ...round2];
}

/** Aligned CIDRs, from 100.64.0.0 on, that together hold exactly n blocks of BLOCK_SIZE (binary decomposition). */
export function poolCidrs(n: number): string[] {
  const blockAddrs = 1 << (32 - BLOCK_SIZE);
  const out: string[] = [];
  let offset = 0;
  for (let bit = 31; bit >= 0; bit--) {
    const blocks = 2 ** bit;
    if (blocks > n - offset / blockAddrs) continue;
    const size = blocks * blockAddrs;
    const len = 32 - Math.log2(size);
    out.push(`100.64.${Math.floor(offset / 256)}.${offset % 256}/${len}`);
    offset += size;
  }
  return out;
}

/** The policy's truth table: may `from` open a TCP connection to `to`? */
export function allowed(from: PodPlan, to: PodPlan): boolean {
  if (to.namespace !== 'db') return true;
  return from.namespace === 'web' && from.labels.app === 'web';
}

export const POLICY: Res = {
  apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'db-from-web', namespace: 'db' },
  spec: {
    podSelector: {}, policyTypes: ['Ingress'],
    ingress: [{
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'web' } }, podSelector: { matchLabels: { app: 'web' } } }],
      ports: [{ protocol: 'TCP', port: POD_PORT }],
    }],
  },
};

/** The embedded datastore file's initial resources (the policy is applied later, once pods run). */
export function clusterResources(o: DemoOptions): Res[] {
  const v1 = 'l3mesh.io/v1';
  const globalPeers = o.tor === 'nodes'
    ? [...REFLECTORS.map((r) => ({ name: r.name, ip: r.ip, as: NODE_AS })), { name: 'tor', ip: TOR_IP, as: TOR_AS }]
    : REFLECTORS.map((r) => ({ name: r.name, ip: r.ip, as: NODE_AS }));
  return [
    { apiVersion: v1, kind: 'BGPConfiguration', metadata: { name: 'default' }, spec: { asNumber: NODE_AS, nodeToNodeMeshEnabled: false } },
    ...poolCidrs(o.nodes).map((cidr, i) => ({ apiVersion: v1, kind: 'IPPool', metadata: { name: `pods-${i}` }, spec: { cidr, blockSize: BLOCK_SIZE } })),
    ...KINDS.map((k) => ({ apiVersion: v1, kind: 'Namespace', metadata: { name: k.namespace, labels: { 'kubernetes.io/metadata.name': k.namespace } }, spec: {} })),
    ...nodesOf(o).map((n) => ({ apiVersion: v1, kind: 'Node', metadata: { name: n.name }, spec: { bgp: { ipv4Address: `${n.ip}/24` } } })),
    ...globalPeers.map((p) => ({ apiVersion: v1, kind: 'BGPPeer', metadata: { name: p.name }, spec: { peerIP: p.ip, asNumber: p.as } })),
  ];
}

export function bgpdConfig(n: NodePlan, apiSocket: string): Record<string, unknown> {
  return { routerId: n.ip, asn: NODE_AS, listen: [{ address: n.ip, port: 179 }], multipath: true, api: { socket: apiSocket }, peers: [] };
}

export function agentConfig(n: NodePlan, files: { datastore: string; speaker: string; cni: string }): Record<string, unknown> {
  return { nodeName: n.name, datastore: files.datastore, speaker: files.speaker, cni: files.cni, http: '127.0.0.1:9099', routeGraceSeconds: 2 };
}

/** Reflector: the nodes are passive clients (the agents dial); the ToR is an eBGP peer with third-party next hops kept. */
export function reflectorConfig(r: ReflectorPlan, o: DemoOptions, apiSocket: string): Record<string, unknown> {
  const clients = nodesOf(o).map((n) => ({ name: n.name, address: n.ip, asn: NODE_AS, passive: true, routeReflectorClient: true, holdTime: 9 }));
  const tor = o.tor === 'rr'
    ? [{ name: 'tor', address: TOR_IP, asn: TOR_AS, import: 'accept-all', export: 'accept-all', nextHop: 'keep', holdTime: 9 }]
    : [];
  return { routerId: r.ip, asn: NODE_AS, clusterId: CLUSTER_ID, listen: [{ address: r.ip, port: 179 }], multipath: true, api: { socket: apiSocket }, peers: [...clients, ...tor] };
}

/** BIRD 2 as the top-of-rack router: learns everything (import all), announces nothing (export none). */
export function torBirdConfig(o: DemoOptions, logFile: string): string {
  const neighbours = o.tor === 'rr' ? REFLECTORS.map((r) => ({ name: r.name, ip: r.ip })) : nodesOf(o).map((n) => ({ name: n.name, ip: n.ip }));
  let c = `router id ${TOR_IP};\nlog "${logFile}" all;\nprotocol device { scan time 10; }\n`;
  c += `template bgp fabric {\n  local ${TOR_IP} as ${TOR_AS};\n  hold time 9; keepalive time 3;\n  connect delay time 0; connect retry time 2; error wait time 1, 5;\n`;
  c += '  ipv4 { import all; export none; };\n}\n';
  for (const nb of neighbours) c += `protocol bgp ${nb.name} from fabric { neighbor ${nb.ip} as ${NODE_AS}; }\n`;
  return c;
}

/** The CNI network configuration a runtime would read from /etc/cni/net.d (routes: the pod range only, never a default route). */
export function cniNetConf(agentSocket: string): Record<string, unknown> {
  return {
    cniVersion: '1.0.0', name: CNI_NETWORK, type: 'l3mesh', agent_socket: agentSocket,
    ipam: { assign_ipv4: true, assign_ipv6: false }, routes: [{ dst: POD_ROUTE }],
  };
}
