// The calculation graph's derivations on a small cluster: three nodes, a
// pool with a block per node, a borrowed IP, BGP peers of every kind.

import { describe, expect, it } from 'vitest';
import { API_VERSION, type Resource } from '../datastore/types.js';
import { ClusterState } from './cluster-state.js';
import { cidrContains } from '../net/cidr.js';
import { localRoutes, originated, parsePeerIp, peers, policyModel, selectorMatches } from './derive.js';

const r = (kind: string, name: string, spec: unknown, extra: { namespace?: string; labels?: Record<string, string> } = {}): Resource =>
  ({ apiVersion: API_VERSION, kind, metadata: { name, ...extra }, spec }) as Resource;

function cluster(extra: Resource[] = []): ClusterState {
  const s = new ClusterState();
  const all = [
    r('Node', 'n1', { bgp: { ipv4Address: '198.18.0.1/24' } }, { labels: { rack: 'a' } }),
    r('Node', 'n2', { bgp: { ipv4Address: '198.18.0.2/24' } }, { labels: { rack: 'b' } }),
    r('Node', 'n3', { bgp: { ipv4Address: '198.18.0.3/24' } }, { labels: { rack: 'b', rr: 'true' } }),
    r('IPPool', 'pool', { cidr: '100.64.0.0/16', natOutgoing: true }),
    r('IPPool', 'quiet', { cidr: '100.65.0.0/16', disableBGPExport: true }),
    r('IPAMBlock', '100.64.1.0-26', { cidr: '100.64.1.0/26', affinity: 'host:n1', allocations: [], unallocated: [], attributes: [] }),
    r('IPAMBlock', '100.64.2.0-26', { cidr: '100.64.2.0/26', affinity: 'host:n2', allocations: [], unallocated: [], attributes: [] }),
    r('IPAMBlock', '100.65.1.0-26', { cidr: '100.65.1.0/26', affinity: 'host:n1', allocations: [], unallocated: [], attributes: [] }),
    r('WorkloadEndpoint', 'n1-k8s-a-eth0', { node: 'n1', pod: 'a', interfaceName: 'calia', ipNetworks: ['100.64.1.5/32'] }, { namespace: 'web', labels: { app: 'a' } }),
    // borrowed from n2's block
    r('WorkloadEndpoint', 'n1-k8s-b-eth0', { node: 'n1', pod: 'b', interfaceName: 'calib', ipNetworks: ['100.64.2.9/32'] }, { namespace: 'web' }),
    r('WorkloadEndpoint', 'n2-k8s-c-eth0', { node: 'n2', pod: 'c', interfaceName: 'calic', ipNetworks: ['100.64.2.3/32'] }, { namespace: 'db' }),
    ...extra,
  ];
  for (const x of all) s.apply({ type: 'set', resource: x });
  s.apply({ type: 'in-sync' });
  return s;
}

describe('derivations', () => {
  it('local routes: workload /32s on this node and blackholes for its blocks', () => {
    const routes = localRoutes(cluster(), 'n1');
    expect(routes).toEqual([
      { dst: '100.64.1.5/32', target: { kind: 'workload', ifname: 'calia' } },
      { dst: '100.64.2.9/32', target: { kind: 'workload', ifname: 'calib' } },
      { dst: '100.64.1.0/26', target: { kind: 'blackhole' } },
      { dst: '100.65.1.0/26', target: { kind: 'blackhole' } },
    ]);
  });

  it('originated: the node\'s blocks as aggregates and borrowed IPs as /32s; not pools with disableBGPExport', () => {
    expect(originated(cluster(), 'n1')).toEqual(['100.64.1.0/26', '100.64.2.9/32']);
    expect(originated(cluster(), 'n2')).toEqual(['100.64.2.0/26']);
  });

  it('mesh peers: every other node, the greater address passive; BGPPeer global, node specific and peerSelector', () => {
    const s = cluster([
      r('BGPPeer', 'tor', { peerIP: '198.18.0.254', asNumber: 65100 }),
      r('BGPPeer', 'rack-b', { peerIP: '198.18.0.253:1179', asNumber: 65101, nodeSelector: "rack == 'b'" }),
      r('BGPPeer', 'to-rr', { peerSelector: "has(rr)", nodeSelector: "!has(rr)", asNumber: 64512, peerIP: '' }),
    ]);
    const p1 = peers(s, 'n1');
    expect(p1.map((p) => [p.name, p.address, p.passive, p.type])).toEqual([
      ['mesh-n2', '198.18.0.2', true, 'node-to-node mesh'],
      ['mesh-n3', '198.18.0.3', true, 'node-to-node mesh'],
      ['peer-to-rr-n3', '198.18.0.3', true, 'node specific'],
      ['peer-tor', '198.18.0.254', false, 'global'],
    ]);
    const p3 = peers(s, 'n3');
    expect(p3.find((p) => p.name === 'mesh-n1')!.passive).toBe(false);
    expect(p3.find((p) => p.name === 'peer-rack-b')).toMatchObject({ address: '198.18.0.253', port: 1179, asn: 65101 });
    expect(p3.some((p) => p.name.startsWith('peer-to-rr'))).toBe(false);
  });

  it('no mesh when BGPConfiguration turns it off; asNumber from BGPConfiguration', () => {
    const s = cluster([r('BGPConfiguration', 'default', { nodeToNodeMeshEnabled: false, asNumber: 65000 }), r('BGPPeer', 'tor', { peerIP: '198.18.0.254', asNumber: 65100 })]);
    expect(peers(s, 'n1').map((p) => p.name)).toEqual(['peer-tor']);
  });

  it('policy model: every endpoint, the interface only for local ones; pools with natOutgoing', () => {
    const m = policyModel(cluster(), 'n1');
    expect(m.endpoints.map((e) => [e.key, e.ifname, e.ipv4])).toEqual([
      ['web/n1-k8s-a-eth0', 'calia', ['100.64.1.5']], ['web/n1-k8s-b-eth0', 'calib', ['100.64.2.9']], ['db/n2-k8s-c-eth0', undefined, ['100.64.2.3']],
    ]);
    expect(m.pools).toEqual([{ cidr: '100.64.0.0/16', natOutgoing: true }, { cidr: '100.65.0.0/16', natOutgoing: false }]);
  });

  it('helpers: peer IP forms, selectors, containment', () => {
    expect(parsePeerIp('[2001:db8::1]:1179')).toEqual({ address: '2001:db8::1', port: 1179 });
    expect(parsePeerIp('2001:db8::1')).toEqual({ address: '2001:db8::1', port: 179 });
    expect(parsePeerIp('nope')).toBeUndefined();
    expect(selectorMatches("rack == 'b' && !has(rr)", { rack: 'b' })).toBe(true);
    expect(selectorMatches("rack in {'a', 'c'} || has(x)", { rack: 'b' })).toBe(false);
    expect(selectorMatches('all()', {})).toBe(true);
    expect(selectorMatches("broken ==", {})).toBe(false);
    expect(cidrContains('2001:db8::/32', '2001:db8:1::/48')).toBe(true);
    expect(cidrContains('100.64.1.0/26', '100.64.1.64/32')).toBe(false);
  });
});
