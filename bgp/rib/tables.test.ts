// Prefix keys and the tables under the RIBs, checked against Map models:
// prefixKey / prefixFromKey, IntTable (open addressing with tombstones),
// PrefixTable and PathIdTable (ADD-PATH slots), deletion while iterating.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Prefix } from '../wire/index.js';
import { IntTable } from './int-table.js';
import { classicNextHop, makePath, prefixFromKey, prefixKey, RibPath } from './path.js';
import { PathIdTable, PrefixTable } from './prefix-table.js';
import { attrs, peer } from './fixtures.js';

const arbPrefix = fc.oneof(
  fc.tuple(fc.nat({ max: 0xffffffff }), fc.integer({ min: 0, max: 32 })).map(([a, l]) => Prefix.v4(a, l)),
  fc.tuple(fc.array(fc.nat({ max: 0xffffffff }), { minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 128 }))
    .map(([w, l]) => Prefix.v6(w as [number, number, number, number], l)),
);

describe('prefixKey', () => {
  it('IPv4 is a number w0 * 64 + length, IPv6 a short string; the path ID is not part of it', () => {
    expect(prefixKey(Prefix.parse('100.64.0.1/32'))).toBe(0x64400001 * 64 + 32);
    expect(prefixKey(Prefix.parse('100.64.0.1/32', 9))).toBe(prefixKey(Prefix.parse('100.64.0.1/32')));
    const k6 = prefixKey(Prefix.parse('2001:db8::/32'));
    expect(typeof k6).toBe('string');
    expect((k6 as string).length).toBe(3);
    expect(prefixKey(Prefix.parse('2001:db8::/33'))).not.toBe(k6);
  });

  it('property: equal keys exactly for equal prefixes, and prefixFromKey inverts it', () => {
    fc.assert(fc.property(arbPrefix, arbPrefix, (a, b) => {
      expect(prefixKey(a) === prefixKey(b)).toBe(a.equals(b));
      expect(prefixFromKey(prefixKey(a)).equals(a)).toBe(true);
    }));
  });
});

describe('paths', () => {
  it('makePath gives one class, the family from the prefix and a shared NEXT_HOP array', () => {
    const a = attrs();
    const p = makePath(Prefix.parse('100.64.0.0/24'), a, peer(1));
    const q = makePath(Prefix.parse('100.64.1.0/24'), a, peer(1));
    expect(p).toBeInstanceOf(RibPath);
    expect(p.family).toBe('ipv4-unicast');
    expect(p.nextHop).toEqual(['198.18.0.1']);
    expect(q.nextHop).toBe(p.nextHop);
    expect(classicNextHop({})).toEqual([]);
    expect(makePath(Prefix.parse('2001:db8::/32'), a, peer(1), ['2001:db8::1']).family).toBe('ipv6-unicast');
  });
});

type Op = { kind: 'set' | 'delete'; key: number };

describe('IntTable', () => {
  it('property: behaves as a Map under sets and deletes (tombstones, rehash)', () => {
    const arbOps = fc.array(fc.record({ kind: fc.constantFrom<Op['kind']>('set', 'set', 'delete'), key: fc.integer({ min: -40, max: 40 }) }), { maxLength: 400 });
    fc.assert(fc.property(arbOps, (ops) => {
      const t = new IntTable<number>();
      const m = new Map<number, number>();
      ops.forEach((op, i) => {
        if (op.kind === 'set') {
          expect(t.set(op.key, i)).toBe(!m.has(op.key));
          m.set(op.key, i);
        } else {
          expect(t.delete(op.key)).toBe(m.get(op.key));
          m.delete(op.key);
        }
        expect(t.size).toBe(m.size);
      });
      for (let k = -41; k <= 41; k++) expect(t.get(k)).toBe(m.get(k));
      expect([...t.values()].sort((a, b) => a - b)).toEqual([...m.values()].sort((a, b) => a - b));
    }));
  });

  it('deleting while iterating visits every other entry once', () => {
    const t = new IntTable<number>();
    for (let i = 0; i < 5000; i++) t.set(i * 7919, i);
    const seen: number[] = [];
    for (const v of t.values()) {
      seen.push(v);
      if (v % 2 === 0) t.delete(v * 7919);
      else t.set(v * 7919, v); // replacing a value is allowed too
    }
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(t.size).toBe(2500);
  });

  it('large tables keep working across growth and mass deletion', () => {
    const t = new IntTable<number>();
    const n = 200_000;
    for (let i = 0; i < n; i++) t.set((0x64400000 + i) | 0, i);
    for (let i = 0; i < n; i += 2) t.delete((0x64400000 + i) | 0);
    expect(t.size).toBe(n / 2);
    let wrong = 0;
    for (let i = 0; i < n; i++) if (t.get((0x64400000 + i) | 0) !== (i % 2 ? i : undefined)) wrong++;
    expect(wrong).toBe(0);
    for (let i = 1; i < n; i += 2) t.delete((0x64400000 + i) | 0);
    expect([t.size, [...t.values()].length]).toEqual([0, 0]);
  });
});

describe('PrefixTable and PathIdTable', () => {
  const small = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom(8, 24, 32, 48, 64), fc.integer({ min: 0, max: 2 }))
    .map(([a, len, pathId]) => len <= 32 ? Prefix.v4(a << 24, len, pathId) : Prefix.v6([0x20010db8, a, 0, 0], len, pathId));
  const ops = fc.array(fc.record({ kind: fc.constantFrom<Op['kind']>('set', 'set', 'delete'), p: small }), { maxLength: 200 });
  const name = (p: Prefix) => `${p.toString()}#${p.pathId}`;

  it('property: PathIdTable behaves as a Map keyed by (prefix, path ID)', () => {
    fc.assert(fc.property(ops, (list) => {
      const t = new PathIdTable<number>();
      const m = new Map<string, number>();
      list.forEach((op, i) => {
        if (op.kind === 'set') {
          expect(t.set(op.p, i)).toBe(m.get(name(op.p)));
          m.set(name(op.p), i);
        } else {
          expect(t.delete(op.p)).toBe(m.get(name(op.p)));
          m.delete(name(op.p));
        }
        expect(t.size).toBe(m.size);
        expect(t.get(op.p)).toBe(m.get(name(op.p)));
      });
      expect([...t.values()].sort((a, b) => a - b)).toEqual([...m.values()].sort((a, b) => a - b));
      expect([...t.values(1)].length + [...t.values(2)].length).toBe(m.size);
    }));
  });

  it('property: PrefixTable behaves as a Map keyed by prefixKey', () => {
    fc.assert(fc.property(ops, (list) => {
      const t = new PrefixTable<number>();
      const m = new Map<number | string, number>();
      list.forEach((op, i) => {
        if (op.kind === 'set') {
          expect(t.set(op.p, i)).toBe(!m.has(prefixKey(op.p)));
          m.set(prefixKey(op.p), i);
        } else expect(t.delete(op.p)).toBe(m.delete(prefixKey(op.p)));
        expect(t.size).toBe(m.size);
      });
      expect([...t.values()].sort((a, b) => a - b)).toEqual([...m.values()].sort((a, b) => a - b));
      t.clear();
      expect([t.size, [...t.values()].length]).toEqual([0, 0]);
    }));
  });
});
