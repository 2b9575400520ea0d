// Policy lifecycle against a real kernel: policies added and removed while a
// long-lived TCP connection runs (it survives through conntrack, new
// connections follow the policy), fail closed on a policy that cannot be
// rendered, pod deletion removing its chains and set members, a restarted
// driver converging without duplicates and deleting stale state only after
// markInSync(), foreign rules, chains and sets left untouched (our hook moved
// back to the top), and NAT outgoing seen from a namespace outside the pools.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, waitUntil } from '../../test/netns/index.js';
import { PolicyDriver } from './driver.js';
import { commandExec } from './exec.js';
import type { NetworkPolicy, PolicyModel } from './model.js';
import { buildCluster, endpointOf, PROBE, probe, type Pod } from './testing/cluster.js';

let lab: Lab;
let node: string;
let outside: string;
let A: Pod; let B: Pod; let C: Pod; let D: Pod;
let base: PolicyModel;
const exec = () => commandExec(['ip', 'netns', 'exec', node]);

const denyProd: NetworkPolicy = { namespace: 'prod', name: 'deny', spec: { podSelector: {}, policyTypes: ['Ingress'] } };
const save = (cmd: string) => lab.exec(node, [cmd]);
const ourRules = (text: string) => text.split('\n').filter((l) => l.includes('cali'));

beforeAll(async () => {
  lab = Lab.create('pollife');
  const c = await buildCluster(lab, [
    { namespace: 'prod', name: 'web', index: 1, labels: { app: 'web' }, ports: [{ name: 'http', port: 8080 }] },
    { namespace: 'prod', name: 'db', index: 2, labels: { app: 'db' } },
    { namespace: 'dev', name: 'client', index: 3, labels: { app: 'client' } },
    { namespace: 'dev', name: 'web', index: 4, labels: { app: 'web' } },
  ]);
  node = c.node;
  [A, B, C, D] = c.pods as [Pod, Pod, Pod, Pod];
  // a network outside the pools, for NAT outgoing
  outside = await lab.namespace('out');
  await lab.veth({ ns: node, ifname: 'ext0', addresses: ['198.18.0.1/30'] }, { ns: outside, ifname: 'eth0', addresses: ['198.18.0.2/30'] });
  await lab.exec(outside, ['ip', 'route', 'add', '100.64.0.0/10', 'via', '198.18.0.1']);
  await lab.exec(A.netns, ['ip', 'route', 'add', '198.18.0.0/30', 'via', '169.254.1.1', 'dev', 'eth0']);
  await lab.spawn(outside, 'whoami', ['node', PROBE, 'serve', '@peer', '8080', '']);
  base = {
    endpoints: c.pods.map(endpointOf),
    namespaces: [{ name: 'prod', labels: { env: 'prod' } }, { name: 'dev', labels: { env: 'dev' } }],
    policies: [], pools: [{ cidr: '100.64.0.0/16', natOutgoing: true }],
  };
});

afterAll(() => lab?.teardown());

