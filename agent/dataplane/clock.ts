// The clock the dataplane drivers run on (ARCHITECTURE.md rule 10): time and
// one-shot timers behind a small interface, so unit tests drive them with a
// fake clock. The system clock's timers are unref'd: they never keep the
// process alive on their own.
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => { const t = setTimeout(fn, ms); t.unref(); return t; },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};
