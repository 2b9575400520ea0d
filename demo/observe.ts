// What the demo looks at, always measured on the real thing: BGP sessions
// (our speakers' gRPC API, BIRD's `show protocols`), `ctl node status`, the
// kernel routes of every node (`ip route`, our protocol 201) and the ToR's
// BGP table (`birdc show route`), checked against what the datastore says
// they must be (blocks by affinity as aggregates, borrowed addresses as
// /32s); pod-to-pod TCP connections for the policy matrix; pings for
// convergence.
import { join } from 'node:path';
import { connectApi, type ApiClient } from '../bgp/index.js';
import { runFull } from '../test/netns/index.js';
import { ROOT, type Cluster } from './cluster.js';
import { POD_PORT } from './plan.js';
import type { Pod } from './pods.js';

export interface SessionState { speaker: string; peer: string; state: string; established: boolean }

const STATE_NAMES = ['unspecified', 'Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'];

export class Sessions {
  private readonly apis = new Map<string, ApiClient>();
  constructor(private readonly c: Cluster) {
    for (const n of c.nodes) this.apis.set(n.name, connectApi(n.api, { deadlineMs: 3000 }));
    for (const r of c.reflectors) this.apis.set(r.name, connectApi(r.api, { deadlineMs: 3000 }));
  }

  /** Every session of every speaker and of the ToR; a speaker not answering yet shows as "(starting)". */
  async all(): Promise<SessionState[]> {
    const out: SessionState[] = [];
    await Promise.all([...this.apis].map(async ([name, api]) => {
      try {
        const { peers } = await api.call('listPeers', {});
        for (const p of peers) {
          const st = p.state?.sessionState ?? 0;
          out.push({ speaker: name, peer: p.conf?.name ?? '?', state: STATE_NAMES[st] ?? String(st), established: st === 6 });
        }
      } catch {
        out.push({ speaker: name, peer: '(api)', state: 'starting', established: false });
      }
    }));
    out.push(...await torSessions(this.c));
    return out.sort((a, b) => (a.speaker + a.peer < b.speaker + b.peer ? -1 : 1));
  }

  close(): void { for (const a of this.apis.values()) a.close(); }
}

