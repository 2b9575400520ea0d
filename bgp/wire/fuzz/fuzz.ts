// Mutation fuzzer for the wire codec (bgp/wire): the public API and the run
// loop. The codec decodes bytes from untrusted peers, so its contract is
// checked on millions of malformed inputs. Each iteration takes one message
// of the corpus (corpus.ts: encoder-built messages plus the captured
// fixtures), applies 1-4 seeded mutations and picks random decode options and
// random Framer chunking (mutate.ts), and checks the per-input invariants
// (check.ts: no throw, well-formed WireErrors, exact re-encoding, a sound
// Framer). This loop adds the run-level ones:
//   - decoding never writes into the input buffer;
//   - no input takes longer than 50 ms (hang detection) and the heap stays
//     bounded (no growth of more than 256 MiB over the run).
// Everything derives from (seed, iteration) (rng.ts), so a violation is
// reproducible from the numbers in its message (or from its hex with
// checkInput).

import { performance } from 'node:perf_hooks';
import type { FamilyName, WireOptions } from '../index.js';
import { examine, newStats, type Problem } from './check.js';
import { buildCorpus } from './corpus.js';
import { chunking, mutate, randomOptions } from './mutate.js';
import { Rng, mix } from './rng.js';

export { corpusForTest } from './corpus.js';
export { Rng } from './rng.js';

// ---------------------------------------------------------------------------
// Public API

export interface FuzzProgress {
  readonly iteration: number;
  readonly ms: number;
  readonly decoded: number;
  readonly rejected: number;
  readonly heapMiB: number;
}

export interface FuzzViolation {
  readonly kind: string;
  readonly detail: string;
  readonly seed: number;
  readonly iteration: number;
  /** The options the input was decoded with. */
  readonly opts: { as4: boolean; addPath: FamilyName[]; extendedMessage: boolean };
  /** The input, hex (empty for run-level violations such as heap growth). */
  readonly hex: string;
  /** Framer chunk sizes used for the input. */
  readonly chunks: readonly number[];
  /** The corpus message the input was mutated from. */
  readonly source: string;
}

export interface FuzzOptions {
  readonly iterations: number;
  readonly seed: number;
  /** Called every `progressEvery` iterations (default 100,000). */
  readonly onProgress?: (p: FuzzProgress) => void;
  readonly progressEvery?: number;
  /**
   * Without it the first violation throws a FuzzError. With it, each
   * violation is handed over and the run continues.
   */
  readonly onViolation?: (v: FuzzViolation) => void;
  /** Where the captured fixtures are; default bgp/wire/fixtures/captured. */
  readonly fixturesDir?: string;
}

export interface FuzzResult {
  readonly iterations: number;
  /** Inputs decodeMessage accepted (a message, or one to ignore). */
  readonly decoded: number;
  /** Inputs decodeMessage rejected with a WireError. */
  readonly rejected: number;
  /** Accepted inputs that were re-encoded and decoded again. */
  readonly reencoded: number;
  /** Per input: the strongest RFC 7606 action of its decode ('none' when clean). */
  readonly byAction: Record<string, number>;
  /** Per rejected input: "code/subcode" of the NOTIFICATION it maps to. */
  readonly byCode: Record<string, number>;
  /** Messages the Framer produced, and inputs on which it reported an error. */
  readonly framed: number;
  readonly framerErrors: number;
  readonly corpusSize: number;
  readonly violations: number;
  readonly maxHeapMiB: number;
  readonly ms: number;
}

export class FuzzError extends Error {
  constructor(readonly violation: FuzzViolation) {
    super(describeViolation(violation));
    this.name = 'FuzzError';
  }
}

export function describeViolation(v: FuzzViolation): string {
  return `wire fuzz violation [${v.kind}] seed=${v.seed} iteration=${v.iteration} source=${v.source}\n` +
    `  options: ${JSON.stringify(v.opts)}  framer chunks: ${v.chunks.length > 40 ? `${v.chunks.slice(0, 40).join(',')},…` : v.chunks.join(',')}\n` +
    `  ${v.detail.split('\n').join('\n  ')}\n` +
    `  input (${v.hex.length / 2} octets): ${v.hex}`;
}

