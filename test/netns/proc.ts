// /proc readers for processes the labs start: state and start time from
// /proc/<pid>/stat (start time guards against PID reuse before a kill), CPU
// seconds (utime + stime of all threads) and memory (VmHWM = peak RSS, VmRSS)
// from /proc/<pid>/status. All synchronous and cheap (one small read each).
import { readFileSync } from 'node:fs';

const CLK_TCK = 100; // USER_HZ: 100 on every Linux architecture Node supports

export interface ProcStat {
  /** one-letter state: R S D T t Z X … */
  state: string;
  /** clock ticks since boot at process start */
  startTime: number;
  utimeTicks: number;
  stimeTicks: number;
}

/** Parsed /proc/<pid>/stat, or undefined when the process is gone. */
export function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try { text = readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { return undefined; }
  // the command name (field 2) may contain spaces and parentheses: split after the last ')'
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const num = (i: number) => Number(f[i] ?? NaN);
  return { state: f[0] ?? '?', utimeTicks: num(11), stimeTicks: num(12), startTime: num(19) };
}

/** Alive and not a zombie; with startTime, also still the same process (no PID reuse). */
export function pidAlive(pid: number, startTime?: number): boolean {
  const st = procStat(pid);
  if (st === undefined || st.state === 'Z' || st.state === 'X') return false;
  return startTime === undefined || st.startTime === startTime;
}

/** utime + stime in seconds (all threads), or undefined when the process is gone. */
export function cpuSeconds(pid: number): number | undefined {
  const st = procStat(pid);
  return st === undefined ? undefined : (st.utimeTicks + st.stimeTicks) / CLK_TCK;
}

export interface ProcMemory { hwmKiB: number; rssKiB: number }

/** VmHWM (peak resident set) and VmRSS in KiB, or undefined when the process is gone. */
export function memory(pid: number): ProcMemory | undefined {
  let text: string;
  try { text = readFileSync(`/proc/${pid}/status`, 'utf8'); } catch { return undefined; }
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return { hwmKiB: field('VmHWM'), rssKiB: field('VmRSS') };
}

/** Whether the process is stopped (SIGSTOP / frozen): state T. */
export function isStopped(pid: number): boolean {
  return procStat(pid)?.state === 'T';
}
