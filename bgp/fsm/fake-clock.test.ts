// FakeClock: timers fire in due order at their own instant, clearing works,
// and timers set by a callback fire within the same advance when due.

import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock.js';

describe('FakeClock', () => {
  it('fires due timers in order, each at its due time', () => {
    const c = new FakeClock();
    const fired: string[] = [];
    c.setTimer(300, () => fired.push(`c@${c.now()}`));
    c.setTimer(100, () => fired.push(`a@${c.now()}`));
    c.setTimer(100, () => fired.push(`b@${c.now()}`));
    expect(c.pending()).toBe(3);
    expect(c.nextDue()).toBe(100);
    c.advance(99);
    expect(fired).toEqual([]);
    c.advance(201);
    expect(fired).toEqual(['a@100', 'b@100', 'c@300']);
    expect(c.now()).toBe(300);
    expect(c.pending()).toBe(0);
    expect(c.nextDue()).toBeUndefined();
  });
  it('clears timers, and fires timers set by callbacks when due within the advance', () => {
    const c = new FakeClock(1_000);
    const fired: number[] = [];
    const h = c.setTimer(10, () => fired.push(-1));
    c.clearTimer(h);
    c.clearTimer('not a handle');
    const tick = () => {
      fired.push(c.now());
      if (fired.length < 5) c.setTimer(25, tick);
    };
    c.setTimer(25, tick);
    c.advance(80);
    expect(fired).toEqual([1_025, 1_050, 1_075]);
    expect(c.now()).toBe(1_080);
    expect(c.pending()).toBe(1);
    c.advance(1_000);
    expect(fired).toEqual([1_025, 1_050, 1_075, 1_100, 1_125]);
  });
  it('treats a negative delay as 0 and refuses to go back in time', () => {
    const c = new FakeClock();
    let n = 0;
    c.setTimer(-5, () => n++);
    c.advance(0);
    expect(n).toBe(1);
    expect(() => c.advance(-1)).toThrow(RangeError);
  });
});
