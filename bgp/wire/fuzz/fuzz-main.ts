// `npm run fuzz:wire` / `npx tsx bgp/wire/fuzz/fuzz-main.ts --iterations N [--seed N]`:
// the long run of the wire-codec mutation fuzzer (fuzz.ts). Prints progress
// every 100,000 iterations, then a table of what happened to the inputs
// (rejections by NOTIFICATION code/subcode, decodes by RFC 7606 action, speed,
// heap), every distinct violation with its reproduction, and as the very last
// line one JSON object with the figures. Exit code 1 on any violation.
// Without --seed a random seed is used and printed, so runs explore different
// inputs and any one can be replayed.

import { ERROR_NAMES } from '../index.js';
import { describeViolation, FuzzError, runFuzz, type FuzzResult, type FuzzViolation } from './fuzz.js';

function usage(msg: string): never {
  process.stderr.write(`${msg}\nusage: tsx bgp/wire/fuzz/fuzz-main.ts --iterations N [--seed N]\n`);
  process.exit(2);
}

function parseArgs(argv: readonly string[]): { iterations: number; seed: number } {
  let iterations = 1_000_000;
  let seed: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? a.split('=', 2) as [string, string] : [a, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || !/^\d+$/.test(v.replace(/_/g, ''))) usage(`${flag} needs a non-negative integer`);
      return Number(v.replace(/_/g, ''));
    };
    if (flag === '--iterations' || flag === '-n') iterations = value();
    else if (flag === '--seed') seed = value() >>> 0;
    else if (flag === '--help' || flag === '-h') usage('wire codec mutation fuzzer');
    else usage(`unknown argument ${a}`);
  }
  return { iterations, seed: seed ?? (Math.random() * 2 ** 32) >>> 0 };
}

function table(title: string, rows: [string, string][]): string {
  const w = Math.max(...rows.map((r) => r[0].length), title.length);
  const v = Math.max(...rows.map((r) => r[1].length));
  const line = `+${'-'.repeat(w + 2)}+${'-'.repeat(v + 2)}+`;
  return [line, `| ${title.padEnd(w)} | ${''.padStart(v)} |`, line, ...rows.map(([k, x]) => `| ${k.padEnd(w)} | ${x.padStart(v)} |`), line].join('\n');
}

const fmt = (n: number) => n.toLocaleString('en-US');
const pct = (n: number, of: number) => (of ? `${((100 * n) / of).toFixed(1)}%` : '-');

function codeName(key: string): string {
  const [code, sub] = key.split('/').map(Number) as [number, number];
  const e = ERROR_NAMES[code];
  return `${key} ${e?.name ?? '?'} / ${e?.subcodes[sub] ?? `subcode ${sub}`}`;
}

function main(): void {
  const { iterations, seed } = parseArgs(process.argv.slice(2));
  process.stdout.write(`wire fuzz: ${fmt(iterations)} iterations, seed ${seed}\n`);
  const distinct = new Map<string, { first: FuzzViolation; count: number }>();
  let total = 0;
  let result: FuzzResult | undefined;
  let aborted: unknown;
  try {
    result = runFuzz({
      iterations, seed,
      onProgress: (p) => process.stdout.write(
        `  ${fmt(p.iteration).padStart(11)}  ${(p.ms / 1000).toFixed(1).padStart(7)} s  decoded ${fmt(p.decoded)}  rejected ${fmt(p.rejected)}  heap ${p.heapMiB} MiB  violations ${total}\n`),
      onViolation: (v) => {
        total++;
        // one entry per kind and first line of the detail, numbers blanked
        const key = `${v.kind} ${v.detail.split('\n', 1)[0]!.replace(/\d+/g, 'N')}`;
        const d = distinct.get(key);
        if (d) d.count++;
        else distinct.set(key, { first: v, count: 1 });
      },
    });
  } catch (e) {
    aborted = e instanceof FuzzError ? e.violation : e;
    total++;
  }

  if (result) {
    const r = result;
    const secs = r.ms / 1000;
    process.stdout.write('\n' + table('run', [
      ['seed', String(seed)],
      ['iterations', fmt(r.iterations)],
      ['corpus messages', fmt(r.corpusSize)],
      ['decoded (accepted)', `${fmt(r.decoded)} (${pct(r.decoded, r.iterations)})`],
      ['rejected (WireError)', `${fmt(r.rejected)} (${pct(r.rejected, r.iterations)})`],
      ['re-encoded and re-decoded', fmt(r.reencoded)],
      ['framed messages', fmt(r.framed)],
      ['framer errors', fmt(r.framerErrors)],
      ['time', `${fmt(Math.round(r.ms))} ms`],
      ['iterations/s', fmt(Math.round(r.iterations / secs))],
      ['max heap', `${r.maxHeapMiB} MiB`],
      ['violations', fmt(total)],
    ]) + '\n\n');
    const codes = Object.entries(r.byCode).sort((a, b) => b[1] - a[1]);
    if (codes.length) {
      process.stdout.write(table('rejected by NOTIFICATION code/subcode', codes.map(([k, n]) => [codeName(k), `${fmt(n)} (${pct(n, r.rejected)})`])) + '\n\n');
    }
    const order = ['none', 'attribute-discard', 'treat-as-withdraw', 'afi-safi-disable', 'session-reset'];
    const actions = Object.entries(r.byAction).sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]));
    process.stdout.write(table('strongest RFC 7606 action per input', actions.map(([k, n]) => [k, `${fmt(n)} (${pct(n, r.iterations)})`])) + '\n\n');
  }

  if (distinct.size) {
    process.stdout.write(`${fmt(total)} violation(s), ${distinct.size} distinct; first of each:\n\n`);
    for (const { first, count } of distinct.values()) process.stdout.write(`${describeViolation(first)}\n  (${fmt(count)} like it)\n\n`);
  }
  if (aborted) process.stdout.write(`run aborted: ${typeof aborted === 'object' && aborted && 'kind' in aborted ? describeViolation(aborted as FuzzViolation) : String((aborted as Error)?.stack ?? aborted)}\n\n`);

  const r = result;
  process.stdout.write(JSON.stringify({
    bench: 'fuzz-wire',
    iterations: r?.iterations ?? iterations,
    seed,
    violations: total,
    violationKinds: [...new Set([...distinct.values()].map((d) => d.first.kind))],
    decoded: r?.decoded ?? null,
    rejected: r?.rejected ?? null,
    reencoded: r?.reencoded ?? null,
    ms: r ? Math.round(r.ms) : null,
    itersPerSec: r ? Math.round(r.iterations / (r.ms / 1000)) : null,
    maxHeapMiB: r?.maxHeapMiB ?? null,
    byAction: r?.byAction ?? null,
    byCode: r?.byCode ?? null,
  }) + '\n');
  process.exitCode = total > 0 ? 1 : 0;
}

main();
