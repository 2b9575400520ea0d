// Bookkeeping that outlives a crash: every lab writes what it created
// (namespaces, PIDs with start times) to a state file named after its unique
// prefix, and process exit / SIGINT / SIGTERM / SIGHUP tear down every live
// lab. A later lab sweeps state files whose owner process is dead (killed with
// SIGKILL, power loss of the test runner) — and only those: parallel runs keep
// their own. Processes are killed by PID after checking their start time;
// namespaces are deleted by their recorded names.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { runSync } from './exec.js';
import { pidAlive, procStat } from './proc.js';
import { sleepSync } from './wait.js';

export const STATE_DIR = process.env.LAB_STATE_DIR ?? '/run/l3mesh-lab';

export interface RecordedPid { pid: number; start: number; name: string }
export interface LabState { owner: { pid: number; start: number }; netns: string[]; pids: RecordedPid[]; dir?: string }

export interface Teardownable { teardown(): void }

const live = new Set<Teardownable>();
let hooked = false;

export function ownerIdentity(): { pid: number; start: number } {
  return { pid: process.pid, start: procStat(process.pid)?.startTime ?? 0 };
}

export function writeState(prefix: string, st: LabState): void {
  mkdirSync(STATE_DIR, { recursive: true });
  const file = join(STATE_DIR, `${prefix}.json`);
  writeFileSync(`${file}.tmp`, JSON.stringify(st));
  renameSync(`${file}.tmp`, file);
}

export function removeState(prefix: string): void {
  try { unlinkSync(join(STATE_DIR, `${prefix}.json`)); } catch { /* already gone */ }
}

/** The names `ip netns list` shows. */
export function listNetns(): string[] {
  return runSync(['ip', 'netns', 'list'], { allowFail: true }).split('\n').map((l) => l.split(' ')[0] ?? '').filter(Boolean);
}

/** SIGTERM (+SIGCONT for frozen ones), wait up to graceMs, then SIGKILL. Only processes whose start time matches. */
export function killRecorded(pids: RecordedPid[], graceMs = 5000): void {
  const signal = (p: RecordedPid, s: NodeJS.Signals) => {
    if (pidAlive(p.pid, p.start)) { try { process.kill(p.pid, s); } catch { /* gone */ } }
  };
  for (const p of pids) { signal(p, 'SIGTERM'); signal(p, 'SIGCONT'); }
  const deadline = Date.now() + graceMs;
  while (pids.some((p) => pidAlive(p.pid, p.start)) && Date.now() < deadline) sleepSync(20);
  for (const p of pids) signal(p, 'SIGKILL');
  const hard = Date.now() + 2000;
  while (pids.some((p) => pidAlive(p.pid, p.start)) && Date.now() < hard) sleepSync(20);
}

/** Kills whatever still runs inside the namespaces (they are ours), then deletes them. */
export function deleteNetns(names: string[]): void {
  const existing = new Set(listNetns());
  for (const ns of names.filter((n) => existing.has(n))) {
    const left = runSync(['ip', 'netns', 'pids', ns], { allowFail: true }).split('\n').filter(Boolean).map(Number)
      .map((pid) => ({ pid, start: procStat(pid)?.startTime ?? -1, name: `left in ${ns}` }));
    if (left.length) killRecorded(left, 2000);
    runSync(['ip', 'netns', 'del', ns], { allowFail: true });
  }
}

/** Cleans state files of labs whose owner process is gone; returns the prefixes cleaned. */
export function sweepStale(): string[] {
  let files: string[];
  try { files = readdirSync(STATE_DIR).filter((f) => f.endsWith('.json')); } catch { return []; }
  const cleaned: string[] = [];
  for (const f of files) {
    let st: LabState;
    try { st = JSON.parse(readFileSync(join(STATE_DIR, f), 'utf8')) as LabState; } catch { continue; }
    if (pidAlive(st.owner.pid, st.owner.start)) continue;
    killRecorded(st.pids);
    deleteNetns(st.netns);
    const prefix = f.slice(0, -'.json'.length);
    // the scratch dir is mkdtemp(<tmp>/<prefix>-XXXXXX): only remove a directory named like that
    if (st.dir && basename(st.dir).startsWith(`${prefix}-`) && process.env.LAB_KEEP !== '1') rmSync(st.dir, { recursive: true, force: true });
    removeState(prefix);
    cleaned.push(prefix);
  }
  return cleaned;
}

function teardownAll(): void {
  for (const lab of [...live]) {
    try { lab.teardown(); } catch (e) { process.stderr.write(`lab teardown failed: ${(e as Error).message}\n`); }
  }
}

function onSignal(sig: NodeJS.Signals): void {
  teardownAll();
  process.removeListener(sig, onSignal);
  // let the default action (or other listeners) happen now that our hosts are gone
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
}

/** Registers a lab for teardown on exit and on SIGINT/SIGTERM/SIGHUP. */
export function track(lab: Teardownable): void {
  live.add(lab);
  if (hooked) return;
  hooked = true;
  process.on('exit', teardownAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal);
}

export function untrack(lab: Teardownable): void { live.delete(lab); }