describe('policy lifecycle in the kernel', () => {
  it('policy added and removed while a long-lived TCP connection runs', async () => {
    const d = new PolicyDriver({ exec: exec() });
    d.setModel(base); d.markInSync(); await d.apply();
    const hold = await lab.spawn(C.netns, 'hold', ['node', PROBE, 'hold', A.v4, '8080']);
    const replies = () => (readFileSync(hold.log, 'utf8').match(/^reply /gm) ?? []).length;
    await waitUntil('held connection answering', replies, (n) => n >= 3);
    d.setPolicy(denyProd);
    await d.apply();
    expect(await probe(lab, [{ from: C, to: A, port: 8080 }])).toEqual([false]);
    const before = replies();
    await waitUntil('held connection still answering under deny', replies, (n) => n >= before + 5, { timeoutMs: 10_000 });
    d.removePolicy('prod', 'deny');
    await d.apply();
    expect(await probe(lab, [{ from: C, to: A, port: 8080 }])).toEqual([true]);
    expect(readFileSync(hold.log, 'utf8')).not.toContain('closed');
    await hold.stop();
  });

  it('fails closed: a pod selected by a policy that cannot be rendered gets no traffic', async () => {
    const d = new PolicyDriver({ exec: exec() });
    d.setModel({ ...base, policies: [{ namespace: 'prod', name: 'broken', spec: { podSelector: { matchLabels: { app: 'web' } },
      ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: 'app', operator: 'Exists', values: ['x'] }] } }] }] } }] });
    d.markInSync();
    const r = await d.apply();
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]?.errors.join()).toMatch(/operator Exists takes no values/);
    expect(r.failures[0]?.endpoints).toEqual([endpointOf(A).key]);
    expect(await probe(lab, [{ from: C, to: A, port: 8080 }, { from: A, to: C, port: 8080 }, { from: C, to: A, port: 8080, v6: true },
      { from: C, to: B, port: 8080 }])).toEqual([false, false, false, true]);
  });

  it('deleting a pod removes its chains and its set members; its interface is then dropped', async () => {
    const d = new PolicyDriver({ exec: exec() });
    // D is in a selector set (app=web, any namespace) and has chains
    const allowWeb: NetworkPolicy = { namespace: 'prod', name: 'from-web', spec: { podSelector: { matchLabels: { app: 'db' } },
      ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'web' } } }] }] } };
    d.setModel({ ...base, policies: [allowWeb] }); d.markInSync(); await d.apply();
    expect(await lab.exec(node, ['ipset', 'save'])).toContain(D.v4);
    expect(await probe(lab, [{ from: D, to: B, port: 9090 }])).toEqual([true]);
    d.removeEndpoint(endpointOf(D).key);
    const r = await d.apply();
    expect(r.chainsDeleted).toBe(4); // cali-tw-/cali-fw-<if>, IPv4 and IPv6
    for (const cmd of ['iptables-save', 'ip6tables-save']) expect(await save(cmd)).not.toContain(D.ifname);
    const sets = await lab.exec(node, ['ipset', 'save']);
    expect(sets).not.toContain(D.v4);
    expect(sets).not.toContain(D.v6);
    expect(await probe(lab, [{ from: D, to: B, port: 9090 }, { from: D, to: C, port: 8080 }, { from: A, to: B, port: 9090 }])).toEqual([false, false, true]);
  });

  it('a restarted driver converges without duplicates, deletes stale state only once in sync, and leaves foreign rules alone', async () => {
    const first = new PolicyDriver({ exec: exec() });
    first.setModel({ ...base, policies: [denyProd] }); first.markInSync(); await first.apply();
    // foreign state: a rule appended to FORWARD, one inserted above our hook, a chain of its own, an ipset
    await lab.exec(node, ['iptables', '-A', 'FORWARD', '-s', '198.18.9.9/32', '-j', 'ACCEPT']);
    await lab.exec(node, ['iptables', '-N', 'FOREIGN']);
    await lab.exec(node, ['iptables', '-A', 'FOREIGN', '-s', '198.18.9.8/32', '-j', 'DROP']);
    await lab.exec(node, ['iptables', '-I', 'FORWARD', '1', '-s', '198.18.9.7/32', '-j', 'FOREIGN']);
    await lab.exec(node, ['ipset', 'create', 'foreign-set', 'hash:ip']);
    const foreign = (t: string) => t.split('\n').filter((l) => /198\.18\.9\.|FOREIGN/.test(l)).sort();
    const foreignBefore = foreign(await save('iptables-save'));
    expect(foreignBefore).toHaveLength(4);

    const second = new PolicyDriver({ exec: exec() });
    second.setModel({ ...base, policies: [denyProd] });
    const r1 = await second.apply();
    expect(r1.readBack).toBe(true);
    expect(r1.chainsWritten).toBe(0);
    expect(r1.setsCreated + r1.membersAdded + r1.membersRemoved).toBe(0);
    expect(r1.hooksFixed).toBe(1); // FORWARD hook moved back to the top, once
    const v4 = await save('iptables-save');
    expect(v4.split('\n').filter((l) => l.startsWith('-A FORWARD'))[0]).toContain('-j cali-FORWARD');
    expect(v4.split('\n').filter((l) => l.includes('-j cali-FORWARD') && l.startsWith('-A FORWARD'))).toHaveLength(1);
    const rules = ourRules(v4);
    expect(new Set(rules).size).toBe(rules.length); // every rule has a unique chained hash: no duplicates

    // a new view without pod C and without the policy: nothing is deleted before markInSync
    const third = new PolicyDriver({ exec: exec() });
    third.setModel({ ...base, endpoints: base.endpoints.filter((e) => e.pod !== 'client'), policies: [] });
    const r2 = await third.apply();
    expect(r2.chainsDeleted + r2.setsDestroyed).toBe(0);
    expect(await save('iptables-save')).toContain(`cali-tw-${C.ifname}`);
    third.markInSync();
    const r3 = await third.apply();
    expect(r3.chainsDeleted).toBeGreaterThan(0);
    const after = await save('iptables-save');
    expect(after).not.toContain(C.ifname);
    expect(after).not.toMatch(/cali-pi-/);
    expect(foreign(after)).toEqual(foreignBefore);
    expect(await lab.exec(node, ['ipset', 'list', '-n'])).toContain('foreign-set');
    const again = await third.resync();
    expect(again.chainsWritten + again.chainsDeleted + again.setsCreated + again.setsDestroyed + again.hooksFixed).toBe(0);
  });

  it('NAT outgoing: pool traffic leaving the pools is masqueraded, only for natOutgoing pools', async () => {
    const d = new PolicyDriver({ exec: exec() });
    d.setModel(base); d.markInSync(); await d.apply();
    const seen = async () => JSON.parse(await lab.exec(A.netns, ['node', PROBE, 'batch', '2000', JSON.stringify([{ proto: 'tcp', host: '198.18.0.2', port: 8080 }])]))[0];
    expect(await seen()).toBe('198.18.0.1');
    d.setPools([{ cidr: '100.64.0.0/16', natOutgoing: false }]);
    await d.apply();
    expect(await seen()).toBe(A.v4);
    // pod-to-pod traffic is never masqueraded
    d.setPools([{ cidr: '100.64.0.0/16', natOutgoing: true }]);
    await d.apply();
    const peer = await lab.spawn(B.netns, 'whoami-b', ['node', PROBE, 'serve', '@peer', '9999', '']);
    const fromA = () => lab.exec(A.netns, ['node', PROBE, 'batch', '1000', JSON.stringify([{ proto: 'tcp', host: B.v4, port: 9999 }])]);
    expect(await waitUntil('B sees A unmasqueraded', fromA, (o) => o.includes(A.v4))).toContain(A.v4);
    await peer.stop();
  });
});
