import { describe, expect, it } from 'vitest';
import { allocatedCount, assignOrdinals, freeOrdinals, newBlockSpec, ordinalsOfHandle, releaseOrdinals } from './block.js';
import { addressAt, blockCidr, blockName, ordinalOf, parseCidr, poolInfo } from './pool.js';
import { API_VERSION } from '../datastore/types.js';

const pool = (cidr: string, blockSize?: number) =>
  poolInfo({ apiVersion: API_VERSION, kind: 'IPPool', metadata: { name: 'p' }, spec: { cidr, ...(blockSize !== undefined ? { blockSize } : {}) } });

describe('pool arithmetic', () => {
  it('cuts IPv4 and IPv6 pools into aligned blocks with the default sizes', () => {
    const p4 = pool('100.64.0.0/16');
    expect(p4.blockSize).toBe(26);
    expect(p4.blocks).toBe(1024n);
    expect(addressAt(blockCidr(p4, 3n), 0)).toBe('100.64.0.192');
    expect(addressAt(blockCidr(p4, 1023n), 63)).toBe('100.64.255.255');
    const p6 = pool('2001:db8::/64');
    expect(p6.blockSize).toBe(122);
    expect(p6.blocks).toBe(1n << 58n);
    const last = blockCidr(p6, (1n << 58n) - 1n);
    expect(addressAt(last, 63)).toBe('2001:db8::ffff:ffff:ffff:ffff');
    expect(ordinalOf(parseCidr('2001:db8::40/122'), '2001:db8::7f')).toBe(63);
    expect(ordinalOf(parseCidr('2001:db8::40/122'), '2001:db8::80')).toBeUndefined();
  });

  it('names blocks as valid object names', () => {
    expect(blockName('100.64.0.0/26')).toBe('100.64.0.0-26');
    expect(blockName('2001:db8::/122')).toBe('2001-db8---122');
  });

  it('rejects bad block sizes with the pool name', () => {
    expect(() => pool('100.64.0.0/16', 19)).toThrow('IPPool p: blockSize 19 out of range for IPv4 (20..32)');
    expect(() => pool('100.64.0.0/28', 26)).toThrow('IPPool p: blockSize /26 is larger than the pool 100.64.0.0/28');
    expect(() => pool('100.64.0.1/16')).toThrow(/IPPool p: CIDR "100.64.0.1\/16" has host bits set/);
  });
});

describe('block operations', () => {
  const c = parseCidr('100.64.0.0/30');
  const empty = newBlockSpec(c, '100.64.0.0/30', 'host:n1', false);

  it('assigns, records attributes and releases to the back of the free list', () => {
    const a = assignOrdinals(empty, [0, 1], 'h1', { pod: 'p1' }, 0, 1000);
    const b = assignOrdinals(a, [2], 'h2', { pod: 'p2' }, 0, 1000);
    expect(allocatedCount(b)).toBe(3);
    expect(ordinalsOfHandle(b, 'h1')).toEqual([0, 1]);
    expect(b.unallocated).toEqual([3]);
    const r = releaseOrdinals(b, [0, 1], 500, 1000);
    expect(r.attributes).toEqual([{ handleID: 'h2', secondary: { pod: 'p2' } }]);
    expect(r.allocations).toEqual([null, null, 0, null]);
    expect(r.unallocated).toEqual([3, 0, 1]);
    expect(r.releasedAt).toEqual({ 0: 500, 1: 500 });
    expect(() => assignOrdinals(r, [2], 'h3', {}, 0, 1000)).toThrow('ordinal 2 of block 100.64.0.0/30 is not free');
  });

  it('keeps released ordinals out of the cooled list until the cooldown ends, then hands warm ones out oldest first', () => {
    let s = assignOrdinals(empty, [0, 1, 2, 3], 'h', {}, 0, 1000);
    s = releaseOrdinals(s, [2], 100, 1000);
    s = releaseOrdinals(s, [0], 200, 1000);
    expect(freeOrdinals(s, 300, 1000, false)).toEqual([]);
    expect(freeOrdinals(s, 300, 1000, true)).toEqual([2, 0]);
    expect(freeOrdinals(s, 1150, 1000, false)).toEqual([2]);
    expect(freeOrdinals(s, 1250, 1000, false)).toEqual([2, 0]);
  });

  it('ignores releasing free ordinals', () => {
    expect(releaseOrdinals(empty, [1], 0, 10)).toBe(empty);
  });
});
