// `--keep` and `down`: a kept lab outlives the demo process, so it leaves the
// Lab registry (whose sweep would clean it as soon as any later lab starts,
// since its owner process is gone) and is recorded in the demo's own state
// file instead: namespaces, PIDs with their start times, scratch directory.
// `demo -- down` (and the next `npm run demo`) removes it: processes by PID
// (start time checked, SIGTERM then SIGKILL), then the namespaces (which takes
// their veths, routes and iptables rules with them), then the directory.
import { existsSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { deleteNetns, killRecorded, removeState, untrack, type RecordedPid } from '../test/netns/registry.js';
import { listNetns, type Lab } from '../test/netns/index.js';

export const DEMO_STATE_DIR = process.env.L3MESH_DEMO_STATE_DIR ?? '/run/l3mesh-demo';
const STATE_FILE = join(DEMO_STATE_DIR, 'lab.json');

export interface KeptLab { prefix: string; netns: string[]; pids: RecordedPid[]; dir: string; commands: string[] }

/** Detaches the lab from the exit/signal teardown and records it for `down`. */
export function keepLab(lab: Lab, commands: string[]): KeptLab {
  const kept: KeptLab = {
    prefix: lab.prefix, netns: lab.namespaces(), dir: lab.dir, commands,
    pids: lab.processes().filter((p) => p.alive()).map((p) => ({ pid: p.pid, start: p.startTime, name: p.name })),
  };
  mkdirSync(DEMO_STATE_DIR, { recursive: true });
  writeFileSync(STATE_FILE, JSON.stringify(kept, null, 1));
  lab.keep = true;
  untrack(lab);
  removeState(lab.prefix.slice(0, -1));
  return kept;
}

export function keptLab(): KeptLab | undefined {
  if (!existsSync(STATE_FILE)) return undefined;
  try { return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as KeptLab; } catch { return undefined; }
}

/** Removes a kept lab; returns what was removed (undefined when none is recorded). */
export function removeKeptLab(): { prefix: string; processes: number; namespaces: number } | undefined {
  const kept = keptLab();
  if (!kept) return undefined;
  killRecorded(kept.pids);
  deleteNetns(kept.netns);
  const left = listNetns().filter((n) => kept.netns.includes(n));
  if (left.length) throw new Error(`demo down: namespaces not deleted: ${left.join(' ')}`);
  // the scratch dir is mkdtemp(<tmp>/<prefix>XXXXXX): only remove a directory named like that
  if (basename(kept.dir).startsWith(kept.prefix)) rmSync(kept.dir, { recursive: true, force: true });
  unlinkSync(STATE_FILE);
  return { prefix: kept.prefix, processes: kept.pids.length, namespaces: kept.netns.length };
}
