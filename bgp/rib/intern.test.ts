// Attribute interning: identical sets share one frozen object, reference
// counts drop a set at zero, every field takes part (unknown attributes by
// their octets, extended communities as 64-bit values), and a property test:
// intern gives the same object exactly when the sets are structurally equal.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PathAttributes } from '../wire/index.js';
import { AttrInterner, attributesEqual, hashAttributes } from './intern.js';

const base = (): PathAttributes => ({ origin: 0, asPath: [{ type: 2, asns: [64512, 4200000001] }], nextHop: '198.18.0.1' });

describe('AttrInterner', () => {
  it('identical sets are one object; the first one seen becomes canonical and frozen', () => {
    const it = new AttrInterner();
    const a = base(), b = base();
    const ca = it.intern(a);
    expect(ca).toBe(a);
    expect(it.intern(b)).toBe(a);
    expect(it.size).toBe(1);
    expect(it.refs(a)).toBe(2);
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a.asPath)).toBe(true);
    expect(Object.isFrozen(a.asPath![0]!.asns)).toBe(true);
  });

  it('release drops a set when its last reference goes', () => {
    const it = new AttrInterner();
    const a = it.intern(base());
    it.intern(base());
    it.release(a);
    expect(it.size).toBe(1);
    it.release(a);
    expect(it.size).toBe(0);
    expect(() => it.release(a)).toThrow(/not interned/);
    const again = base();
    expect(it.intern(again)).toBe(again); // a new canonical object
  });

  it('the same input object twice hits the last-input cache, and the cache forgets released sets', () => {
    const it = new AttrInterner();
    const decoded = base();
    const canonical = it.intern(base());
    expect(it.intern(decoded)).toBe(canonical);
    expect(it.intern(decoded)).toBe(canonical);
    expect(it.refs(canonical)).toBe(3);
    for (let i = 0; i < 3; i++) it.release(canonical);
    expect(it.size).toBe(0);
    expect(it.intern(decoded)).toBe(decoded); // not the released canonical object
    expect(it.size).toBe(1);
  });

  it('interning a canonical object again takes a reference', () => {
    const it = new AttrInterner();
    const a = it.intern(base());
    expect(it.intern(a)).toBe(a);
    expect(it.refs(a)).toBe(2);
  });

  it('every field counts, absent differs from empty or zero', () => {
    const variants: PathAttributes[] = [
      base(), { ...base(), med: 0 }, { ...base(), localPref: 100 }, { ...base(), communities: [] }, { ...base(), communities: [1] },
      { ...base(), atomicAggregate: true }, { ...base(), aggregator: { asn: 1, address: '198.18.0.9' } },
      { ...base(), originatorId: '10.0.0.1' }, { ...base(), clusterList: ['10.0.0.1'] }, { ...base(), clusterList: ['10.0.0.1', '10.0.0.2'] },
      { ...base(), extCommunities: [1n << 40n] }, { ...base(), extCommunities: [1n << 41n] }, { ...base(), extCommunities: [(1n << 40n) + 1n] },
      { ...base(), as4Path: [{ type: 2, asns: [1] }] }, { ...base(), as4Aggregator: { asn: 1, address: '198.18.0.9' } },
      { ...base(), largeCommunities: [[1, 2, 3]] }, { ...base(), largeCommunities: [[1, 2, 4]] },
      { ...base(), unknown: [{ type: 99, flags: 0xc0, value: Buffer.from([1, 2]) }] },
      { ...base(), unknown: [{ type: 99, flags: 0xc0, value: Buffer.from([1, 3]) }] },
      { ...base(), unknown: [{ type: 99, flags: 0xe0, value: Buffer.from([1, 2]) }] },
      { ...base(), asPath: [{ type: 1, asns: [64512, 4200000001] }] }, { ...base(), asPath: [] }, { ...base(), nextHop: '198.18.0.2' },
      { ...base(), origin: 2 },
    ];
    const it = new AttrInterner();
    const out = variants.map((v) => it.intern(v));
    expect(new Set(out).size).toBe(variants.length);
    expect(it.size).toBe(variants.length);
    // Equality on its own (not through the hash).
    variants.forEach((v, i) => variants.forEach((w, j) => expect(attributesEqual(v, w)).toBe(i === j)));
    variants.forEach((v) => expect(attributesEqual(v, structuredClone(v))).toBe(true));
  });

  it('unknown attributes compare by octets, extended communities by value', () => {
    const it = new AttrInterner();
    const mk = () => ({ ...base(), extCommunities: [0x0002fc0000000064n], unknown: [{ type: 99, flags: 0xc0, value: Buffer.from('abc') }] });
    const a = it.intern(mk());
    expect(it.intern(mk())).toBe(a);
    expect(it.size).toBe(1);
  });
});

// Small domains so that equal sets are frequent.
const arbAttrs: fc.Arbitrary<PathAttributes> = fc.record({
  origin: fc.constantFrom(0, 2),
  asPath: fc.array(fc.record({ type: fc.constantFrom(1, 2), asns: fc.array(fc.constantFrom(1, 2), { maxLength: 2 }) }), { maxLength: 2 }),
  med: fc.constantFrom(0, 1),
  communities: fc.array(fc.constantFrom(1, 2), { maxLength: 2 }),
  clusterList: fc.array(fc.constantFrom('10.0.0.1', '10.0.0.2'), { maxLength: 2 }),
  extCommunities: fc.array(fc.constantFrom(1n, 1n << 33n), { maxLength: 2 }),
  largeCommunities: fc.array(fc.tuple(fc.constantFrom(1, 2), fc.constant(0), fc.constant(0)), { maxLength: 1 }),
  unknown: fc.array(fc.record({ type: fc.constant(99), flags: fc.constant(0xc0), value: fc.constantFrom('a', 'b').map((s) => Buffer.from(s)) }), { maxLength: 1 }),
}, { requiredKeys: [] }) as fc.Arbitrary<PathAttributes>;

describe('interning property', () => {
  it('intern(x) === intern(y) exactly when x and y are structurally equal; equal sets hash equal', () => {
    fc.assert(fc.property(fc.array(arbAttrs, { minLength: 1, maxLength: 20 }), (sets) => {
      const it = new AttrInterner();
      const out = sets.map((s) => it.intern(s));
      for (let i = 0; i < sets.length; i++) {
        for (let j = 0; j < sets.length; j++) {
          const eq = attributesEqual(sets[i]!, sets[j]!);
          expect(out[i] === out[j]).toBe(eq);
          if (eq) expect(hashAttributes(sets[i]!)).toBe(hashAttributes(sets[j]!));
        }
      }
      for (const o of out) it.release(o);
      expect(it.size).toBe(0);
    }));
  });

  it('attributesEqual agrees with a deep comparison', () => {
    fc.assert(fc.property(arbAttrs, arbAttrs, (a, b) => {
      let deep = true;
      try {
        expect(a).toStrictEqual(b);
      } catch {
        deep = false;
      }
      expect(attributesEqual(a, b)).toBe(deep);
    }));
  });
});
