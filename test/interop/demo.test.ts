// `npm run demo` end to end, as a user runs it (node scripts/demo.mjs, a
// child process, non-interactive, --json for its results on the last line):
//   - default lab (4 nodes, ToR peering with the reflectors): every session
//     Established, every expected route at every node and at the ToR (each
//     node's block as an aggregate, the borrowed /32), the connectivity matrix
//     equal to the policy's truth table (recomputed here, not taken from the
//     demo), and afterwards nothing left: no namespace, process, state file or
//     scratch directory of the lab, and the root namespace's routes, links and
//     iptables rules unchanged;
//   - `--keep` with the other topology (2 nodes, ToR peering with every node):
//     the lab stays up after the demo exits, then `demo down` removes it all.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listNetns, pidAlive, run, STATE_DIR } from '../netns/index.js';
import type { DemoResult } from '../../demo/run.js';

const ROOT = new URL('../..', import.meta.url).pathname;

interface Outcome { code: number; stdout: string; stderr: string; result?: DemoResult }

function demo(args: string[], timeoutMs = 150_000): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts/demo.mjs'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    // SIGTERM on timeout: the demo's lab tears itself down on it
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const last = stdout.trimEnd().split('\n').at(-1) ?? '';
      let result: DemoResult | undefined;
      try { result = JSON.parse(last) as DemoResult; } catch { /* reported by the caller */ }
      resolve({ code: code ?? 1, stdout, stderr, ...(result ? { result } : {}) });
    });
  });
}

/** What the lab must never change in the root namespace. */
async function rootSnapshot(): Promise<{ routes: string; links: string[]; iptables: string }> {
  const links = (JSON.parse(await run(['ip', '-j', 'link', 'show'])) as { ifname: string }[]).map((l) => l.ifname).sort();
  const routes = await run(['ip', 'route', 'show', 'table', 'all']);
  // rule lines only (counters and the timestamp comments of iptables-save change by themselves)
  const iptables = (await run(['iptables-save'])).split('\n').filter((l) => /^[-*:]/.test(l)).map((l) => l.replace(/ \[\d+:\d+\]$/, '')).join('\n');
  return { routes, links, iptables };
}

function explain(o: Outcome): string {
  return `exit ${o.code}\n--- stdout (tail) ---\n${o.stdout.split('\n').slice(-80).join('\n')}\n--- stderr ---\n${o.stderr.slice(-4000)}`;
}

/** The sample policy's truth table, independently: db pods accept only app=web pods of namespace web (all web pods have it). */
const mayConnect = (from: { namespace: string }, to: { namespace: string }) => to.namespace !== 'db' || from.namespace === 'web';

function checkOutcome(o: Outcome, nodes: number, torPeers: 'rr' | 'nodes'): DemoResult {
  expect(o.result, explain(o)).toBeDefined();
  const r = o.result!;
  expect(o.code, explain(o)).toBe(0);
  expect(r.ok, explain(o)).toBe(true);
  // sessions: each node ⇄ both reflectors (+ ToR), reflectors ⇄ nodes (+ ToR), ToR ⇄ its peers; all Established
  const want = nodes * (2 + (torPeers === 'nodes' ? 1 : 0)) + 2 * (nodes + (torPeers === 'rr' ? 1 : 0)) + (torPeers === 'rr' ? 2 : nodes);
  expect(r.sessions.length).toBe(want);
  expect(r.sessions.filter((s) => !s.established)).toEqual([]);
  expect(r.sessions.filter((s) => s.speaker === 'tor').map((s) => s.peer).sort())
    .toEqual(torPeers === 'rr' ? ['rr1', 'rr2'] : Array.from({ length: nodes }, (_, i) => `n${i + 1}`));
  // routes: every node and the ToR checked, nothing missing; one block per node; the borrowed /32 exists
  expect(r.routes.map((x) => x.where).sort()).toEqual([...Array.from({ length: nodes }, (_, i) => `n${i + 1}`), 'tor'].sort());
  expect(r.routes.filter((x) => x.missing.length)).toEqual([]);
  expect(Object.keys(r.blocks).sort()).toEqual(Array.from({ length: nodes }, (_, i) => `n${i + 1}`));
  for (const b of Object.values(r.blocks)) expect(b).toHaveLength(1);
  const borrowed = r.pods.filter((p) => p.borrowed);
  expect(borrowed.map((p) => p.node)).toEqual(['n1']);
  expect(Object.values(r.blocks).flat().some((b) => b.startsWith(`${borrowed[0]!.ip.split('.').slice(0, 3).join('.')}.`))).toBe(true);
  // the matrix: every ordered pair of server pods, each as the truth table says
  const byName = new Map(r.pods.map((p) => [p.name, p]));
  const servers = r.pods.filter((p) => !p.name.startsWith('batch-'));
  expect(r.matrix).toHaveLength(servers.length * (servers.length - 1));
  for (const cell of r.matrix) {
    const truth = mayConnect(byName.get(cell.from)!, byName.get(cell.to)!);
    expect({ ...cell, truth }).toEqual({ ...cell, expected: truth, actual: truth, truth });
  }
  expect(r.matrix.some((x) => !x.actual)).toBe(true);
  // convergence measured for the second pod of every node
  expect(r.convergence).toHaveLength(nodes);
  for (const x of r.convergence) expect(x.ms).toBeGreaterThanOrEqual(0);
  return r;
}

function expectGone(r: DemoResult): void {
  expect(listNetns().filter((n) => n.startsWith(r.labPrefix))).toEqual([]);
  expect(r.processes.filter((p) => pidAlive(p.pid, p.start))).toEqual([]);
  expect(existsSync(r.labDir)).toBe(false);
  const states = existsSync(STATE_DIR) ? readdirSync(STATE_DIR) : [];
  expect(states.filter((f) => f.startsWith(r.labPrefix.slice(0, -1)))).toEqual([]);
}

describe('npm run demo', () => {
  it('builds the lab, everything checks out, and nothing is left behind', async () => {
    const before = await rootSnapshot();
    const o = await demo(['--json']);
    const r = checkOutcome(o, 4, 'rr');
    expect(o.stdout).toContain('ctl node status');
    expect(o.stdout).toMatch(/PEER ADDRESS/);
    expectGone(r);
    expect(await rootSnapshot()).toEqual(before);
  }, 180_000);

  it('--keep leaves the lab running (ToR peering with every node); `down` removes everything', async () => {
    const o = await demo(['--keep', '--nodes', '2', '--tor', 'nodes', '--json']);
    try {
      const r = checkOutcome(o, 2, 'nodes');
      expect(r.kept).toBeDefined();
      // the demo process is gone, the lab is not
      expect(r.kept!.pids.length).toBeGreaterThan(0);
      expect(r.kept!.pids.every((p) => pidAlive(p.pid, p.start))).toBe(true);
      expect(listNetns().filter((n) => n.startsWith(r.labPrefix)).sort()).toEqual([...r.kept!.netns].sort());
      expect(o.stdout).toContain('npm run demo -- down');
      const d = await demo(['down'], 60_000);
      expect(d.code, explain(d)).toBe(0);
      expect(d.stdout).toMatch(/removed demo lab/);
      expectGone(r);
    } finally {
      await demo(['down'], 60_000); // whatever happened above, never leave a kept lab behind
    }
  }, 180_000);
});