export async function birdc(c: Cluster, ...cmd: string[]): Promise<string> {
  const r = await runFull(['birdc', '-s', c.tor.birdSocket, ...cmd], { allowFail: true, timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`birdc ${cmd.join(' ')}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

async function torSessions(c: Cluster): Promise<SessionState[]> {
  let text: string;
  try { text = await birdc(c, 'show', 'protocols'); } catch { return [{ speaker: 'tor', peer: '(birdc)', state: 'starting', established: false }]; }
  const out: SessionState[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[1] !== 'BGP') continue;
    const state = f.slice(5).join(' ') || f[3] || '?';
    out.push({ speaker: 'tor', peer: f[0]!, state, established: /Established/.test(line) });
  }
  return out;
}

/** Runs `ctl node status` against a speaker's API socket (as an operator would). */
export async function ctlNodeStatus(socket: string): Promise<string> {
  const r = await runFull([process.execPath, join(ROOT, 'bin/ctl.js'), '--socket', socket, 'node', 'status'], { allowFail: true, timeoutMs: 60_000 });
  return (r.stdout + (r.code !== 0 ? r.stderr : '')).trimEnd();
}

// ---- routes ----------------------------------------------------------------

export interface KernelRoute { dst: string; dev?: string; gateway?: string; type?: string; nexthops?: { gateway?: string }[] }

export async function kernelRoutes(c: Cluster, node: string): Promise<KernelRoute[]> {
  const n = c.nodes.find((x) => x.name === node)!;
  return JSON.parse(await c.lab.exec(n.ns, ['ip', '-j', 'route', 'show', 'proto', '201'])) as KernelRoute[];
}

export async function kernelRoutesText(c: Cluster, node: string): Promise<string> {
  const n = c.nodes.find((x) => x.name === node)!;
  return (await c.lab.exec(n.ns, ['ip', 'route', 'show', 'proto', '201'])).trimEnd();
}

/** The ToR's BGP table: prefix → next hops of its paths, the best (primary) first. */
export async function torRoutes(c: Cluster): Promise<Map<string, string[]>> {
  const text = await birdc(c, 'show', 'route');
  const out = new Map<string, string[]>();
  let prefix: string | undefined;
  let best = false;
  for (const line of text.split('\n')) {
    const m = /^(\d+\.\d+\.\d+\.\d+\/\d+)\s/.exec(line);
    if (m) prefix = m[1];
    if (/^\S|^\s+unicast/.test(line)) best = / \* /.test(line);
    const via = /^\s+via (\S+)/.exec(line);
    if (via && prefix) {
      const hops = out.get(prefix) ?? [];
      if (best) hops.unshift(via[1]!); else hops.push(via[1]!);
      out.set(prefix, hops);
    }
  }
  return out;
}

export interface Expected {
  /** node name → its blocks (by IPAM affinity) */
  blocks: Map<string, string[]>;
  /** pods whose address lies outside every block of their node */
  borrowed: Pod[];
}

const toNum = (ip: string) => ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
export function inCidr(ip: string, cidr: string): boolean {
  const [base, len] = cidr.split('/');
  const size = 2 ** (32 - Number(len));
  const b = toNum(base!);
  const x = toNum(ip);
  return x >= b && x < b + size;
}

/** Which routes must exist, from the IPAM blocks in the datastore and the pods' addresses. */
export function expectation(blocks: { cidr: string; affinity?: string }[], pods: Pod[]): Expected {
  const byNode = new Map<string, string[]>();
  for (const b of blocks) {
    const node = b.affinity?.startsWith('host:') ? b.affinity.slice(5) : undefined;
    if (node) byNode.set(node, [...(byNode.get(node) ?? []), b.cidr].sort());
  }
  const borrowed = pods.filter((p) => !(byNode.get(p.node) ?? []).some((b) => inCidr(p.ip, b)));
  return { blocks: byNode, borrowed };
}

const strip32 = (d: string) => d.replace(/\/32$/, '');
const gateways = (r: KernelRoute | undefined) => (r ? [r.gateway, ...(r.nexthops ?? []).map((h) => h.gateway)].filter(Boolean) : []);

/** Missing or wrong routes at one node (empty when all is as expected). */
export function checkNodeRoutes(c: Cluster, node: string, routes: KernelRoute[], exp: Expected, pods: Pod[]): string[] {
  const by = new Map(routes.map((r) => [strip32(r.dst), r]));
  const ipOf = (name: string) => c.nodes.find((n) => n.name === name)!.ip;
  const bad: string[] = [];
  for (const p of pods.filter((x) => x.node === node)) {
    if (by.get(p.ip)?.dev !== p.hostIf) bad.push(`${p.ip}/32 dev ${p.hostIf} (pod ${p.name})`);
  }
  for (const [owner, blocks] of exp.blocks) {
    for (const b of blocks) {
      const r = by.get(b);
      if (owner === node) { if (r?.type !== 'blackhole') bad.push(`blackhole ${b}`); }
      else if (!gateways(r).includes(ipOf(owner))) bad.push(`${b} via ${ipOf(owner)} (${owner})`);
    }
  }
  for (const p of exp.borrowed.filter((x) => x.node !== node)) {
    if (!gateways(by.get(p.ip)).includes(ipOf(p.node))) bad.push(`${p.ip}/32 via ${ipOf(p.node)} (borrowed by ${p.node})`);
  }
  return bad;
}

/**
 * ToR peering with the reflectors: the best path of each block and borrowed /32 goes to its node (next hop kept by the
 * reflectors). Peering with every node: each node also announces what it learned (next hop self, as Calico's nodes do
 * towards eBGP peers), so the ToR must hold a path via the owner among equally long ones.
 */
export function checkTorRoutes(c: Cluster, tor: Map<string, string[]>, exp: Expected): string[] {
  const ipOf = (name: string) => c.nodes.find((n) => n.name === name)!.ip;
  const has = (prefix: string, hop: string) => (c.options.tor === 'rr' ? tor.get(prefix)?.[0] === hop : (tor.get(prefix) ?? []).includes(hop));
  const bad: string[] = [];
  for (const [owner, blocks] of exp.blocks) for (const b of blocks) if (!has(b, ipOf(owner))) bad.push(`${b} via ${ipOf(owner)}`);
  for (const p of exp.borrowed) if (!has(`${p.ip}/32`, ipOf(p.node))) bad.push(`${p.ip}/32 via ${ipOf(p.node)}`);
  return bad;
}

// ---- traffic -----------------------------------------------------------------

/** One ping from a pod; true when answered. */
export async function ping(c: Cluster, from: Pod, to: Pod, waitS = 1): Promise<boolean> {
  const r = await runFull(['ip', 'netns', 'exec', from.ns, 'ping', '-n', '-q', '-c', '1', '-W', String(waitS), to.ip], { allowFail: true, timeoutMs: 10_000 });
  return r.code === 0;
}

/**
 * Pings every 20 ms until the first answer (or the deadline); resolves to performance.now() at that answer.
 * Errors such as "network unreachable" from a node without the route yet do not stop it.
 */
export async function firstAnswer(c: Cluster, from: Pod, to: Pod, deadlineS = 30): Promise<number> {
  const r = await runFull(['ip', 'netns', 'exec', from.ns, 'ping', '-n', '-q', '-c', '1', '-i', '0.02', '-w', String(deadlineS), to.ip],
    { allowFail: true, timeoutMs: (deadlineS + 5) * 1000 });
  if (r.code !== 0) throw new Error(`${from.name} → ${to.name} (${to.ip}): no answer to ping within ${deadlineS} s`);
  return performance.now();
}

/** A real TCP connection from one pod to another's server; true when the far end answered with its own name. */
export async function connect(c: Cluster, from: Pod, to: Pod, timeoutS = 2): Promise<boolean> {
  const script = `exec 3<>/dev/tcp/${to.ip}/${POD_PORT} && head -n 1 <&3`;
  const r = await runFull(['ip', 'netns', 'exec', from.ns, 'timeout', String(timeoutS), 'bash', '-c', script], { allowFail: true, timeoutMs: 10_000 });
  return r.code === 0 && r.stdout.trim() === to.name;
}

export interface Cell { from: string; to: string; expected: boolean; actual: boolean }

/** Every ordered pair of matrix pods, connected concurrently (bounded). */
export async function measureMatrix(c: Cluster, pods: Pod[], expected: (a: Pod, b: Pod) => boolean): Promise<Cell[]> {
  const pairs = pods.flatMap((a) => pods.filter((b) => b !== a).map((b) => [a, b] as const));
  const cells: Cell[] = [];
  const queue = [...pairs];
  await Promise.all(Array.from({ length: 12 }, async () => {
    for (let pair = queue.shift(); pair; pair = queue.shift()) {
      const [a, b] = pair;
      cells.push({ from: a.name, to: b.name, expected: expected(a, b), actual: await connect(c, a, b) });
    }
  }));
  return cells;
}

export function renderMatrix(pods: Pod[], cells: Cell[]): string {
  const w = Math.max(...pods.map((p) => p.name.length)) + 1;
  const cell = (a: Pod, b: Pod) => {
    if (a === b) return '·';
    const x = cells.find((k) => k.from === a.name && k.to === b.name);
    if (!x) return '?';
    return `${x.actual ? '✓' : '✗'}${x.actual === x.expected ? '' : '!'}`;
  };
  const head = `${'from \\ to'.padEnd(w + 2)}${pods.map((p) => p.name.padEnd(w)).join('')}`;
  const rows = pods.map((a) => `${`${a.name}`.padEnd(w + 2)}${pods.map((b) => cell(a, b).padEnd(w)).join('')}`);
  return [head, ...rows].join('\n');
}
