// `npm run bench:agent`: the agent's dataplane benchmarks, one section per
// module: routes (ours vs ip -batch), policy apply, end-to-end convergence. Each section runs its compared
// implementations side by side in the same run, prints its own table, and
// returns its figures; the last line printed is one JSON object
// {"bench":"agent", "<section>": {...}, ...}.
// Options: --runs N (median of N, default 5), --routes N (default 10000),
// --only <section>[,<section>].
import { parseArgs } from 'node:util';
import { convergenceSection } from './convergence.js';
import { benchPolicy, formatPolicyBench } from './policy.js';
import { routesSection } from './routes.js';

export interface BenchContext { runs: number; routes: number; log: (line: string) => void }
export interface BenchSection {
  name: string;
  run(ctx: BenchContext): Promise<Record<string, unknown>>;
}

/** NetworkPolicy full apply (250 endpoints × 100 policies) and one policy change (agent/bench/policy.ts). */
const policySection: BenchSection = {
  name: 'policy',
  async run(ctx) {
    const r = await benchPolicy({ runs: Math.min(ctx.runs, 3) });
    ctx.log('');
    ctx.log(formatPolicyBench(r));
    return r.figures;
  },
};

/** Sections in run order; a new section is one import and one entry here. */
const SECTIONS: BenchSection[] = [routesSection, policySection, convergenceSection];

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string' }, routes: { type: 'string' }, only: { type: 'string' } } });
  const ctx: BenchContext = {
    runs: Number(values.runs ?? 5),
    routes: Number(values.routes ?? 10_000),
    log: (line) => process.stdout.write(`${line}\n`),
  };
  if (!(ctx.runs >= 1 && ctx.routes >= 1)) throw new Error('--runs and --routes must be positive numbers');
  const only = values.only?.split(',');
  const out: Record<string, unknown> = { bench: 'agent' };
  for (const s of SECTIONS) {
    if (only && !only.includes(s.name)) continue;
    out[s.name] = await s.run(ctx);
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:agent failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
