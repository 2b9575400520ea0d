// kill -9 of the policy driver in the middle of applies, then a restart: the
// driver runs as its own process (testing/applier-main.ts), alternating
// between two large models (120 extra endpoints and 20 policies each, with
// different names, so every apply writes and deletes hundreds of chains and
// sets) that both deny C → A. Probes from C run back to back the whole time:
// not one may get through (no allow-all window, each restore is atomic and
// chains are written before anything is deleted). A final driver converges:
// exactly the desired chains and sets, hooks once, no duplicates, and the
// foreign rules, chain and set are untouched.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, sleep, waitUntil, type LabProcess } from '../../test/netns/index.js';
import { PolicyDriver } from './driver.js';
import { commandExec } from './exec.js';
import type { Endpoint, NetworkPolicy, PolicyModel } from './model.js';
import { buildCluster, endpointOf, PROBE, probe, type Pod } from './testing/cluster.js';

const MAIN = fileURLToPath(new URL('./testing/applier-main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let lab: Lab;
let node: string;
let A: Pod; let B: Pod; let C: Pod;

function bulk(tag: 'a' | 'b', pods: Pod[]): PolicyModel {
  const endpoints: Endpoint[] = Array.from({ length: 120 }, (_, i) => ({
    key: `node1/bulk/${tag}${i}`, namespace: 'bulk', pod: `${tag}${i}`, ifname: `cali${tag}${String(i).padStart(6, '0')}`,
    ipv4: [`100.64.${tag === 'a' ? 1 : 2}.${i + 1}`], ipv6: [`2001:db8:100:${tag === 'a' ? 1 : 2}::${i + 1}`], labels: { grp: String(i % 20) },
  }));
  const policies: NetworkPolicy[] = Array.from({ length: 20 }, (_, k) => ({
    namespace: 'bulk', name: `${tag}-pol-${k}`, spec: { podSelector: { matchLabels: { grp: String(k) } },
      ingress: [{ from: [{ podSelector: { matchLabels: { grp: String((k + 1) % 20) } } }], ports: [{ port: 8000 + k }] }] },
  }));
  return {
    endpoints: [...pods.map(endpointOf), ...endpoints],
    namespaces: [{ name: 'prod', labels: { env: 'prod' } }, { name: 'dev', labels: { env: 'dev' } }, { name: 'bulk', labels: {} }],
    policies: [
      { namespace: 'prod', name: 'deny', spec: { podSelector: {}, policyTypes: ['Ingress'] } },
      { namespace: 'prod', name: 'from-db', spec: { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'db' } } }] }] } },
      ...policies,
    ],
    pools: [{ cidr: '100.64.0.0/16', natOutgoing: true }],
  };
}

beforeAll(async () => {
  lab = Lab.create('polcrash');
  const c = await buildCluster(lab, [
    { namespace: 'prod', name: 'web', index: 1, labels: { app: 'web' } },
    { namespace: 'prod', name: 'db', index: 2, labels: { app: 'db' } },
    { namespace: 'dev', name: 'client', index: 3, labels: { app: 'client' } },
  ]);
  node = c.node;
  [A, B, C] = c.pods as [Pod, Pod, Pod];
});

afterAll(() => lab?.teardown());

