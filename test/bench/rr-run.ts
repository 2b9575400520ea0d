// One measured run of `npm run bench:rr`: a reflector (ours: the compiled
// `reflector` command; or BIRD with `rr client` per client) in namespace rr
// (198.18.0.1/16) and the client farm (rr-farm.ts, K real TCP sessions from
// 198.18.1.1 … on one interface) in namespace farm, one veth between them.
// Once all K sessions are Established and 1 s has passed, the bench sends the
// farm SIGUSR1: t0, every client sends its share of the N routes; the farm
// reports t1 when every client holds every route it does not own. Measured
// on the reflector's PID: CPU seconds (utime+stime from /proc/<pid>/stat)
// from t0 to t1, peak RSS (VmHWM) and RSS before injection.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuSeconds, Lab, memory, sleep, waitUntil, type LabProcess } from '../netns/index.js';
import { BgpdSpeaker, BirdSpeaker, REPO_ROOT, type BaseSpeaker, type SpeakerSpec } from '../peers/index.js';

export type RrKind = 'ours' | 'bird';
export const RR_KINDS: RrKind[] = ['ours', 'bird'];

export interface RrRunOptions { routes: number; timeoutMs: number; farmMain: string; farmLoader: string[] }

export interface RrRun {
  rr: RrKind;
  k: number;
  ok: boolean;
  error?: string;
  /** t0 (injection starts) -> every client holds every route, seconds */
  convergeS?: number;
  /** reflector peak RSS (VmHWM) and RSS just before injection, MiB */
  peakRssMiB?: number;
  idleRssMiB?: number;
  /** reflector CPU seconds from t0 to convergence */
  cpuS?: number;
  /** own routes reflected back to their originator (should be 0) */
  echoed?: number;
  /** the farm's CPU seconds over the same interval (when it nears the wall time, the farm bounds the figure) */
  farmCpuS?: number;
}

const ASN = 65000;
const RR_ADDR = '198.18.0.1';
const FIRST_CLIENT = 198 * 2 ** 24 + 18 * 2 ** 16 + 1 * 2 ** 8 + 1; // 198.18.1.1
const ipText = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

interface FarmEvent { event: string; error?: string; t0?: number; t1?: number; ms?: number; echoed?: number; held?: number; want?: number; up?: number }

function events(p: LabProcess): FarmEvent[] {
  let text = '';
  try { text = readFileSync(p.log, 'utf8'); } catch { return []; }
  return text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as FarmEvent);
}

function farmEvent(p: LabProcess, name: string, timeoutMs: number): Promise<FarmEvent> {
  return waitUntil(`farm: ${name}`, () => {
    const ev = events(p);
    const err = ev.find((e) => e.event === 'error');
    if (err) throw new Error(`farm failed: ${err.error}`);
    return ev.find((e) => e.event === name);
  }, (e) => e !== undefined, {
    timeoutMs, intervalMs: 50,
    abort: () => (p.alive() ? undefined : `farm ${p.exited()}: ${events(p).find((e) => e.event === 'error')?.error ?? p.logTail(5)}`),
    diagnose: () => p.logTail(8),
  }) as Promise<FarmEvent>;
}

function rrSpec(k: number): SpeakerSpec {
  return {
    name: 'rr', routerId: RR_ADDR, asn: ASN, clusterId: RR_ADDR,
    neighbors: Array.from({ length: k }, (_, i) => ({
      name: `c${i + 1}`, address: ipText(FIRST_CLIENT + i), asn: ASN, localAddress: RR_ADDR, passive: true, rrClient: true, holdTime: 240,
    })),
  };
}

export async function rrRun(kind: RrKind, k: number, o: RrRunOptions): Promise<RrRun> {
  const res: RrRun = { rr: kind, k, ok: false };
  const lab = Lab.create('rrbench');
  let rr: BaseSpeaker | undefined;
  try {
    const nsRr = await lab.namespace('rr');
    const nsFarm = await lab.namespace('farm');
    await lab.veth({ ns: nsRr, ifname: 'eth0', addresses: [`${RR_ADDR}/16`] }, { ns: nsFarm, ifname: 'eth0', addresses: [`${ipText(FIRST_CLIENT)}/16`] });
    for (let i = 1; i < k; i++) await lab.address(nsFarm, 'eth0', `${ipText(FIRST_CLIENT + i)}/16`);
    const spec = rrSpec(k);
    rr = kind === 'ours' ? new BgpdSpeaker(lab, nsRr, spec, { role: 'reflector' }) : new BirdSpeaker(lab, nsRr, spec);
    await rr.start();
    const rrPid = Object.values(rr.pids())[0];
    if (rrPid === undefined) throw new Error('reflector has no PID');
    const farm = await lab.spawn(nsFarm, 'farm', [process.execPath, ...o.farmLoader, o.farmMain, '--rr', RR_ADDR, '--first', ipText(FIRST_CLIENT),
      '--clients', String(k), '--routes', String(o.routes), '--asn', String(ASN), '--hold', '240'],
    { env: { ...process.env, NODE_OPTIONS: '' }, cwd: REPO_ROOT, log: join(lab.dir, 'farm.log') });
    await farmEvent(farm, 'established', 120_000);
    await sleep(1000);
    res.idleRssMiB = round((memory(rrPid)?.rssKiB ?? NaN) / 1024, 1);
    const cpu0 = cpuSeconds(rrPid) ?? NaN;
    const farm0 = cpuSeconds(farm.pid) ?? NaN;
    farm.send('SIGUSR1');
    const conv = await farmEvent(farm, 'converged', o.timeoutMs);
    const cpu1 = cpuSeconds(rrPid) ?? NaN;
    res.farmCpuS = round((cpuSeconds(farm.pid) ?? NaN) - farm0, 2);
    res.convergeS = round((conv.ms ?? NaN) / 1000);
    res.cpuS = round(cpu1 - cpu0, 2);
    res.peakRssMiB = round((memory(rrPid)?.hwmKiB ?? NaN) / 1024, 1);
    res.echoed = conv.echoed ?? 0;
    res.ok = true;
  } catch (e) {
    const msg = (e as Error).message;
    res.error = msg.split('\n').slice(0, 3).join(' | ').slice(0, 500);
    process.stderr.write(`${msg}\n${rr?.diagnose() ?? ''}\n`);
  } finally {
    lab.teardown();
  }
  return res;
}
