// Polls a counter until a predicate holds and records when it first held
// (an upper bound of the true time) and when the previous poll ran (so the
// resolution is known). The sleep between polls is max(interval, DUTY x the
// previous poll's duration): an expensive query (GoBGP's neighbour counters
// walk its table and slow it down) is polled sparsely and costs the DUT at
// most ~1/(1+DUTY) of its time. Errors are retried until the deadline.
import { sleep } from '../netns/index.js';

export const DUTY = 4;

/** Wall clock in epoch ms with sub-ms resolution. */
export const nowMs = (): number => performance.timeOrigin + performance.now();

export interface PollResult {
  what: string;
  /** epoch ms of the first poll that satisfied the predicate */
  hitMs?: number;
  /** epoch ms of the poll before that one */
  prevMs?: number;
  last?: number;
  polls: number;
  busyMs: number;
  error?: string;
  /** (epoch ms, value) at each change, at most 400 entries */
  trace: [number, number][];
}

export async function pollUntil(what: string, fn: () => Promise<number>, pred: (v: number) => boolean,
  timeoutMs: number, intervalMs = 50): Promise<PollResult> {
  const r: PollResult = { what, polls: 0, busyMs: 0, trace: [] };
  const deadline = nowMs() + timeoutMs;
  let prev = nowMs();
  while (nowMs() < deadline) {
    const t = nowMs();
    let v: number | undefined;
    try { v = await fn(); } catch (e) { r.error = (e as Error).message; }
    const done = nowMs();
    r.polls++;
    r.busyMs += done - t;
    if (v !== undefined && v !== r.last && r.trace.length < 400) r.trace.push([done, v]);
    if (v !== undefined) r.last = v;
    if (v !== undefined && pred(v)) {
      r.hitMs = done;
      r.prevMs = prev;
      return r;
    }
    prev = done;
    await sleep(Math.max(intervalMs, DUTY * (done - t)));
  }
  return r;
}

/** Throws a readable error unless every poll hit. */
export function requireHits(rs: PollResult[], phase: string): void {
  const missed = rs.filter((r) => r.hitMs === undefined);
  if (missed.length) {
    throw new Error(`${phase}: timed out waiting for ${missed.map((r) => `${r.what} (last ${r.last ?? 'none'}${r.error ? `, error ${r.error}` : ''})`).join(', ')}`);
  }
}
