// NetworkPolicy truth tables with real TCP and UDP connections between pod
// namespaces through a node namespace whose iptables/ipsets are programmed by
// the driver (exec prefixed with `ip netns exec <node>`). Four pods in two
// labelled namespaces; every case sets the policies, applies, and checks
// allowed and denied combinations for each selector kind, ipBlock/except,
// named ports, endPort, UDP, egress, default deny, policyTypes and IPv6.
// Replies to allowed traffic pass through the other side's chains via
// conntrack (an allowed A→C connection needs C→A replies to pass A's ingress).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../../test/netns/index.js';
import { commandExec } from './exec.js';
import type { NetworkPolicy } from './model.js';
import { PolicyDriver } from './driver.js';
import { buildCluster, describeProbe, endpointOf, probe, type Pod, type Probe } from './testing/cluster.js';

let lab: Lab;
let driver: PolicyDriver;
let A: Pod; let B: Pod; let C: Pod; let D: Pod;

beforeAll(async () => {
  lab = Lab.create('pol');
  const { node, pods } = await buildCluster(lab, [
    { namespace: 'prod', name: 'web', index: 1, labels: { app: 'web' }, ports: [{ name: 'http', port: 8080 }, { name: 'dns', port: 5353, protocol: 'UDP' }] },
    { namespace: 'prod', name: 'db', index: 2, labels: { app: 'db' }, ports: [{ name: 'http', port: 9090 }] },
    { namespace: 'dev', name: 'client', index: 3, labels: { app: 'client' } },
    { namespace: 'dev', name: 'web', index: 4, labels: { app: 'web' }, ports: [{ name: 'http', port: 8080 }] },
  ]);
  [A, B, C, D] = pods as [Pod, Pod, Pod, Pod];
  driver = new PolicyDriver({ exec: commandExec(['ip', 'netns', 'exec', node]) });
  driver.setModel({
    endpoints: pods.map(endpointOf),
    namespaces: [{ name: 'prod', labels: { env: 'prod' } }, { name: 'dev', labels: { env: 'dev' } }],
    policies: [],
    pools: [{ cidr: '100.64.0.0/16', natOutgoing: false }],
  });
  driver.markInSync();
  await driver.apply();
});

afterAll(() => lab?.teardown());

/** Replaces all policies, applies, and checks every probe against its expectation. */
async function table(policies: NetworkPolicy[], cases: [Probe, boolean][]): Promise<void> {
  for (const p of driver.model().policies) driver.removePolicy(p.namespace, p.name);
  for (const p of policies) driver.setPolicy(p);
  const res = await driver.apply();
  expect(res.failures).toEqual([]);
  const got = await probe(lab, cases.map(([p]) => p));
  const table = cases.map(([p, want], i) => `${describeProbe(p)}: ${got[i] ? 'allowed' : 'denied'}${got[i] === want ? '' : `  <-- expected ${want ? 'allowed' : 'denied'}`}`);
  expect(table.join('\n')).toBe(cases.map(([p, want]) => `${describeProbe(p)}: ${want ? 'allowed' : 'denied'}`).join('\n'));
}

const pol = (namespace: string, name: string, spec: NetworkPolicy['spec']): NetworkPolicy => ({ namespace, name, spec });

