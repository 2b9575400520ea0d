// DeltaTracker: pending updates/deletions follow every desired/actual change,
// checked against a model that recomputes them from scratch (property test).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeltaTracker } from './delta-tracker.js';

const sorted = <K, V>(it: Iterable<[K, V]>) => [...it].sort((a, b) => String(a[0]).localeCompare(String(b[0])));

describe('DeltaTracker', () => {
  it('tracks updates and deletions across desired and actual changes', () => {
    const t = new DeltaTracker<string, number>();
    t.setDesired('a', 1);
    t.setDesired('b', 2);
    expect(sorted(t.pendingUpdates())).toEqual([['a', 1], ['b', 2]]);
    t.setActual('a', 1); // applied
    expect(sorted(t.pendingUpdates())).toEqual([['b', 2]]);
    t.setActual('c', 3); // found in the kernel, not desired
    expect(sorted(t.pendingDeletions())).toEqual([['c', 3]]);
    t.setDesired('c', 4); // now desired with another value: update, not deletion
    expect(t.isPendingDeletion('c')).toBe(false);
    expect(t.isPendingUpdate('c')).toBe(true);
    t.deleteDesired('c');
    expect(sorted(t.pendingDeletions())).toEqual([['c', 3]]);
    t.deleteActual('c');
    expect(t.numPendingDeletions).toBe(0);
    t.setActual('b', 2);
    expect(t.inSync).toBe(true);
  });

  it('recomputes everything on replaceAllActual, with an injected equality', () => {
    const t = new DeltaTracker<string, { v: number; extra?: string }>((d, a) => d.v === a.v);
    t.setDesired('x', { v: 1 });
    t.setDesired('y', { v: 2 });
    t.replaceAllActual([['x', { v: 1, extra: 'kernel-only field' }], ['z', { v: 9 }]]);
    expect([...t.pendingUpdates()].map(([k]) => k)).toEqual(['y']);
    expect([...t.pendingDeletions()].map(([k]) => k)).toEqual(['z']);
  });

  it('matches a from-scratch model for random operation sequences', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('setD' as const), k: fc.integer({ min: 0, max: 5 }), v: fc.integer({ min: 0, max: 2 }) }),
      fc.record({ kind: fc.constant('delD' as const), k: fc.integer({ min: 0, max: 5 }) }),
      fc.record({ kind: fc.constant('setA' as const), k: fc.integer({ min: 0, max: 5 }), v: fc.integer({ min: 0, max: 2 }) }),
      fc.record({ kind: fc.constant('delA' as const), k: fc.integer({ min: 0, max: 5 }) }),
      fc.record({ kind: fc.constant('all' as const), entries: fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 2 })), { maxLength: 6 }) }),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      const t = new DeltaTracker<number, number>();
      const d = new Map<number, number>(), a = new Map<number, number>();
      for (const o of ops) {
        if (o.kind === 'setD') { t.setDesired(o.k, o.v); d.set(o.k, o.v); }
        else if (o.kind === 'delD') { t.deleteDesired(o.k); d.delete(o.k); }
        else if (o.kind === 'setA') { t.setActual(o.k, o.v); a.set(o.k, o.v); }
        else if (o.kind === 'delA') { t.deleteActual(o.k); a.delete(o.k); }
        else { t.replaceAllActual(o.entries); a.clear(); for (const [k, v] of o.entries) a.set(k, v); }
        const wantUpd = [...d].filter(([k, v]) => a.get(k) !== v).sort((x, y) => x[0] - y[0]);
        const wantDel = [...a].filter(([k]) => !d.has(k)).sort((x, y) => x[0] - y[0]);
        expect([...t.pendingUpdates()].sort((x, y) => x[0] - y[0])).toEqual(wantUpd);
        expect([...t.pendingDeletions()].sort((x, y) => x[0] - y[0])).toEqual(wantDel);
      }
    }), { numRuns: 500 });
  });
});
