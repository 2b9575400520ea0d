// Waiting helpers with timeouts and readable failures: poll a probe until it
// yields a value the predicate accepts; on timeout the error says what was
// awaited, for how long, the last value seen and the last error thrown, and
// (when given) a diagnostic such as a daemon's log tail.

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const sab = new Int32Array(new SharedArrayBuffer(4));
/** Blocking sleep, for synchronous teardown in exit handlers. */
export function sleepSync(ms: number): void { Atomics.wait(sab, 0, 0, ms); }

export interface WaitOptions {
  timeoutMs?: number;      // default 30 s
  intervalMs?: number;     // default 100 ms
  /** extra text for the failure message, computed only on failure (e.g. a log tail) */
  diagnose?: () => string | Promise<string>;
  /** stop early with this message when it returns a string (e.g. "bird exited with 1") */
  abort?: () => string | undefined;
}

export class WaitTimeout extends Error {}

const show = (v: unknown): string => {
  if (v === undefined) return '(nothing)';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
};

/** Polls probe() until pred(value) holds; returns that value. Errors thrown by probe are retried. */
export async function waitUntil<T>(what: string, probe: () => T | Promise<T>, pred: (v: T) => boolean = Boolean,
  opts: WaitOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastErr: string | undefined;
  for (;;) {
    try {
      last = await probe();
      lastErr = undefined;
      if (pred(last)) return last;
    } catch (e) {
      lastErr = (e as Error).message;
    }
    const aborted = opts.abort?.();
    if (aborted !== undefined || Date.now() >= deadline) {
      const why = aborted !== undefined ? `gave up: ${aborted}` : `timed out after ${(timeoutMs / 1000).toFixed(1)} s`;
      let msg = `${why} waiting for ${what}; last value: ${show(last)}`;
      if (lastErr !== undefined) msg += `; last error: ${lastErr}`;
      if (opts.diagnose) msg += `\n${await opts.diagnose()}`;
      throw new WaitTimeout(msg);
    }
    await sleep(opts.intervalMs ?? 100);
  }
}

/** Waits until probe() returns a value that is not undefined; returns it. */
export function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, opts: WaitOptions = {}): Promise<T> {
  return waitUntil(what, probe, (v) => v !== undefined, opts) as Promise<T>;
}
