// Brings the demo's cluster up inside a Lab (test/netns): one namespace per
// node, reflector, the ToR and the LAN switch; every daemon started with
// lab.spawn so it is recorded by PID (with its start time) and dies with the
// lab — at the end of the run, on Ctrl-C / SIGTERM, or by `demo -- down`.
// Nodes run our bgpd and our agent (embedded mode: one shared datastore
// file, the CNI API on a unix socket); the reflectors run `reflector`; the
// ToR runs BIRD. Each node gets the proxy-ARP helper the pods' gateway
// 169.254.1.1 needs (a spare veth gw0 with `169.254.1.1/32 dev gw0`), since
// no namespace ever gets a default route. Nothing is added to the root
// namespace (Lab creates veths directly inside namespaces).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { buildLan, type Lab, type LabProcess } from '../test/netns/index.js';
import {
  CLUSTER_ID, REFLECTORS, TOR_IP, UNDERLAY, agentConfig, bgpdConfig, clusterResources, nodesOf, reflectorConfig, torBirdConfig,
  type DemoOptions, type NodePlan, type Res,
} from './plan.js';

export const ROOT = new URL('..', import.meta.url).pathname;

export interface Member { name: string; ns: string; ip: string; role: 'node' | 'reflector' | 'tor' }

export interface Cluster {
  lab: Lab;
  options: DemoOptions;
  nodes: (NodePlan & { ns: string; api: string; cni: string })[];
  reflectors: (Member & { api: string })[];
  tor: Member & { birdSocket: string };
  switchNs: string;
  datastore: string;
  processes: LabProcess[];
}

export function writeYamlDocs(file: string, docs: Res[]): void {
  writeFileSync(file, docs.map((d) => `---\n${stringify(d)}`).join(''));
}

export async function buildCluster(lab: Lab, options: DemoOptions, say: (s: string) => void): Promise<Cluster> {
  const dir = lab.dir;
  const datastore = join(dir, 'cluster.yaml');
  writeYamlDocs(datastore, clusterResources(options));

  const nodes = [];
  for (const n of nodesOf(options)) {
    nodes.push({ ...n, ns: await lab.namespace(n.name), api: join(dir, `${n.name}-bgpd.sock`), cni: join(dir, `${n.name}-cni.sock`) });
  }
  const reflectors = [];
  for (const r of REFLECTORS) reflectors.push({ ...r, ns: await lab.namespace(r.name), role: 'reflector' as const, api: join(dir, `${r.name}.sock`) });
  const tor = { name: 'tor', ip: TOR_IP, ns: await lab.namespace('tor'), role: 'tor' as const, birdSocket: join(dir, 'tor-bird.ctl') };
  const members = [...nodes, ...reflectors, tor];
  const switchNs = await buildLan(lab, 'sw', members.map((m) => ({ ns: m.ns, addresses: [`${m.ip}/24`] })));
  say(`underlay LAN ${UNDERLAY}.0/24: ${nodes.length} nodes, 2 route reflectors, ToR (${members.length} namespaces on one bridge)`);
  for (const n of nodes) {
    await lab.exec(n.ns, ['ip', '-batch', '-'], { input: 'link add gw0 type veth peer name gw1\nlink set gw0 up\nlink set gw1 up\nroute add 169.254.1.1/32 dev gw0\n' });
  }

  const processes: LabProcess[] = [];
  const node = process.execPath;
  // the ToR first, so the reflectors find it listening
  const birdConf = join(dir, 'tor-bird.conf');
  writeFileSync(birdConf, torBirdConfig(options, join(dir, 'tor-bird.log')));
  processes.push(await lab.spawn(tor.ns, 'tor-bird', ['bird', '-f', '-c', birdConf, '-s', tor.birdSocket, '-P', join(dir, 'tor-bird.pid')]));
  for (const r of reflectors) {
    const conf = join(dir, `${r.name}.yaml`);
    writeFileSync(conf, stringify(reflectorConfig(r, options, r.api)));
    processes.push(await lab.spawn(r.ns, r.name, [node, join(ROOT, 'bin/reflector.js'), '--config', conf], { cwd: ROOT }));
  }
  for (const n of nodes) {
    const bgpd = join(dir, `${n.name}-bgpd.yaml`);
    const agent = join(dir, `${n.name}-agent.yaml`);
    writeFileSync(bgpd, stringify(bgpdConfig(n, n.api)));
    writeFileSync(agent, stringify(agentConfig(n, { datastore, speaker: n.api, cni: n.cni })));
    processes.push(await lab.spawn(n.ns, `${n.name}-bgpd`, [node, join(ROOT, 'bin/bgpd.js'), '--config', bgpd], { cwd: ROOT }));
    processes.push(await lab.spawn(n.ns, `${n.name}-agent`, [node, join(ROOT, 'bin/agent.js'), '--config', agent], { cwd: ROOT }));
  }
  say(`started: BIRD on the ToR (AS 65100), reflector ×2 (cluster ID ${CLUSTER_ID}), bgpd + agent on each node (AS 64512)`);
  return { lab, options, nodes, reflectors, tor, switchNs, datastore, processes };
}

/** A one-line reason when a daemon died (for waits to give up early). */
export function deadDaemon(c: Cluster): string | undefined {
  const dead = c.processes.find((p) => !p.alive());
  return dead ? `${dead.name} ${dead.exited()}\n${dead.logTail(20)}` : undefined;
}

export function logTails(c: Cluster, lines = 12): string {
  return c.processes.map((p) => p.logTail(lines)).join('\n');
}
