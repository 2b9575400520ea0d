// Community text forms: well-known names, "asn:value", plain numbers, large
// communities; strict rejection of bad text; round trips (fast-check).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  explainCommunity, explainLargeCommunity, formatCommunity, formatLargeCommunity, parseCommunity, parseLargeCommunity,
} from './index.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u16 = fc.integer({ min: 0, max: 0xffff });

describe('standard communities', () => {
  it.each([
    ['no-export', 0xffffff01], ['no-advertise', 0xffffff02], ['no-export-subconfed', 0xffffff03], ['no-peer', 0xffffff04],
    ['blackhole', 0xffff029a], ['graceful-shutdown', 0xffff0000], ['llgr-stale', 0xffff0006], ['no-llgr', 0xffff0007],
  ])('well-known %s = %i, any case, formatted by name', (name, value) => {
    expect(parseCommunity(name)).toBe(value);
    expect(parseCommunity(name.toUpperCase())).toBe(value);
    expect(parseCommunity(name[0]!.toUpperCase() + name.slice(1))).toBe(value);
    expect(formatCommunity(value)).toBe(name);
    const asPair = `${value >>> 16}:${value & 0xffff}`;
    expect(parseCommunity(asPair)).toBe(value);
    expect(parseCommunity(String(value))).toBe(value);
  });

  it('parses asn:value and plain numbers', () => {
    expect(parseCommunity('64512:100')).toBe(64512 * 65536 + 100);
    expect(parseCommunity('0:0')).toBe(0);
    expect(parseCommunity('65535:65535')).toBe(0xffffffff);
    expect(parseCommunity('4294967295')).toBe(0xffffffff);
    expect(parseCommunity('100')).toBe(100);
    expect(formatCommunity(64512 * 65536 + 100)).toBe('64512:100');
    expect(formatCommunity(100)).toBe('0:100');
    expect(formatCommunity(0xffffffff)).toBe('65535:65535');
  });

  it.each(['', '64512:', ':100', '65536:1', '1:65536', '4294967296', '1:2:3', 'no_export', 'noexport',
    ' 64512:100', '64512:100 ', '-1', '+5', '1.5', '0x10', '64512:1e2', '１:２'])('rejects %j', (text) => {
    expect(parseCommunity(text)).toBeUndefined();
  });

  it('explains what is wrong', () => {
    expect(explainCommunity('65536:1')).toMatch(/AS part 65536 .* above 65535/);
    expect(explainCommunity('1:70000')).toMatch(/value part 70000/);
    expect(explainCommunity('1:2:3')).toMatch(/large community/);
    expect(explainCommunity('4294967296')).toMatch(/above 4294967295/);
    expect(explainCommunity('no_export')).toMatch(/no-export/);
  });

  it('format throws on values that are not communities (programming errors)', () => {
    expect(() => formatCommunity(-1)).toThrow(RangeError);
    expect(() => formatCommunity(2 ** 32)).toThrow(RangeError);
    expect(() => formatCommunity(1.5)).toThrow(RangeError);
  });

  it('parse(format(c)) === c for every 32-bit value', () => {
    fc.assert(fc.property(u32, (c) => parseCommunity(formatCommunity(c)) === c), { numRuns: 2000 });
  });

  it('format(parse("a:b")) is the canonical text for every pair that is not well-known', () => {
    fc.assert(fc.property(u16, u16, (a, b) => {
      const value = a * 65536 + b;
      const text = `${a}:${b}`;
      expect(parseCommunity(text)).toBe(value);
      expect(parseCommunity(formatCommunity(value))).toBe(value);
      if (a < 0xffff) expect(formatCommunity(value)).toBe(text);
    }), { numRuns: 2000 });
  });

  it('the well-known values near the top of the space round-trip too', () => {
    fc.assert(fc.property(u16, (b) => parseCommunity(formatCommunity(0xffff0000 + b)) === 0xffff0000 + b));
  });
});

describe('large communities', () => {
  it('parses and formats "global:local1:local2"', () => {
    expect(parseLargeCommunity('4200000001:1:2')).toEqual([4200000001, 1, 2]);
    expect(parseLargeCommunity('0:0:0')).toEqual([0, 0, 0]);
    expect(parseLargeCommunity('4294967295:4294967295:4294967295')).toEqual([0xffffffff, 0xffffffff, 0xffffffff]);
    expect(formatLargeCommunity([4200000001, 1, 2])).toBe('4200000001:1:2');
  });

  it.each(['', '1:2', '1:2:3:4', '4294967296:1:2', '1:4294967296:2', '1:2:4294967296', '1::2', 'a:b:c', ' 1:2:3', '1:2:3 ',
    '-1:2:3', 'no-export'])('rejects %j', (text) => {
    expect(parseLargeCommunity(text)).toBeUndefined();
  });

  it('explains what is wrong', () => {
    expect(explainLargeCommunity('1:4294967296:2')).toMatch(/part 2 .* above 4294967295/);
    expect(explainLargeCommunity('64512:100')).toMatch(/standard community/);
    expect(explainLargeCommunity('x')).toMatch(/three 32-bit numbers/);
  });

  it('format throws on bad values', () => {
    expect(() => formatLargeCommunity([1, 2, -3])).toThrow(RangeError);
    expect(() => formatLargeCommunity([2 ** 32, 0, 0])).toThrow(RangeError);
  });

  it('round-trips every value both ways', () => {
    fc.assert(fc.property(u32, u32, u32, (a, b, c) => {
      const text = formatLargeCommunity([a, b, c]);
      expect(text).toBe(`${a}:${b}:${c}`);
      expect(parseLargeCommunity(text)).toEqual([a, b, c]);
    }), { numRuns: 2000 });
  });
});
