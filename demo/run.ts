// The demo's script, step by step, printing as it goes: cluster up → BGP
// sessions Established → `ctl node status` → pods through the CNI plugin
// (round 1, fillers that exhaust n1's block, round 2 with convergence
// measured) → routes at every node and at the ToR checked against IPAM →
// the sample NetworkPolicy → the connectivity matrix against its truth table.
// Returns everything it measured (the --json output and the test's input).
// Every wait is on a condition with a deadline, and gives up early with the
// daemon's log when one of them dies.
import { FileDatastore } from '../agent/datastore/file.js';
import { Lab, waitUntil } from '../test/netns/index.js';
import { buildCluster, deadDaemon, logTails, type Cluster } from './cluster.js';
import {
  Sessions, birdc, checkNodeRoutes, firstAnswer, inCidr, checkTorRoutes, ctlNodeStatus, expectation, kernelRoutes, kernelRoutesText, measureMatrix, ping,
  renderMatrix, torRoutes, type Cell, type SessionState,
} from './observe.js';
import { POLICY, allowed, podsOf, type DemoOptions, type PodPlan } from './plan.js';
import { addPod, cniPlugin, labelPod, serverListening, startServer, type Pod } from './pods.js';
import { keepLab, type KeptLab } from './state.js';

export interface DemoResult {
  ok: boolean;
  options: DemoOptions;
  labPrefix: string;
  labDir: string;
  /** every process the lab started (PID and start time, for leftover checks) */
  processes: { pid: number; start: number; name: string }[];
  sessions: SessionState[];
  pods: { name: string; namespace: string; node: string; ip: string; borrowed: boolean; addMs: number }[];
  blocks: Record<string, string[]>;
  routes: { where: string; missing: string[] }[];
  matrix: Cell[];
  convergence: { pod: string; node: string; borrowed: boolean; ms: number }[];
  durationS: number;
  kept?: KeptLab;
}

export interface RunOptions extends DemoOptions { keep: boolean; out: (line: string) => void }

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor((s.length - 1) / 2)]! : 0; };

const indent = (text: string, by = '    ') => text.split('\n').map((l) => by + l).join('\n');