const HANG_MS = 50;
const HEAP_LIMIT_MiB = 256;
const HEAP_EVERY = 10_000;

export function runFuzz(o: FuzzOptions): FuzzResult {
  const started = performance.now();
  const corpus = buildCorpus(o.fixturesDir);
  const stats = newStats();
  const heapStart = process.memoryUsage().heapUsed;
  let maxHeap = heapStart;
  let heapReported = false;
  let violations = 0;
  const every = o.progressEvery ?? 100_000;
  const report = (v: FuzzViolation) => {
    violations++;
    if (!o.onViolation) throw new FuzzError(v);
    o.onViolation(v);
  };

  for (let it = 0; it < o.iterations; it++) {
    const rng = new Rng(mix(o.seed, it));
    const entry = corpus[rng.int(corpus.length)]!;
    let input = mutate(rng, entry, corpus);
    const opts = rng.bool(0.5) ? entry.opts : randomOptions(rng);
    const chunks = chunking(rng, input.length);

    const before = it % 8 === 0 ? Buffer.from(input) : undefined; // decoders must not write into what they read
    const t0 = performance.now();
    let problem = examine(input, opts, chunks, stats);
    let took = performance.now() - t0;
    if (!problem && before && !before.equals(input)) {
      problem = { kind: 'input-modified', detail: `decoding modified its input; now ${input.toString('hex')}` };
      input = before;
    }
    if (!problem && took > HANG_MS) {
      // Confirm before calling it a hang: a GC pause or a busy machine can
      // stretch one run, a pathological input stretches every run.
      for (let k = 0; k < 2 && took > HANG_MS; k++) {
        const t1 = performance.now();
        problem = examine(input, opts, chunks, undefined);
        took = Math.min(took, performance.now() - t1);
      }
      if (!problem && took > HANG_MS) problem = { kind: 'slow', detail: `decoding took ${took.toFixed(1)} ms (limit ${HANG_MS} ms) on three runs` };
    }
    if (problem) report(violation(problem, o.seed, it, opts, input, chunks, entry.name));

    const n = it + 1;
    if (n % HEAP_EVERY === 0) {
      const heap = process.memoryUsage().heapUsed;
      if (heap > maxHeap) maxHeap = heap;
      if (!heapReported && heap - heapStart > HEAP_LIMIT_MiB * 1024 * 1024) {
        heapReported = true;
        report(violation({ kind: 'heap', detail: `heap grew from ${mib(heapStart)} MiB to ${mib(heap)} MiB (limit +${HEAP_LIMIT_MiB} MiB)` },
          o.seed, it, opts, Buffer.alloc(0), [], entry.name));
      }
    }
    if (o.onProgress && n % every === 0) {
      o.onProgress({ iteration: n, ms: performance.now() - started, decoded: stats.decoded, rejected: stats.rejected, heapMiB: mib(process.memoryUsage().heapUsed) });
    }
  }
  const heapEnd = process.memoryUsage().heapUsed;
  if (heapEnd > maxHeap) maxHeap = heapEnd;
  return {
    iterations: o.iterations, decoded: stats.decoded, rejected: stats.rejected, reencoded: stats.reencoded,
    byAction: stats.byAction, byCode: stats.byCode, framed: stats.framed, framerErrors: stats.framerErrors,
    corpusSize: corpus.length, violations, maxHeapMiB: mib(maxHeap), ms: performance.now() - started,
  };
}

/**
 * Checks the invariants on one input: returns a description of the first
 * violation, or undefined. `chunks` are the Framer chunk sizes (default: the
 * whole input at once). For reproducing a reported violation from its hex.
 */
export function checkInput(input: Buffer, opts: WireOptions, chunks: readonly number[] = [input.length]): { kind: string; detail: string } | undefined {
  return examine(input, opts, chunks, undefined);
}

function violation(p: Problem, seed: number, iteration: number, opts: WireOptions, input: Buffer, chunks: readonly number[], source: string): FuzzViolation {
  return {
    ...p, seed, iteration, source, chunks: [...chunks], hex: input.toString('hex'),
    opts: { as4: opts.as4, addPath: [...opts.addPath], extendedMessage: opts.extendedMessage },
  };
}

const mib = (bytes: number) => Math.round((bytes / (1024 * 1024)) * 10) / 10;
