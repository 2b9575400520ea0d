// Validation: every kind's valid example passes; each broken field gives one
// message naming kind, name and field.
import { describe, expect, it } from 'vitest';
import { checkResource, resourceErrors } from './validate.js';
import { ipPool, networkPolicy, node, workloadEndpoint } from './testing/fixtures.js';
import { API_VERSION, DatastoreError, type Resource } from './types.js';

const r = (kind: string, spec: unknown, name = 'x', extra: Record<string, unknown> = {}): Resource =>
  ({ apiVersion: API_VERSION, kind, metadata: { name, ...extra }, spec }) as Resource;

const VALID: Resource[] = [
  node('node-a', '198.18.0.1/24'),
  r('Node', { bgp: { ipv4Address: '198.18.0.1/24', ipv6Address: '2001:db8::1/64', asNumber: 64512, routeReflectorClusterID: '244.0.0.1' } }),
  workloadEndpoint('ns-a', 'pod-1', '100.64.0.5/32'),
  r('WorkloadEndpoint', { node: 'n', pod: 'p', interfaceName: 'cali0123456789a', mac: 'ee:ee:ee:ee:ee:ee', ipNetworks: ['2001:db8::5/128'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }, 'w', { namespace: 'ns' }),
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns-a', labels: { team: 'a' } }, spec: {} },
  networkPolicy('ns-a', 'deny-all'),
  ipPool('pool-a', '100.64.0.0/16', { blockSize: 26, natOutgoing: true, nodeSelector: 'all()', ipipMode: 'Never' }),
  ipPool('pool-6', '2001:db8::/48', { blockSize: 122 }),
  r('BGPConfiguration', { asNumber: 64512, nodeToNodeMeshEnabled: false, listenPort: 179, serviceClusterIPs: [{ cidr: '100.96.0.0/12' }], communities: [{ name: 'c1', value: '64512:100' }], prefixAdvertisements: [{ cidr: '100.64.0.0/16', communities: ['c1', '64512:1:2'] }] }, 'default'),
  r('BGPPeer', { peerIP: '198.18.0.254', asNumber: 65000 }, 'tor'),
  r('BGPPeer', { peerIP: '198.18.0.254:1179', asNumber: 65000, node: 'node-a', password: { value: 's3cret' }, ttlSecurity: 1 }, 'tor-2'),
  r('BGPPeer', { peerIP: '[2001:db8::1]:179', asNumber: 65000, peerSelector: "role == 'rr'" }, 'rr'),
  r('BGPPeer', { peerIP: '2001:db8::1', asNumber: 65000 }, 'v6'),
  r('IPAMBlock', { cidr: '100.64.0.0/30', affinity: 'host:node-a', allocations: [0, null, null, 0], unallocated: [1, 2], attributes: [{ handleID: 'h' }], releasedAt: { 2: 1700000000000 } }, '100.64.0.0-30'),
  r('IPAMBlock', { cidr: '2001:db8::/126', allocations: [null, null, null, null], unallocated: [0, 1, 2, 3], attributes: [] }, '2001:db8::-126'),
  r('BlockAffinity', { node: 'node-a', cidr: '100.64.0.0/26', state: 'confirmed' }, 'node-a-100-64-0-0-26'),
  r('IPAMHandle', { handleID: 'l3mesh-net.abc', block: { '100.64.0.0/26': 1 } }, 'l3mesh-net.abc'),
];

const INVALID: [Resource | unknown, string][] = [
  [ipPool('pool-a', '100.64.0.0/16', { blockSize: 40 }), 'IPPool pool-a: spec.blockSize must be 20..32 for IPv4 (got 40)'],
  [ipPool('pool-a', '2001:db8::/48', { blockSize: 26 }), 'IPPool pool-a: spec.blockSize must be 116..128 for IPv6 (got 26)'],
  [ipPool('pool-a', '100.64.0.0/24', { blockSize: 20 }), 'IPPool pool-a: spec.blockSize 20 is larger than the pool ("100.64.0.0/24"): blocks must fit inside it'],
  [ipPool('pool-a', '100.64.0.1/16'), 'IPPool pool-a: spec.cidr: "100.64.0.1/16" has host bits set'],
  [ipPool('pool-a', '100.64.0.0/28'), 'IPPool pool-a: spec.cidr "100.64.0.0/28" is smaller than the default block size /26: set spec.blockSize'],
  [ipPool('pool-a', '100.64.0.0/16', { ipipMode: 'Always' as 'Never' }), 'IPPool pool-a: spec.ipipMode must be one of Never (got "Always")'],
  [{ ...ipPool('pool-a', '100.64.0.0/16'), apiVersion: 'projectcalico.org/v3' }, 'IPPool pool-a: apiVersion must be l3mesh.io/v1 for IPPool (got "projectcalico.org/v3")'],
  [{ ...networkPolicy('ns', 'p'), apiVersion: API_VERSION }, 'NetworkPolicy ns/p: apiVersion must be networking.k8s.io/v1 for NetworkPolicy (got "l3mesh.io/v1")'],
  [r('Gadget', {}), 'Gadget x: unknown kind "Gadget"'],
  [r('IPPool', { cidr: '100.64.0.0/16' }, 'Pool_A'), 'IPPool Pool_A: metadata.name "Pool_A" must be a lower-case DNS subdomain'],
  [r('IPPool', { cidr: '100.64.0.0/16' }, 'p', { namespace: 'ns' }), 'IPPool ns/p: metadata.namespace must be absent: IPPool is cluster-scoped'],
  [{ ...networkPolicy('ns', 'p'), metadata: { name: 'p' } }, 'NetworkPolicy p: metadata.namespace is required for NetworkPolicy'],
  [r('IPPool', undefined), 'IPPool x: spec is required'],
  [r('Node', { bgp: { ipv4Address: '2001:db8::1/64' } }), 'Node x: spec.bgp.ipv4Address must be an IPv4 address with prefix length (got "2001:db8::1/64")'],
  [r('Node', { bgp: { asNumber: 0 } }), 'Node x: spec.bgp.asNumber must be an integer 1..4294967295 (got 0)'],
  [r('WorkloadEndpoint', { node: 'n', pod: 'p', interfaceName: 'cali0123456789abc', ipNetworks: [] }, 'w', { namespace: 'ns' }), 'WorkloadEndpoint ns/w: spec.interfaceName "cali0123456789abc" is not a Linux interface name'],
  [r('WorkloadEndpoint', { node: 'n', pod: 'p', interfaceName: 'cali0', ipNetworks: ['100.64.0.300/32'] }, 'w', { namespace: 'ns' }), 'WorkloadEndpoint ns/w: spec.ipNetworks[0]: "100.64.0.300/32" is not a CIDR (bad address)'],
  [r('WorkloadEndpoint', { pod: 'p', interfaceName: 'cali0', ipNetworks: [] }, 'w', { namespace: 'ns' }), 'WorkloadEndpoint ns/w: spec.node is required'],
  [r('BGPPeer', { peerIP: '198.18.0.1:70000', asNumber: 65000 }), 'BGPPeer x: spec.peerIP: port must be 1..65535 (got "70000")'],
  [r('BGPPeer', { peerIP: '2001:db8::1:179:x', asNumber: 65000 }), 'BGPPeer x: spec.peerIP must be "ip", "ip:port" or "[ipv6]:port"'],
  [r('BGPPeer', { peerIP: '198.18.0.1' }), 'BGPPeer x: spec.asNumber is required'],
  [r('BGPPeer', { peerIP: '198.18.0.1', asNumber: 1, password: {} }), 'BGPPeer x: spec.password needs value or secretKeyRef'],
  [r('BGPConfiguration', { communities: [{ name: 'c', value: '70000:1' }] }), 'BGPConfiguration x: spec.communities[0].value must be a community "aa:nn" (16-bit parts)'],
  [r('IPAMBlock', { cidr: '100.64.0.0/30', allocations: [null, null], unallocated: [], attributes: [] }), 'IPAMBlock x: spec.allocations must have one entry per address of "100.64.0.0/30" (4, got 2)'],
  [r('IPAMBlock', { cidr: '100.64.0.0/30', allocations: [1, null, null, null], unallocated: [], attributes: [{ handleID: 'h' }] }), 'IPAMBlock x: spec.allocations[0] must be null or an index into spec.attributes (0..0, got 1)'],
  [r('IPAMBlock', { cidr: '100.64.0.0/30', allocations: [0, null, null, null], unallocated: [0, 1, 1], attributes: [{ handleID: 'h' }] }), 'IPAMBlock x: spec.unallocated[0]: ordinal 0 is allocated; IPAMBlock x: spec.unallocated[2]: ordinal 1 listed twice'],
  [r('IPAMBlock', { cidr: '100.64.0.0/16', allocations: [], unallocated: [], attributes: [] }), 'IPAMBlock x: spec.cidr "100.64.0.0/16" is too large for a block (at most 4096 addresses)'],
  [r('BlockAffinity', { node: 'n', cidr: '100.64.0.0/26', state: 'gone' }), 'BlockAffinity x: spec.state must be one of pending, confirmed, pendingDeletion (got "gone")'],
  [r('IPAMHandle', { handleID: 'h', block: { a: -1 } }), 'IPAMHandle x: spec.block["a"] must be an integer'],
  ['just a string', 'resource must be a mapping (got string)'],
];

describe('validation', () => {
  it.each(VALID.map((v) => [`${v.kind} ${v.metadata.name}`, v] as const))('accepts %s', (_n, v) => {
    expect(resourceErrors(v)).toEqual([]);
  });

  it.each(INVALID.map(([v, msg]) => [msg, v] as const))('rejects: %s', (msg, v) => {
    const errs = resourceErrors(v).join('; ');
    expect(errs.startsWith(msg)).toBe(true);
  });

  it('checkResource throws DatastoreError Invalid listing every problem', () => {
    const bad = r('BGPPeer', { peerIP: 'nope', asNumber: -1, ttlSecurity: 300 });
    const err = (() => { try { checkResource(bad); } catch (e) { return e; } return undefined; })();
    expect(err).toBeInstanceOf(DatastoreError);
    expect((err as DatastoreError).reason).toBe('Invalid');
    expect((err as Error).message.split('; ')).toHaveLength(3);
  });
});
