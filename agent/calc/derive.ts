// The calculation graph's derivations (Felix's calc graph, recomputed per
// output from the current cluster state — each one a pure, synchronous
// function of the resources it reads, so the sequencer can recompute only the
// outputs whose input kinds changed):
//   localRoutes   this node's workloads: <ip>/32 (/128) dev <cali-if> scope
//                 link; its affine IPAM blocks: blackhole (REFERENCE.md IPAM)
//   originated    what the speaker announces: each affine block as one
//                 aggregate, and each local workload IP outside them (a
//                 borrowed IP) as a /32 (/128); pools with disableBGPExport
//                 are left out
//   peers         the speaker's peer set: the node-to-node mesh (every other
//                 node with a BGP address, unless nodeToNodeMeshEnabled is
//                 false or this node is a route reflector; only one side dials:
//                 the greater address is passive) and the BGPPeer resources
//                 that select this node (node, nodeSelector or global), with
//                 peerSelector peering to nodes
//   policyModel   the NetworkPolicy driver's input (agent/policy/model.ts)

import { cidrContains, familyOf } from '../net/cidr.js';
import { parseNodeSelector, type NodeSelector } from '../ipam/selector.js';
import type { ClusterState } from './cluster-state.js';
import type { RouteSpec } from '../dataplane/routes/spec.js';
import type { Endpoint, NetworkPolicy, PolicyModel } from '../policy/index.js';

export const DEFAULT_ASN = 64512;

export interface PeerIntent {
  /** Unique speaker peer name. */
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly asn: number;
  readonly passive: boolean;
  /** "node-to-node mesh", "global" or "node specific" (calicoctl's PEER TYPE). */
  readonly type: 'node-to-node mesh' | 'global' | 'node specific';
}

const ipOf = (cidr: string) => cidr.split('/')[0]!;

function myBlocks(s: ClusterState, me: string): { cidr: string; pool: string | undefined }[] {
  const out: { cidr: string; pool: string | undefined }[] = [];
  for (const b of s.list('IPAMBlock')) {
    if (b.spec.deleted || b.spec.affinity !== `host:${me}`) continue;
    out.push({ cidr: b.spec.cidr, pool: s.list('IPPool').find((p) => cidrContains(p.spec.cidr, b.spec.cidr))?.metadata.name });
  }
  return out.sort((a, b) => (a.cidr < b.cidr ? -1 : 1));
}

export function localRoutes(s: ClusterState, me: string): RouteSpec[] {
  const out: RouteSpec[] = [];
  for (const w of s.list('WorkloadEndpoint')) {
    if (w.spec.node !== me) continue;
    for (const n of w.spec.ipNetworks) out.push({ dst: n, target: { kind: 'workload', ifname: w.spec.interfaceName } });
  }
  for (const b of myBlocks(s, me)) out.push({ dst: b.cidr, target: { kind: 'blackhole' } });
  return out;
}

export function originated(s: ClusterState, me: string): string[] {
  const pools = s.list('IPPool');
  const exportable = (cidr: string) => {
    const pool = pools.find((p) => cidrContains(p.spec.cidr, cidr));
    return pool !== undefined && !pool.spec.disableBGPExport;
  };
  const blocks = myBlocks(s, me).map((b) => b.cidr).filter(exportable);
  const out = new Set(blocks);
  for (const w of s.list('WorkloadEndpoint')) {
    if (w.spec.node !== me) continue;
    for (const n of w.spec.ipNetworks) {
      if (familyOf(n.split('/')[0]!) === undefined) continue;
      if (!blocks.some((b) => cidrContains(b, n)) && exportable(n)) out.add(n);
    }
  }
  return [...out].sort();
}

/** A node's BGP (underlay) addresses, without prefix length. */
export function bgpAddress(s: ClusterState, node: string): { v4?: string; v6?: string } {
  const n = s.get('Node', node);
  const v4 = n?.spec.bgp?.ipv4Address;
  const v6 = n?.spec.bgp?.ipv6Address;
  return { ...(v4 ? { v4: ipOf(v4) } : {}), ...(v6 ? { v6: ipOf(v6) } : {}) };
}

function asnOf(s: ClusterState, node: string): number {
  return s.get('Node', node)?.spec.bgp?.asNumber ?? s.get('BGPConfiguration', 'default')?.spec.asNumber ?? DEFAULT_ASN;
}