describe('NetworkPolicy truth tables (real TCP/UDP, IPv4 and IPv6)', () => {
  it('no policy: everything is open', async () => {
    await table([], [
      [{ from: A, to: B, port: 8080 }, true], [{ from: C, to: A, port: 5353, proto: 'udp' }, true],
      [{ from: D, to: C, port: 9090, v6: true }, true],
    ]);
  });

  it('default deny ingress for a namespace; egress and replies unaffected', async () => {
    await table([pol('prod', 'deny', { podSelector: {}, policyTypes: ['Ingress'] })], [
      [{ from: C, to: A, port: 8080 }, false], [{ from: C, to: B, port: 8080 }, false], [{ from: A, to: B, port: 8080 }, false],
      [{ from: C, to: A, port: 5353, proto: 'udp' }, false], [{ from: C, to: A, port: 8080, v6: true }, false],
      [{ from: C, to: D, port: 8080 }, true], [{ from: A, to: C, port: 8080 }, true], [{ from: A, to: C, port: 5353, proto: 'udp' }, true],
    ]);
  });

  it('podSelector peer: same namespace only, on the given port', async () => {
    await table([pol('prod', 'db-from-web', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 9090 }] }] })], [
      [{ from: A, to: B, port: 9090 }, true], [{ from: A, to: B, port: 8080 }, false], [{ from: C, to: B, port: 9090 }, false],
      [{ from: D, to: B, port: 9090 }, false], [{ from: C, to: A, port: 8080 }, true], [{ from: A, to: B, port: 9090, v6: true }, true],
    ]);
  });

  it('namespaceSelector peer: all pods of matching namespaces', async () => {
    await table([pol('prod', 'web-from-dev', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { env: 'dev' } } }] }] })], [
      [{ from: C, to: A, port: 8080 }, true], [{ from: D, to: A, port: 7000 }, true], [{ from: B, to: A, port: 8080 }, false],
    ]);
  });

  it('namespaceSelector and podSelector combined in one peer (AND), and matchExpressions', async () => {
    await table([pol('prod', 'web-from-dev-client', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { env: 'dev' } }, podSelector: { matchLabels: { app: 'client' } } }] }] }),
      pol('prod', 'db-not-from-clients', { podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['db'] }] }, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['client'] }] } }] }] })], [
      [{ from: C, to: A, port: 8080 }, true], [{ from: D, to: A, port: 8080 }, false], [{ from: B, to: A, port: 8080 }, false],
      [{ from: A, to: B, port: 9090 }, true], [{ from: D, to: B, port: 9090 }, true], [{ from: C, to: B, port: 9090 }, false],
    ]);
  });

  it('ipBlock with except', async () => {
    await table([pol('prod', 'web-from-block', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ ipBlock: { cidr: '100.64.0.0/29', except: ['100.64.0.3/32'] } }, { ipBlock: { cidr: '2001:db8:100::/120', except: ['2001:db8:100::4/128'] } }] }] })], [
      [{ from: B, to: A, port: 8080 }, true], [{ from: C, to: A, port: 8080 }, false], [{ from: D, to: A, port: 8080 }, true],
      [{ from: C, to: A, port: 8080, v6: true }, true], [{ from: D, to: A, port: 8080, v6: true }, false],
    ]);
  });

  it('named ports resolve per destination pod (http is 8080 on web, 9090 on db)', async () => {
    await table([pol('prod', 'http-only', { podSelector: {}, ingress: [{ ports: [{ port: 'http' }, { port: 'dns', protocol: 'UDP' }] }] })], [
      [{ from: C, to: A, port: 8080 }, true], [{ from: C, to: A, port: 9090 }, false], [{ from: C, to: B, port: 9090 }, true],
      [{ from: C, to: B, port: 8080 }, false], [{ from: C, to: A, port: 5353, proto: 'udp' }, true], [{ from: C, to: B, port: 5353, proto: 'udp' }, false],
      [{ from: C, to: B, port: 9090, v6: true }, true], [{ from: C, to: A, port: 9090, v6: true }, false],
    ]);
  });

  it('port ranges with endPort, and protocols (UDP)', async () => {
    await table([pol('prod', 'range', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ ports: [{ port: 7000, endPort: 7002 }, { protocol: 'UDP', port: 5353 }] }] })], [
      [{ from: C, to: A, port: 7000 }, true], [{ from: C, to: A, port: 7002 }, true], [{ from: C, to: A, port: 7003 }, false],
      [{ from: C, to: A, port: 7000, proto: 'udp' }, false], [{ from: C, to: A, port: 5353, proto: 'udp' }, true], [{ from: C, to: A, port: 5353 }, false],
    ]);
  });

  it('egress: selectors, ports and named ports resolve on the peer pods', async () => {
    await table([pol('dev', 'client-out', { podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'], egress: [
      { to: [{ namespaceSelector: { matchLabels: { env: 'prod' } } }], ports: [{ port: 8080 }] },
      { to: [{ namespaceSelector: { matchLabels: { env: 'prod' } }, podSelector: { matchLabels: { app: 'db' } } }], ports: [{ port: 'http' }] },
    ] })], [
      [{ from: C, to: A, port: 8080 }, true], [{ from: C, to: B, port: 8080 }, true], [{ from: C, to: D, port: 8080 }, false],
      [{ from: C, to: A, port: 9090 }, false], [{ from: C, to: B, port: 9090 }, true], [{ from: D, to: A, port: 9090 }, true],
      [{ from: A, to: C, port: 8080 }, true], [{ from: C, to: B, port: 9090, v6: true }, true], [{ from: C, to: D, port: 8080, v6: true }, false],
    ]);
  });

  it('policyTypes Egress with no rules denies all egress, ingress untouched', async () => {
    await table([pol('dev', 'client-no-out', { podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'] })], [
      [{ from: C, to: A, port: 8080 }, false], [{ from: C, to: D, port: 5353, proto: 'udp' }, false], [{ from: A, to: C, port: 8080 }, true],
    ]);
  });

  it('IPv6: default deny plus an allow from one namespace', async () => {
    await table([pol('prod', 'deny', { podSelector: {}, policyTypes: ['Ingress'] }),
      pol('prod', 'web-from-dev-client', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { env: 'dev' } }, podSelector: { matchLabels: { app: 'client' } } }], ports: [{ port: 8080 }] }] })], [
      [{ from: C, to: A, port: 8080, v6: true }, true], [{ from: D, to: A, port: 8080, v6: true }, false], [{ from: C, to: A, port: 9090, v6: true }, false],
      [{ from: C, to: B, port: 8080, v6: true }, false], [{ from: C, to: A, port: 8080 }, true], [{ from: D, to: A, port: 8080 }, false],
    ]);
  });
});
