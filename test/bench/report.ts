// Aggregation and output of the peers benchmark: median over the successful
// reps of each figure per (DUT, N), ratios against BIRD's medians at the same
// N (> 1 = slower / bigger than BIRD), a readable markdown table with a
// per-run table under it, and the JSON summary object (printed last).
import type { DutKind } from './topology.js';
import type { RunResult } from './measure.js';

/** The DUT process whose RSS/CPU is the headline figure (FRR's zebra is reported beside it). */
export const MAIN_PROC: Record<DutKind, string> = { ours: 'bgpd', bird: 'bird', gobgp: 'gobgpd', frr: 'bgpd' };

export interface Summary {
  dut: DutKind;
  n: number;
  ok: boolean;
  repsOk: number;
  reps: number;
  error?: string;
  ribS?: number;
  ribBounded?: boolean;
  obsS?: number;
  wdS?: number;
  rssMiB?: number;
  cpuS?: number;
  zebraRssMiB?: number;
  zebraCpuS?: number;
  ratioVsBird?: Partial<Record<Figure, number>>;
}

export const FIGURES = ['ribS', 'obsS', 'wdS', 'rssMiB', 'cpuS'] as const;
type Figure = (typeof FIGURES)[number];

function median(xs: number[]): number | undefined {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return undefined;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

const r3 = (x: number | undefined) => (x === undefined ? undefined : Math.round(x * 1000) / 1000);

export function summarise(runs: RunResult[], dut: DutKind, n: number): Summary {
  const mine = runs.filter((r) => r.dut === dut && r.n === n);
  const ok = mine.filter((r) => r.ok);
  const s: Summary = { dut, n, ok: ok.length > 0, repsOk: ok.length, reps: mine.length };
  const failed = mine.find((r) => !r.ok);
  if (failed?.error) s.error = failed.error;
  if (!ok.length) return s;
  const main = MAIN_PROC[dut];
  s.ribS = r3(median(ok.map((r) => r.ribS ?? NaN)));
  s.ribBounded = ok.some((r) => r.ribBounded);
  s.obsS = r3(median(ok.map((r) => r.obsS ?? NaN)));
  s.wdS = r3(median(ok.map((r) => r.wdS ?? NaN)));
  s.rssMiB = r3(median(ok.map((r) => r.rssMiB?.[main] ?? NaN)));
  s.cpuS = r3(median(ok.map((r) => r.cpuS?.[main] ?? NaN)));
  if (dut === 'frr') {
    s.zebraRssMiB = r3(median(ok.map((r) => r.rssMiB?.zebra ?? NaN)));
    s.zebraCpuS = r3(median(ok.map((r) => r.cpuS?.zebra ?? NaN)));
  }
  return s;
}

export function addRatios(all: Summary[]): void {
  for (const s of all) {
    const bird = all.find((b) => b.dut === 'bird' && b.n === s.n && b.ok);
    if (!bird || !s.ok) continue;
    s.ratioVsBird = {};
    for (const f of FIGURES) {
      const a = s[f]; const b = bird[f];
      if (a !== undefined && b !== undefined && b > 0) s.ratioVsBird[f] = Math.round((a / b) * 100) / 100;
    }
  }
}

const fmt = (x: number | undefined, d = 2) => (x === undefined ? '-' : x.toFixed(d));
const cell = (s: Summary, f: Figure, d = 2, pre = '') => {
  const r = s.ratioVsBird?.[f];
  return `${pre}${fmt(s[f], d)}${r !== undefined && s.dut !== 'bird' ? ` (${r.toFixed(2)}×)` : ''}`;
};

export function table(all: Summary[], runs: RunResult[], reps: number): string {
  const out = [
    `Median of ${reps} rep(s); times in s from the injector session reaching Established; withdraw = disable of the`,
    'injector routes until the observer has 0; RSS = DUT VmHWM (peak) in MiB; CPU = DUT utime+stime over announce + withdraw.',
    '(×) = ratio to BIRD as DUT at the same N (> 1: slower / bigger). "<=" = the observer had all N before the DUT poll saw them.',
    '',
    '| DUT | N | reps ok | time-to-RIB | time-to-observer | withdraw | peak RSS MiB | CPU s |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const s of all) {
    if (!s.ok) {
      out.push(`| ${s.dut} | ${s.n} | 0/${s.reps} | FAILED: ${(s.error ?? '').slice(0, 160).replace(/\|/g, '/')} | | | | |`);
      continue;
    }
    const z = s.dut === 'frr' ? [` (+zebra ${fmt(s.zebraRssMiB, 0)})`, ` (+zebra ${fmt(s.zebraCpuS)})`] : ['', ''];
    out.push(`| ${s.dut} | ${s.n} | ${s.repsOk}/${s.reps} | ${cell(s, 'ribS', 2, s.ribBounded ? '<=' : '')} | ${cell(s, 'obsS')} | ${cell(s, 'wdS')} | ` +
      `${cell(s, 'rssMiB', 0)}${z[0]} | ${cell(s, 'cpuS')}${z[1]} |`);
  }
  out.push('', 'Per run:', '', '| DUT | N | est s | RIB s | obs s | wd obs s | wd DUT s | inj sent s | RSS MiB | CPU s | poll ms dut/obs | harness CPU s |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of runs) {
    if (!r.ok) { out.push(`| ${r.dut} | ${r.n} | FAILED: ${(r.error ?? '').slice(0, 120).replace(/\|/g, '/')} | | | | | | | | | |`); continue; }
    const kv = (o: Record<string, number> | undefined) => Object.entries(o ?? {}).map(([k, v]) => `${k} ${v}`).join(', ');
    out.push(`| ${r.dut} | ${r.n} | ${fmt(r.establishedS)} | ${r.ribBounded ? '<=' : ''}${fmt(r.ribS)} | ${fmt(r.obsS)} | ${fmt(r.wdS)} | ` +
      `${fmt(r.wdRibS)} | ${fmt(r.injExportedS)} | ${kv(r.rssMiB)} | ${kv(r.cpuS)} | ${r.pollMs?.dut}/${r.pollMs?.observer} | ${fmt(r.harnessCpuS)} |`);
  }
  return out.join('\n');
}
