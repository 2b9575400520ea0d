// The real clock for the FSM driver: wall time and setTimeout. Tests use the
// fsm layer's FakeClock instead; this is the only place timers are real.

import type { Clock } from '../fsm/index.js';

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (ms, fn) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};