describe('kill -9 during apply', () => {
  it('denied traffic stays denied throughout, and a restarted driver converges without duplicates or leaks', async () => {
    const pods = [A, B, C];
    const m1 = bulk('a', pods); const m2 = bulk('b', pods);
    const f1 = join(lab.dir, 'm1.json'); const f2 = join(lab.dir, 'm2.json');
    writeFileSync(f1, JSON.stringify(m1)); writeFileSync(f2, JSON.stringify(m2));
    const exec = commandExec(['ip', 'netns', 'exec', node]);
    const initial = new PolicyDriver({ exec });
    initial.setModel(m1); initial.markInSync(); await initial.apply();
    expect(await probe(lab, [{ from: C, to: A, port: 8080 }, { from: B, to: A, port: 8080 }])).toEqual([false, true]);

    await lab.exec(node, ['iptables', '-A', 'FORWARD', '-s', '198.18.9.9/32', '-j', 'ACCEPT']);
    await lab.exec(node, ['iptables', '-N', 'FOREIGN']);
    await lab.exec(node, ['iptables', '-A', 'FOREIGN', '-s', '198.18.9.8/32', '-j', 'DROP']);
    await lab.exec(node, ['ipset', 'create', 'foreign-set', 'hash:ip']);

    const watchers: LabProcess[] = [
      await lab.spawn(C.netns, 'watch-v4', ['node', PROBE, 'watch', 'tcp', A.v4, '8080', '250']),
      await lab.spawn(C.netns, 'watch-v6', ['node', PROBE, 'watch', 'tcp', A.v6, '8080', '250']),
      await lab.spawn(C.netns, 'watch-udp', ['node', PROBE, 'udpflood', A.v4, '5353', '5']),
      await lab.spawn(B.netns, 'watch-allowed', ['node', PROBE, 'watch', 'tcp', A.v4, '8080', '250']),
      await lab.spawn(B.netns, 'flood-allowed', ['node', PROBE, 'udpflood', A.v4, '5353', '5']),
    ];
    const lines = (p: LabProcess) => readFileSync(p.log, 'utf8').split('\n').filter(Boolean);
    // the probes must be running before the kills start (a loaded machine starts them slowly)
    for (const w of watchers) await waitUntil(`${w.name} probing`, () => lines(w).length, (n) => n > 5, { timeoutMs: 60_000, diagnose: () => w.logTail() });

    let kills = 0;
    for (let round = 0; round < 8; round++) {
      const p = await lab.spawn(node, `applier-${round}`, ['node', '--import', 'tsx', MAIN, node, f1, f2, '--in-sync', '--loop'], { cwd: ROOT });
      const applied = () => (readFileSync(p.log, 'utf8').match(/^applied /gm) ?? []).length;
      await waitUntil(`applier ${round} applying`, applied, (n) => n >= 1 + (round % 2), { timeoutMs: 60_000, diagnose: () => p.logTail() });
      await sleep(Math.floor(Math.random() * 150));
      process.kill(p.pid, 'SIGKILL');
      kills++;
      await waitUntil(`applier ${round} dead`, () => !p.alive());
    }

    const final = new PolicyDriver({ exec });
    final.setModel(m2); final.markInSync();
    await final.apply();
    const again = await final.resync();
    expect(again.chainsWritten + again.chainsDeleted + again.setsCreated + again.membersAdded + again.membersRemoved + again.setsDestroyed + again.hooksFixed).toBe(0);
    await sleep(500);
    for (const w of watchers) await w.stop();

    expect(kills).toBe(8);
    for (const w of watchers.slice(0, 3)) {
      const l = lines(w).filter((x) => !x.startsWith('sent '));
      expect(lines(w).length, `${w.name} made attempts`).toBeGreaterThan(5);
      expect(l.filter((x) => x === 'ok'), `${w.name}: denied traffic got through`).toEqual([]);
    }
    // the probes themselves work: the same kinds of probe from B (allowed) get answers
    expect(lines(watchers[3] as LabProcess)).toContain('ok');
    expect(lines(watchers[4] as LabProcess)).toContain('ok');

    const desired = final.desired();
    for (const [cmd, fam] of [['iptables-save', 4], ['ip6tables-save', 6]] as const) {
      const text = await lab.exec(node, [cmd]);
      const chains = text.split('\n').filter((l) => l.startsWith(':cali-')).map((l) => l.slice(1).split(' ')[0]).sort();
      const want = [...desired.chains[fam].filter.keys(), ...desired.chains[fam].nat.keys()].sort();
      expect(chains).toEqual(want);
      const rules = text.split('\n').filter((l) => l.includes('--comment "cali:'));
      expect(new Set(rules).size).toBe(rules.length);
      for (const base of ['FORWARD', 'INPUT', 'POSTROUTING']) {
        expect(rules.filter((l) => l.startsWith(`-A ${base} `)), `${cmd} ${base} hook`).toHaveLength(1);
      }
    }
    const sets = (await lab.exec(node, ['ipset', 'list', '-n'])).split('\n').filter(Boolean).sort();
    expect(sets).toEqual([...desired.sets.keys(), 'foreign-set'].sort());
    const v4 = await lab.exec(node, ['iptables-save']);
    expect(v4).toContain('-A FORWARD -s 198.18.9.9/32 -j ACCEPT');
    expect(v4).toContain('-A FOREIGN -s 198.18.9.8/32 -j DROP');
    expect(await probe(lab, [{ from: C, to: A, port: 8080 }, { from: B, to: A, port: 8080 }])).toEqual([false, true]);
  });
});
