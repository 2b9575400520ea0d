// `npm run bench:peers`: how fast a DUT learns, propagates and withdraws N
// IPv4 /32s, and what it costs, with our bgpd, BIRD, GoBGP and FRR as DUTs in
// one run — injector (BIRD, AS65001) -> DUT (AS65000) -> observer (BIRD,
// AS65002) in network namespaces (topology.ts; method in measure.ts; the
// reference is ../shared/peers, results/baseline.md). Needs root.
//
//   npm run bench:peers -- [--n 100000,1000000] [--duts ours,bird,gobgp,frr] [--reps 3]
//                          [--timeout 900] [--interval 50]
//
// Prints progress on stderr, a table on stdout (medians, ratios vs BIRD), and
// as the very last line one JSON object {"bench":"peers", …}. A DUT that fails
// (e.g. ours not starting) is reported as FAILED and the run goes on; the
// remaining reps of that DUT at that N are skipped.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runFull } from '../netns/index.js';
import { REPO_ROOT } from '../peers/index.js';
import { runOnce, type RunResult } from './measure.js';
import { addRatios, summarise, table, type Summary } from './report.js';
import { DUT_KINDS, type DutKind } from './topology.js';

function options() {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', default: '100000,1000000' },
      duts: { type: 'string', default: DUT_KINDS.join(',') },
      reps: { type: 'string', default: '3' },
      timeout: { type: 'string', default: '900' },
      interval: { type: 'string', default: '50' },
    },
  });
  const ns = values.n.split(',').map(Number);
  if (ns.some((n) => !Number.isInteger(n) || n < 1 || n > 1 << 22)) throw new Error(`--n: integers 1..${1 << 22} (/32s in 100.64.0.0/10)`);
  const duts = values.duts.split(',') as DutKind[];
  const bad = duts.filter((d) => !DUT_KINDS.includes(d));
  if (bad.length) throw new Error(`--duts: unknown ${bad.join(',')} (choose from ${DUT_KINDS.join(',')})`);
  const reps = Number(values.reps);
  if (!Number.isInteger(reps) || reps < 1) throw new Error('--reps: a positive integer');
  return { ns, duts, reps, timeoutMs: Number(values.timeout) * 1000, intervalMs: Number(values.interval) };
}

async function versions(): Promise<Record<string, string>> {
  const first = async (argv: string[]) => {
    const r = await runFull(argv, { allowFail: true });
    return `${r.stdout}${r.stderr}`.trim().split('\n')[0] ?? '?';
  };
  return {
    bird: await first(['bird', '--version']), frr: await first(['/usr/lib/frr/bgpd', '--version']),
    gobgp: await first(['gobgpd', '--version']), node: process.version,
  };
}

const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

function brief(r: RunResult): string {
  if (!r.ok) return `FAILED: ${r.error}`;
  return `RIB ${r.ribBounded ? '<=' : ''}${r.ribS} s, observer ${r.obsS} s, withdraw ${r.wdS} s, RSS ${JSON.stringify(r.rssMiB)} MiB, CPU ${JSON.stringify(r.cpuS)} s`;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('bench:peers needs root (network namespaces)');
  const o = options();
  if (o.duts.includes('ours') && !process.env.BGPD_MAIN) {
    // measure what production runs: the compiled daemon on plain node
    const out = join(REPO_ROOT, '.cache', 'bench-dist');
    log('building bgpd (tsc) for the benchmark …');
    const r = await runFull(['npx', 'tsc', '-p', join(REPO_ROOT, 'tsconfig.json'), '--outDir', out], { allowFail: true });
    if (r.code !== 0) throw new Error(`tsc failed: ${r.stdout}${r.stderr}`);
    process.env.BGPD_MAIN = join(out, 'bgp', 'daemon', 'main.js');
  }
  const bulkDir = mkdtempSync(join(tmpdir(), 'l3mesh-bench-routes-'));
  const runs: RunResult[] = [];
  const summaries: Summary[] = [];
  const vers = await versions();
  const loadStart = loadavg().map((x) => Math.round(x * 100) / 100);
  log(`N=${o.ns.join(',')} DUTs=${o.duts.join(',')} reps=${o.reps}; ${Object.values(vers).join('; ')}`);
  try {
    for (const n of o.ns) {
      for (const dut of o.duts) {
        for (let rep = 1; rep <= o.reps; rep++) {
          log(`${dut} N=${n} rep ${rep}/${o.reps} …`);
          const r = await runOnce(dut, n, { timeoutMs: o.timeoutMs, intervalMs: o.intervalMs, bulkDir });
          runs.push(r);
          log(`${dut} N=${n} rep ${rep}: ${brief(r)}`);
          (globalThis as { gc?: () => void }).gc?.();
          if (!r.ok) break;
        }
        summaries.push(summarise(runs, dut, n));
      }
    }
  } finally {
    rmSync(bulkDir, { recursive: true, force: true });
  }
  addRatios(summaries);
  const host = {
    cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '?', kernel: (await runFull(['uname', '-r'])).stdout.trim(),
    loadavgStart: loadStart, loadavgEnd: loadavg().map((x) => Math.round(x * 100) / 100),
  };
  process.stdout.write(`\n${table(summaries, runs, o.reps)}\n\nHost: ${host.cpus} CPUs (${host.cpuModel}), kernel ${host.kernel}, load average ${host.loadavgStart.join('/')} at start, ${host.loadavgEnd.join('/')} at end; ${Object.entries(vers).map(([k, v]) => `${k}: ${v}`).join('; ')}\n\n`);
  process.stdout.write(`${JSON.stringify({ bench: 'peers', unit: { time: 's', rss: 'MiB', cpu: 's' }, reps: o.reps, n: o.ns, duts: o.duts, host, versions: vers, results: summaries })}\n`);
}

main().catch((e: Error) => {
  process.stderr.write(`bench:peers: ${e.message}\n`);
  process.exitCode = 1;
});