export async function runDemo(o: RunOptions): Promise<DemoResult> {
  const t0 = performance.now();
  const say = (s: string) => o.out(s);
  const step = (s: string) => o.out(`\n▶ ${s}  [${secs(performance.now() - t0)}]`);
  const options: DemoOptions = { nodes: o.nodes, tor: o.tor };
  const lab = Lab.create('demo');
  let sessions: Sessions | undefined;
  let ds: FileDatastore | undefined;
  let kept = false;
  try {
    step(`building a ${o.nodes}-node pure-L3 cluster in network namespaces (lab ${lab.prefix.slice(0, -1)})`);
    say('  CNI plugin: building the l3mesh binary (cni/build.mjs, reused when up to date)');
    const plugin = cniPlugin();
    const c = await buildCluster(lab, options, (s) => say(`  ${s}`));
    const abort = () => deadDaemon(c);
    const diagnose = () => logTails(c);

    step(`BGP sessions (nodes → both reflectors${o.tor === 'rr' ? ', reflectors → ToR' : ', nodes → ToR'}; no node-to-node mesh)`);
    sessions = new Sessions(c);
    const finalSessions = await waitSessions(c, sessions, say, abort, diagnose);

    step('ctl node status on each node and reflector');
    const tables = await Promise.all([...c.nodes, ...c.reflectors].map(async (m) => [m.name, await ctlNodeStatus(m.api)] as const));
    for (const [name, table] of tables) say(`  ${name}:\n${indent(table)}`);

    step('pods through the CNI plugin (CNI_COMMAND=ADD, as a container runtime calls it)');
    const store = await FileDatastore.open(c.datastore);
    ds = store;
    const pods: Pod[] = [];
    const convergence: DemoResult['convergence'] = [];
    const create = async (plan: PodPlan): Promise<Pod> => {
      const p = await addPod(c, plugin, plan);
      pods.push(p);
      await labelPod(store, p);
      if (p.matrix) await startServer(c, p);
      return p;
    };
    const label = (p: Pod) => `${`${p.namespace}/${p.name}`.padEnd(13)} on ${p.node}: ${p.ip.padEnd(12)} (ADD ${p.addMs.toFixed(0)} ms)`;
    const plans = podsOf(options);
    for (const plan of plans.filter((x) => x.round === 1)) say(`  ${label(await create(plan))}`);
    await waitRoundOne(c, pods, say);
    for (const plan of plans.filter((x) => x.round === 0)) say(`  ${label(await create(plan))} filler: fills ${plan.node}'s block`);
    for (const plan of plans.filter((x) => x.round === 2)) {
      const p = await addPod(c, plugin, plan);
      pods.push(p);
      const reach = measureConvergence(c, p, pods);
      await labelPod(store, p);
      await startServer(c, p);
      const ms = await reach;
      const borrowed = !(await nodeBlocks(store, p.node)).some((b) => inCidr(p.ip, b));
      convergence.push({ pod: p.name, node: p.node, borrowed, ms });
      say(`  ${label(p)} → pingable from every other node after ${ms.toFixed(0)} ms${borrowed ? '  [borrowed /32]' : ''}`);
    }

    step('routes: every node (kernel, proto 201) and the ToR (BIRD) against IPAM');
    const blocks = (await store.list('IPAMBlock')).map((b) => ({ cidr: b.spec.cidr, affinity: b.spec.affinity }));
    const exp = expectation(blocks, pods);
    const routes: DemoResult['routes'] = [];
    for (const n of c.nodes) {
      const missing = await waitUntil(`${n.name}: expected routes`, async () => checkNodeRoutes(c, n.name, await kernelRoutes(c, n.name), exp, pods),
        (m) => m.length === 0, { timeoutMs: 30_000, abort }).catch(async () => checkNodeRoutes(c, n.name, await kernelRoutes(c, n.name), exp, pods));
      routes.push({ where: n.name, missing });
      const own = exp.blocks.get(n.name) ?? [];
      say(`  ${n.name} (${n.ip}): block${own.length > 1 ? 's' : ''} ${own.join(', ') || '-'}${missing.length ? `  ✗ missing: ${missing.join('; ')}` : '  ✓ as expected'}`);
      say(indent(await kernelRoutesText(c, n.name)));
    }
    const torMissing = await waitUntil('ToR: expected routes', async () => checkTorRoutes(c, await torRoutes(c), exp), (m) => m.length === 0, { timeoutMs: 30_000, abort })
      .catch(async () => checkTorRoutes(c, await torRoutes(c), exp));
    routes.push({ where: 'tor', missing: torMissing });
    say(`  ToR (BIRD, AS 65100): ${torMissing.length ? `✗ missing: ${torMissing.join('; ')}` : `✓ every block as an aggregate via its node, every borrowed /32 via its borrower${o.tor === 'nodes' ? ' (among the paths: every node also relays what it learned, next hop self)' : ''}`}`);
    say(indent((await birdc(c, 'show', 'route')).trimEnd().split('\n').filter((l) => !/^BIRD|^Table/.test(l)).join('\n')));

    step('NetworkPolicy db/db-from-web: pods in "db" accept TCP 8080 only from app=web pods in namespace "web"');
    await store.create(POLICY as never);
    const matrixPods = pods.filter((p) => p.matrix);
    for (const p of matrixPods) await waitUntil(`${p.name}: TCP server listening`, () => serverListening(c, p), Boolean, { timeoutMs: 20_000 });
    let matrix: Cell[] = [];
    const deadline = performance.now() + 30_000;
    let attempts = 0;
    do {
      attempts++;
      matrix = await measureMatrix(c, matrixPods, allowed);
    } while (matrix.some((x) => x.actual !== x.expected) && performance.now() < deadline);
    const wrong = matrix.filter((x) => x.actual !== x.expected);
    say(`  connectivity matrix (real TCP connections to port 8080; ✓ connected, ✗ refused by policy${wrong.length ? ', ! differs from the policy' : ''}):`);
    say(indent(renderMatrix(matrixPods, matrix)));
    say(wrong.length ? `  ✗ ${wrong.length} cells differ from the policy's truth table: ${wrong.map((x) => `${x.from}→${x.to}`).join(', ')}`
      : `  ✓ equal to the policy's truth table (${matrix.length} connections, ${matrix.filter((x) => !x.actual).length} denied; measurement ${attempts})`);

    const ms = convergence.map((x) => x.ms);
    step('summary');
    const established = finalSessions.filter((s) => s.established).length;
    say(`  sessions Established: ${established}/${finalSessions.length}`);
    say(`  routes as expected: ${routes.filter((r) => r.missing.length === 0).length}/${routes.length} routers`);
    say(`  convergence, CNI ADD returned → pingable from every other node: median ${median(ms).toFixed(0)} ms, max ${Math.max(...ms).toFixed(0)} ms (${ms.length} pods)`);
    say(`  policy matrix: ${wrong.length ? `${wrong.length} cells wrong` : 'as the policy says'}`);
    const ok = established === finalSessions.length && routes.every((r) => r.missing.length === 0) && wrong.length === 0;
    say(`  total ${secs(performance.now() - t0)}`);

    const result: DemoResult = {
      ok, options, labPrefix: lab.prefix, labDir: lab.dir, processes: lab.processes().map((p) => ({ pid: p.pid, start: p.startTime, name: p.name })), sessions: finalSessions,
      pods: pods.map((p) => ({ name: p.name, namespace: p.namespace, node: p.node, ip: p.ip, borrowed: exp.borrowed.includes(p), addMs: Math.round(p.addMs) })),
      blocks: Object.fromEntries(exp.blocks), routes, matrix, convergence: convergence.map((x) => ({ ...x, ms: Math.round(x.ms) })),
      durationS: Math.round((performance.now() - t0) / 100) / 10,
    };
    if (o.keep) { result.kept = keep(c, pods, say); kept = true; }
    return result;
  } finally {
    sessions?.close();
    await ds?.close();
    if (!kept) {
      o.out('\n▶ removing the lab (processes by PID, then namespaces)');
      lab.teardown();
    }
  }
}

