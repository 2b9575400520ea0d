// A fake Clock for tests (ARCHITECTURE.md rules 10 and 12): time moves only
// when advance() is called, and due timers fire in order of due time (ties:
// in the order they were set), each at its own instant, including timers set
// by a callback that fall due within the same advance.

import type { Clock } from './types.js';

interface Pending {
  readonly due: number;
  readonly seq: number;
  readonly fn: () => void;
}

export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #timers = new Map<number, Pending>();

  constructor(startMs = 0) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimer(ms: number, fn: () => void): number {
    const id = ++this.#seq;
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    this.#timers.set(id, { due: this.#now + delay, seq: id, fn });
    return id;
  }

  clearTimer(handle: unknown): void {
    if (typeof handle === 'number') this.#timers.delete(handle);
  }

  /** Number of timers set and not yet fired or cleared. */
  pending(): number {
    return this.#timers.size;
  }

  /** Milliseconds until the next timer is due, or undefined when none is set. */
  nextDue(): number | undefined {
    let best: number | undefined;
    for (const t of this.#timers.values()) if (best === undefined || t.due < best) best = t.due;
    return best === undefined ? undefined : best - this.#now;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`cannot advance a clock by ${ms} ms`);
    const target = this.#now + ms;
    for (;;) {
      let id: number | undefined;
      let first: Pending | undefined;
      for (const [k, t] of this.#timers) {
        if (t.due <= target && (!first || t.due < first.due || (t.due === first.due && t.seq < first.seq))) {
          id = k;
          first = t;
        }
      }
      if (id === undefined || !first) break;
      this.#timers.delete(id);
      this.#now = first.due;
      first.fn();
    }
    this.#now = target;
  }
}