/** "a.b.c.d", "a.b.c.d:port", "[v6]:port", "v6". */
export function parsePeerIp(text: string): { address: string; port: number } | undefined {
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(text);
  if (v6) return { address: v6[1]!, port: v6[2] ? Number(v6[2]) : 179 };
  const v4 = /^(\d+\.\d+\.\d+\.\d+)(?::(\d+))?$/.exec(text);
  if (v4) return { address: v4[1]!, port: v4[2] ? Number(v4[2]) : 179 };
  if (/^[0-9a-fA-F:]+$/.test(text) && text.includes(':')) return { address: text, port: 179 };
  return undefined;
}

function compareAddr(a: string, b: string): number {
  const num = (x: string) => x.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  return a.includes(':') || b.includes(':') ? (a < b ? -1 : a > b ? 1 : 0) : num(a) - num(b);
}

const selectors = new Map<string, NodeSelector | null>();

/** Calico selector (agent/ipam/selector.ts) over node labels; one that does not parse matches nothing (validation reports it). */
export function selectorMatches(text: string, labels: Readonly<Record<string, string>>): boolean {
  let sel = selectors.get(text);
  if (sel === undefined) {
    try { sel = parseNodeSelector(text); } catch { sel = null; }
    selectors.set(text, sel);
  }
  return sel !== null && sel(labels);
}

export function peers(s: ClusterState, me: string): PeerIntent[] {
  const out = new Map<string, PeerIntent>();
  const mine = bgpAddress(s, me);
  const myAsn = asnOf(s, me);
  const myNode = s.get('Node', me);
  const meshOn = s.get('BGPConfiguration', 'default')?.spec.nodeToNodeMeshEnabled !== false && !myNode?.spec.bgp?.routeReflectorClusterID;
  if (meshOn && mine.v4) {
    for (const n of s.list('Node')) {
      const name = n.metadata.name;
      if (name === me || n.spec.bgp?.routeReflectorClusterID) continue;
      const addr = bgpAddress(s, name).v4;
      if (!addr) continue;
      out.set(`mesh-${name}`, { name: `mesh-${name}`, address: addr, port: 179, asn: asnOf(s, name), passive: compareAddr(addr, mine.v4) > 0, type: 'node-to-node mesh' });
    }
  }
  const myLabels = myNode?.metadata.labels ?? {};
  for (const p of s.list('BGPPeer')) {
    const sp = p.spec;
    const forMe = sp.node ? sp.node === me : sp.nodeSelector ? selectorMatches(sp.nodeSelector, myLabels) : true;
    if (!forMe) continue;
    const type = sp.node || sp.nodeSelector ? 'node specific' : 'global';
    if (sp.peerSelector) {
      for (const n of s.list('Node')) {
        if (n.metadata.name === me || !selectorMatches(sp.peerSelector, n.metadata.labels ?? {})) continue;
        const addr = bgpAddress(s, n.metadata.name).v4;
        if (!addr || !mine.v4) continue;
        const name = `peer-${p.metadata.name}-${n.metadata.name}`;
        out.set(name, { name, address: addr, port: 179, asn: asnOf(s, n.metadata.name), passive: compareAddr(addr, mine.v4) > 0, type });
      }
      continue;
    }
    const ip = parsePeerIp(sp.peerIP);
    if (!ip || ip.address === mine.v4 || ip.address === mine.v6) continue;
    const name = `peer-${p.metadata.name}`;
    out.set(name, { name, address: ip.address, port: ip.port, asn: sp.asNumber, passive: false, type });
  }
  void myAsn;
  return [...out.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
}

export function policyModel(s: ClusterState, me: string): PolicyModel {
  const endpoints: Endpoint[] = s.list('WorkloadEndpoint').map((w) => ({
    key: `${w.metadata.namespace ?? 'default'}/${w.metadata.name}`,
    namespace: w.metadata.namespace ?? 'default',
    pod: w.spec.pod,
    ...(w.spec.node === me ? { ifname: w.spec.interfaceName } : {}),
    ipv4: w.spec.ipNetworks.filter((n) => !n.includes(':')).map(ipOf),
    ipv6: w.spec.ipNetworks.filter((n) => n.includes(':')).map(ipOf),
    labels: { ...(w.metadata.labels ?? {}) },
    ...(w.spec.ports?.length ? { ports: w.spec.ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol })) } : {}),
  }));
  const namespaces = s.list('Namespace').map((n) => ({ name: n.metadata.name, labels: { ...(n.metadata.labels ?? {}) } }));
  const policies: NetworkPolicy[] = s.list('NetworkPolicy').map((p) => ({
    namespace: p.metadata.namespace ?? 'default', name: p.metadata.name, spec: p.spec as NetworkPolicy['spec'],
  }));
  const pools = s.list('IPPool').filter((p) => !p.spec.disabled).map((p) => ({ cidr: p.spec.cidr, natOutgoing: p.spec.natOutgoing === true }));
  return { endpoints, namespaces, policies, pools };
}
