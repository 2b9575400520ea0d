// The timer driver around the pure step function (RFC 4271 §8: the FSM's
// timers). It owns one snapshot; start-timer and stop-timer actions become
// timers on the injected Clock, whose expiries come back as TimerExpired
// events; every other action goes to the onAction callback, in order, after
// the snapshot has moved (so the callback sees the new state). Events
// dispatched from inside a callback are queued and run after the current
// step's actions, so a step's actions never interleave with the next one's.
// State changes are kept in a bounded history (the last 64) for status and
// logs; self-loops (keepalives, retries) are not recorded.

import { initialSnapshot, step } from './step.js';
import type { Clock, FsmAction, FsmEvent, FsmSnapshot, FsmState, PeerFsmConfig, TimerName } from './types.js';

export interface TransitionRecord {
  readonly from: FsmState;
  readonly to: FsmState;
  /** The table row's event key, e.g. 'TimerExpired:hold'. */
  readonly event: string;
  readonly reason: string;
  /** Clock time in ms. */
  readonly at: number;
}

export const HISTORY_LENGTH = 64;

interface RunningTimer {
  handle: unknown;
  /** Clock time (ms) the timer expires at. */
  deadline: number;
  /** Clock time (ms) the clock timer is set for; never after deadline. */
  armedFor: number;
}

export class FsmDriver {
  #cfg: PeerFsmConfig;
  readonly #clock: Clock;
  readonly #onAction: (a: FsmAction, d: FsmDriver) => void;
  readonly #onTransition: ((t: { from: FsmState; to: FsmState; event: string; reason: string }) => void) | undefined;
  #snapshot: FsmSnapshot;
  readonly #timers = new Map<TimerName, RunningTimer>();
  readonly #queue: FsmEvent[] = [];
  #busy = false;
  readonly #history: TransitionRecord[] = [];

  constructor(
    cfg: PeerFsmConfig,
    clock: Clock,
    onAction: (a: FsmAction, d: FsmDriver) => void,
    onTransition?: (t: { from: FsmState; to: FsmState; event: string; reason: string }) => void,
  ) {
    this.#cfg = cfg;
    this.#clock = clock;
    this.#onAction = onAction;
    this.#onTransition = onTransition;
    this.#snapshot = initialSnapshot(cfg);
  }

  get state(): FsmState {
    return this.#snapshot.state;
  }

  get snapshot(): FsmSnapshot {
    return this.#snapshot;
  }

  get config(): PeerFsmConfig {
    return this.#cfg;
  }

  /** State changes, oldest first, at most HISTORY_LENGTH. */
  get history(): readonly TransitionRecord[] {
    return this.#history;
  }

  /** Timers currently running. */
  get runningTimers(): readonly TimerName[] {
    return [...this.#timers.keys()];
  }

  dispatch(e: FsmEvent): void {
    this.#queue.push(e);
    if (this.#busy) return;
    this.#busy = true;
    try {
      for (let next = this.#queue.shift(); next; next = this.#queue.shift()) this.#apply(next);
    } finally {
      this.#busy = false;
    }
  }

  /** Takes effect from the next event; running timers keep their length. */
  updateConfig(cfg: PeerFsmConfig): void {
    this.#cfg = cfg;
  }

  /** Stops every timer (the peer is being removed); the snapshot stays as it is. */
  dispose(): void {
    for (const name of [...this.#timers.keys()]) this.#stopTimer(name);
    this.#queue.length = 0;
  }

  #apply(e: FsmEvent): void {
    const from = this.#snapshot.state;
    const r = step(this.#snapshot, e, this.#cfg);
    this.#snapshot = r.next;
    if (r.next.state !== from) {
      const t = { from, to: r.next.state, event: r.transition.event, reason: r.reason };
      this.#history.push({ ...t, at: this.#clock.now() });
      if (this.#history.length > HISTORY_LENGTH) this.#history.shift();
      this.#onTransition?.(t);
    }
    for (const a of r.actions) {
      if (a.type === 'start-timer') this.#startTimer(a.timer, a.seconds);
      else if (a.type === 'stop-timer') this.#stopTimer(a.timer);
      else this.#onAction(a, this);
    }
  }

  /**
   * A restart that only pushes the deadline later (the hold timer on every
   * KEEPALIVE and UPDATE) touches no clock timer: the armed one re-arms for
   * the rest when it fires early, so the clock sees one timer per period.
   */
  #startTimer(name: TimerName, seconds: number): void {
    const now = this.#clock.now();
    const deadline = now + seconds * 1000;
    const running = this.#timers.get(name);
    if (running && running.armedFor <= deadline) {
      running.deadline = deadline;
      return;
    }
    this.#stopTimer(name);
    const t: RunningTimer = { handle: undefined, deadline, armedFor: deadline };
    this.#timers.set(name, t);
    this.#arm(name, t, deadline - now);
  }

  #arm(name: TimerName, t: RunningTimer, ms: number): void {
    t.handle = this.#clock.setTimer(ms, () => {
      if (this.#timers.get(name) !== t) return; // stopped or replaced meanwhile
      const now = this.#clock.now();
      if (now < t.deadline) {
        t.armedFor = t.deadline;
        this.#arm(name, t, t.deadline - now);
        return;
      }
      this.#timers.delete(name);
      this.dispatch({ type: 'TimerExpired', timer: name });
    });
  }

  #stopTimer(name: TimerName): void {
    const running = this.#timers.get(name);
    if (!running) return;
    this.#timers.delete(name);
    this.#clock.clearTimer(running.handle);
  }
}
