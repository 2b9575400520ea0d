// `npm run bench:rr`: one route reflector and K clients (a farm of K real TCP
// BGP sessions driven from one process, rr-farm.ts) with N routes originated
// across the clients: time from the start of injection until every client
// holds every route, and the reflector's peak RSS and CPU — with our
// `reflector` and with BIRD as the reflector, in the same run, side by side
// (method: rr-run.ts). Needs root (network namespaces).
//
//   npm run bench:rr -- [--k 50,200] [--routes 10000] [--rrs ours,bird] [--runs 3] [--timeout 300]
//
// Our reflector and the farm run compiled (tsc into .cache/bench-dist, plain
// node), like bench:peers. Progress on stderr; a table on stdout (medians,
// ratios ours / BIRD: time target <= 1.0, memory <= 1.5); the very last line
// is one JSON object {"bench":"rr", …}. The order of implementations
// alternates between runs so neither always runs on a warmer machine.
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runFull } from '../netns/index.js';
import { REPO_ROOT } from '../peers/index.js';
import { RR_KINDS, rrRun, type RrKind, type RrRun } from './rr-run.js';

const log = (msg: string) => process.stderr.write(`[bench:rr ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

function options() {
  const { values } = parseArgs({
    options: {
      k: { type: 'string', default: '50,200' }, routes: { type: 'string', default: '10000' }, rrs: { type: 'string', default: RR_KINDS.join(',') },
      runs: { type: 'string', default: '3' }, timeout: { type: 'string', default: '300' },
    },
  });
  const ks = values.k.split(',').map(Number);
  if (ks.some((k) => !Number.isInteger(k) || k < 1 || k > 250)) throw new Error('--k: client counts 1..250 (one /24 of farm addresses)');
  const routes = Number(values.routes);
  if (!Number.isInteger(routes) || routes < Math.max(...ks) || routes > 1 << 22) throw new Error('--routes: at least the largest K, at most 2^22');
  const rrs = values.rrs.split(',') as RrKind[];
  if (rrs.some((r) => !RR_KINDS.includes(r))) throw new Error(`--rrs: choose from ${RR_KINDS.join(',')}`);
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs: a positive integer');
  return { ks, routes, rrs, runs, timeoutMs: Number(values.timeout) * 1000 };
}

/** Compiles the repository into .cache/bench-dist (our reflector and the farm run on plain node). */
async function build(): Promise<{ reflector: string; farm: string }> {
  const out = join(REPO_ROOT, '.cache', 'bench-dist');
  log('building (tsc) into .cache/bench-dist …');
  const r = await runFull(['npx', 'tsc', '-p', join(REPO_ROOT, 'tsconfig.json'), '--outDir', out], { allowFail: true, timeoutMs: 600_000 });
  const reflector = join(out, 'reflector', 'main.js');
  const farm = join(out, 'test', 'bench', 'rr-farm.js');
  if (!existsSync(reflector) || !existsSync(farm)) throw new Error(`tsc produced no ${reflector} / ${farm}: ${r.stdout}${r.stderr}`);
  if (r.code !== 0) {
    const errs = `${r.stdout}${r.stderr}`.split('\n').filter((l) => /error TS/.test(l));
    log(`WARNING: tsc reported ${errs.length} type errors (emitted anyway), first: ${errs[0] ?? '?'}`);
  }
  return { reflector, farm };
}

function median(xs: (number | undefined)[]): number | undefined {
  const s = xs.filter((x): x is number => x !== undefined && Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return undefined;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

interface Summary { rr: RrKind; k: number; runsOk: number; runs: number; convergeS?: number; peakRssMiB?: number; cpuS?: number; idleRssMiB?: number; error?: string }

const r3 = (x: number | undefined) => (x === undefined ? undefined : Math.round(x * 1000) / 1000);
const fmt = (x: number | undefined, d = 2) => (x === undefined ? '—' : x.toFixed(d));

function summarise(all: RrRun[], rr: RrKind, k: number): Summary {
  const mine = all.filter((r) => r.rr === rr && r.k === k);
  const ok = mine.filter((r) => r.ok);
  return {
    rr, k, runsOk: ok.length, runs: mine.length, error: mine.find((r) => !r.ok)?.error,
    convergeS: r3(median(ok.map((r) => r.convergeS))), peakRssMiB: r3(median(ok.map((r) => r.peakRssMiB))),
    cpuS: r3(median(ok.map((r) => r.cpuS))), idleRssMiB: r3(median(ok.map((r) => r.idleRssMiB))),
  };
}

const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? Math.round((a / b) * 100) / 100 : undefined);

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('bench:rr needs root (network namespaces)');
  const o = options();
  const dist = await build();
  if (o.rrs.includes('ours')) process.env.REFLECTOR_MAIN = dist.reflector;
  const vers = { bird: (await runFull(['bird', '--version'], { allowFail: true })).stderr.trim() || '?', node: process.version };
  const loadStart = loadavg().map((x) => Math.round(x * 100) / 100);
  log(`K=${o.ks.join(',')} routes=${o.routes} RRs=${o.rrs.join(',')} runs=${o.runs}`);
  const all: RrRun[] = [];
  for (const k of o.ks) {
    for (let run = 1; run <= o.runs; run++) {
      const order = run % 2 ? o.rrs : [...o.rrs].reverse();
      for (const rr of order) {
        log(`${rr} K=${k} run ${run}/${o.runs} …`);
        const r = await rrRun(rr, k, { routes: o.routes, timeoutMs: o.timeoutMs, farmMain: dist.farm, farmLoader: [] });
        all.push(r);
        log(r.ok ? `${rr} K=${k}: converged in ${r.convergeS} s, RR CPU ${r.cpuS} s, peak RSS ${r.peakRssMiB} MiB (idle ${r.idleRssMiB}), echoed ${r.echoed}, farm CPU ${r.farmCpuS} s`
          : `${rr} K=${k}: FAILED ${r.error}`);
        (globalThis as { gc?: () => void }).gc?.();
      }
    }
  }
  const sums = o.ks.flatMap((k) => o.rrs.map((rr) => summarise(all, rr, k)));
  const lines = [
    `Route reflection: 1 RR, K clients, ${o.routes} /32s spread over the clients; median of ${o.runs} runs`, '',
    '| RR | K | runs ok | converge (s) | RR CPU (s) | RR peak RSS (MiB) | RR idle RSS (MiB) | time / BIRD | peak RSS / BIRD | CPU / BIRD |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const ratios: Record<string, { time?: number; rss?: number; cpu?: number }> = {};
  for (const s of sums) {
    const b = sums.find((x) => x.rr === 'bird' && x.k === s.k);
    const rt = { time: ratio(s.convergeS, b?.convergeS), rss: ratio(s.peakRssMiB, b?.peakRssMiB), cpu: ratio(s.cpuS, b?.cpuS) };
    if (s.rr !== 'bird') ratios[`${s.rr}@${s.k}`] = rt;
    lines.push(`| ${s.rr} | ${s.k} | ${s.runsOk}/${s.runs} | ${fmt(s.convergeS, 3)} | ${fmt(s.cpuS)} | ${fmt(s.peakRssMiB, 1)} | ${fmt(s.idleRssMiB, 1)} | ${fmt(rt.time)} | ${fmt(rt.rss)} | ${fmt(rt.cpu)} |`);
    if (s.error) lines.push(`|  | | failure: ${s.error.replace(/\|/g, '/')} | | | | | | | |`);
  }
  lines.push('', 'Targets (issue): time <= 1.0x BIRD, memory <= 1.5x BIRD.', '', 'Runs:', ...all.map((r) =>
    `  ${r.rr} K=${r.k}: ${r.ok ? `${r.convergeS} s, CPU ${r.cpuS} s, peak ${r.peakRssMiB} MiB, idle ${r.idleRssMiB} MiB, echoed ${r.echoed}, farm CPU ${r.farmCpuS} s` : `FAILED ${r.error}`}`));
  const host = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '?', loadavgStart: loadStart, loadavgEnd: loadavg().map((x) => Math.round(x * 100) / 100) };
  lines.push('', `Host: ${host.cpus} CPUs (${host.cpuModel}), load average ${host.loadavgStart.join('/')} at start, ${host.loadavgEnd.join('/')} at end; ${vers.bird}; node ${vers.node}`);
  process.stdout.write(`\n${lines.join('\n')}\n\n`);
  process.stdout.write(`${JSON.stringify({ bench: 'rr', unit: { time: 's', rss: 'MiB', cpu: 's' }, routes: o.routes, k: o.ks, runs: o.runs, host, versions: vers, results: sums, ratiosVsBird: ratios })}\n`);
}

main().catch((e: Error) => {
  process.stderr.write(`bench:rr: ${e.message}\n`);
  process.exitCode = 1;
});