async function nodeBlocks(ds: FileDatastore, node: string): Promise<string[]> {
  return (await ds.list('IPAMBlock')).filter((b) => b.spec.affinity === `host:${node}`).map((b) => b.spec.cidr);
}

async function waitSessions(c: Cluster, s: Sessions, say: (l: string) => void, abort: () => string | undefined, diagnose: () => string): Promise<SessionState[]> {
  const n = c.nodes.length;
  const want = n * (2 + (c.options.tor === 'nodes' ? 1 : 0)) + 2 * (n + (c.options.tor === 'rr' ? 1 : 0)) + (c.options.tor === 'rr' ? 2 : n);
  const seen = new Set<string>();
  const t0 = performance.now();
  const pairKey = (x: SessionState) => [x.speaker, x.peer.replace(/^peer-/, '')].sort().join(' ⇄ ');
  return waitUntil('every BGP session Established', async () => {
    const all = await s.all();
    for (const x of all.filter((y) => y.established)) {
      const k = pairKey(x);
      if (seen.has(k)) continue;
      seen.add(k);
      say(`  ✓ ${k.padEnd(12)} Established  +${secs(performance.now() - t0)}`);
    }
    return all;
  }, (all) => all.length === want && all.every((x) => x.established), { timeoutMs: 120_000, intervalMs: 250, abort, diagnose });
}

async function waitRoundOne(c: Cluster, pods: Pod[], say: (l: string) => void): Promise<void> {
  const round1 = pods.filter((p) => p.round === 1);
  const pairs = round1.flatMap((a) => round1.filter((b) => b !== a).map((b) => [a, b] as const));
  const start = performance.now();
  await Promise.all(pairs.map(([a, b]) => waitUntil(`${a.name} → ${b.name} ping`, () => ping(c, a, b), Boolean, { timeoutMs: 60_000, intervalMs: 100, abort: () => deadDaemon(c) })));
  say(`  the first pod of every node reaches the others by ping (${pairs.length} pairs, ${secs(performance.now() - start)})`);
}

/** From ADD's return until a pod on every other node pings the new pod (first answered ping per source). */
async function measureConvergence(c: Cluster, p: Pod, pods: Pod[]): Promise<number> {
  const sources = c.nodes.filter((n) => n.name !== p.node).map((n) => pods.find((q) => q.round === 1 && q.node === n.name)).filter((q): q is Pod => q !== undefined);
  const times = await Promise.all(sources.map(async (s) => (await firstAnswer(c, s, p)) - p.readyAt));
  return Math.max(...times);
}

function keep(c: Cluster, pods: Pod[], say: (l: string) => void): KeptLab {
  const [a, b] = [pods.find((p) => p.namespace === 'web'), pods.find((p) => p.namespace === 'db')];
  const commands = [
    `node bin/ctl.js --socket ${c.nodes[0]!.api} node status`,
    `node bin/ctl.js --socket ${c.nodes[0]!.api} bgp routes`,
    `node bin/ctl.js --socket ${c.reflectors[0]!.api} bgp peers`,
    `ip -n ${c.nodes[0]!.ns} route`,
    ...(a && b ? [`ip netns exec ${a.ns} ping -c 3 ${b.ip}      # ${a.name} → ${b.name}`] : []),
    `birdc -s ${c.tor.birdSocket} show route`,
    `birdc -s ${c.tor.birdSocket} show protocols`,
    `ls ${c.lab.dir}      # configs, datastore (cluster.yaml), logs`,
    'npm run demo -- down      # removes everything',
  ];
  const kept = keepLab(c.lab, commands);
  say('\n▶ the lab keeps running (--keep). Explore it:');
  for (const cmd of commands) say(`  ${cmd}`);
  return kept;
}
