// One measured run (the method of ../shared/peers): build the topology,
// start observer, DUT and injector (which loads its N routes first), wait for
// DUT <-> observer, then t0 = enable the injector's session and poll three
// counters concurrently: routes the DUT accepted from the injector, routes the
// observer holds, and the injector's export counter (polling the injector also
// keeps BIRD 2.0.12 from stalling mid-burst when the DUT sends nothing back).
// Established = the injector's protocol "since" time (µs-precision log
// format). Withdraw: t1 = disable the injector's static protocol (BIRD sends
// withdraws for all N, the session stays up), poll until everything is at 0.
// CPU = utime+stime deltas from /proc/<pid>/stat, memory = VmHWM/VmRSS.
import { cpuSeconds, Lab, memory, sleep } from '../netns/index.js';
import { BULK_PROTOCOL } from '../peers/index.js';
import { nowMs, pollUntil, requireHits, type PollResult } from './poller.js';
import { buildTopology, type DutKind, type Topology } from './topology.js';

export interface RunOptions { timeoutMs: number; intervalMs: number; bulkDir: string }

export interface RunResult {
  dut: DutKind;
  n: number;
  ok: boolean;
  error?: string;
  /** t0 -> injector session Established */
  establishedS?: number;
  /** from Established: DUT has all N (or the observer, when it saw them first: ribBounded) */
  ribS?: number;
  ribBounded?: boolean;
  obsS?: number;
  injExportedS?: number;
  /** from disable: observer / DUT at 0 */
  wdS?: number;
  wdRibS?: number;
  /** per DUT process: peak RSS MiB, CPU seconds over announce + withdraw */
  rssMiB?: Record<string, number>;
  cpuS?: Record<string, number>;
  pollMs?: Record<string, number>;
  /** CPU seconds of this benchmark process (the pollers) during the announce phase */
  harnessCpuS?: number;
}

const hit = (p: PollResult): number => {
  if (p.hitMs === undefined) throw new Error(`no hit for ${p.what}`);
  return p.hitMs;
};
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const cpuOf = (pids: Record<string, number>) => Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, cpuSeconds(p) ?? NaN]));

async function startAll(t: Topology, timeoutMs: number): Promise<void> {
  await t.obs.start();
  await t.dut.start();
  await t.inj.start(); // returns once the N static routes are loaded
  await t.obs.waitEstablished('dut', Math.min(timeoutMs, 120_000));
}

export async function runOnce(kind: DutKind, n: number, o: RunOptions): Promise<RunResult> {
  const res: RunResult = { dut: kind, n, ok: false };
  const lab = Lab.create('bench');
  try {
    const t = await buildTopology(lab, kind, n, o.bulkDir);
    await startAll(t, o.timeoutMs);
    await sleep(1000);
    const pids = t.dutPids();
    const cpu0 = cpuOf(pids);
    const dutCount = () => t.dut.routeCount('inj', 'ipv4-unicast');
    const obsCount = () => t.obs.routeCount('dut', 'ipv4-unicast');
    const injCount = () => t.inj.exportedCount('dut');

    const self0 = process.cpuUsage();
    const t0 = nowMs();
    await t.inj.enable('dut');
    const up = await Promise.all([
      pollUntil('DUT', dutCount, (v) => v >= n, o.timeoutMs, o.intervalMs),
      pollUntil('observer', obsCount, (v) => v >= n, o.timeoutMs, o.intervalMs),
      pollUntil('injector', injCount, (v) => v >= n, o.timeoutMs, o.intervalMs),
    ]);
    const self1 = process.cpuUsage(self0);
    res.harnessCpuS = round((self1.user + self1.system) / 1e6, 2);
    requireHits(up, 'announce');
    const since = (await t.inj.protocol('dut')).sinceMs;
    if (since === undefined) throw new Error('injector session has no Established time');
    const [dut, obs, inj] = up.map(hit) as [number, number, number];
    res.establishedS = round((since - t0) / 1000);
    res.ribBounded = obs < dut;
    res.ribS = round((Math.min(dut, obs) - since) / 1000);
    res.obsS = round((obs - since) / 1000);
    res.injExportedS = round((inj - since) / 1000);

    await sleep(2000); // let post-processing settle before the withdraw burst
    const t1 = nowMs();
    await t.inj.disable(BULK_PROTOCOL);
    const down = await Promise.all([
      pollUntil('DUT', dutCount, (v) => v === 0, o.timeoutMs, o.intervalMs),
      pollUntil('observer', obsCount, (v) => v === 0, o.timeoutMs, o.intervalMs),
      pollUntil('injector', injCount, (v) => v === 0, o.timeoutMs, o.intervalMs),
    ]);
    requireHits(down, 'withdraw');
    const [wdDut, wdObs] = down.map(hit) as [number, number];
    res.wdS = round((wdObs - t1) / 1000);
    res.wdRibS = round((wdDut - t1) / 1000);
    const cpu2 = cpuOf(pids);
    res.cpuS = Object.fromEntries(Object.keys(pids).map((k) => [k, round((cpu2[k] ?? NaN) - (cpu0[k] ?? NaN), 2)]));
    res.rssMiB = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, round((memory(p)?.hwmKiB ?? NaN) / 1024, 1)]));
    const pollMs = (p: PollResult) => round(p.busyMs / Math.max(1, p.polls), 1);
    res.pollMs = { dut: pollMs(up[0] as PollResult), observer: pollMs(up[1] as PollResult) };
    res.ok = true;
  } catch (e) {
    const lines = (e as Error).message.split('\n').map((l) => l.trim()).filter(Boolean);
    const why = lines.slice(1).filter((l) => /error|fatal|cannot|refus|invalid/i.test(l) && !/^at /.test(l)).slice(0, 3);
    res.error = [lines[0] ?? 'failed', ...why].join(' | ').slice(0, 600);
  } finally {
    lab.teardown();
  }
  return res;
}
