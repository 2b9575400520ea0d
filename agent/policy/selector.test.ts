import { describe, expect, it } from 'vitest';
import { canonicalAddr, contains, parseCidr, setEntries } from '../net/cidr.js';
import { canonicalSelector, matches, selectorErrors } from './selector.js';

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front' };
  it('matchLabels and every operator, ANDed; the empty selector matches all', () => {
    expect(matches({}, {})).toBe(true);
    expect(matches({ matchLabels: { app: 'web' } }, labels)).toBe(true);
    expect(matches({ matchLabels: { app: 'web', tier: 'back' } }, labels)).toBe(false);
    expect(matches({ matchExpressions: [{ key: 'app', operator: 'In', values: ['db', 'web'] }] }, labels)).toBe(true);
    expect(matches({ matchExpressions: [{ key: 'app', operator: 'In', values: ['db'] }] }, labels)).toBe(false);
    expect(matches({ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['db'] }] }, labels)).toBe(true);
    expect(matches({ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, labels)).toBe(false);
    // NotIn and DoesNotExist match objects without the key
    expect(matches({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, labels)).toBe(true);
    expect(matches({ matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, labels)).toBe(true);
    expect(matches({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, labels)).toBe(false);
    expect(matches({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, labels)).toBe(true);
    expect(matches({ matchExpressions: [{ key: 'env', operator: 'In', values: [''] }] }, labels)).toBe(false);
    expect(matches({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, { app: 'web' })).toBe(false);
  });

  it('validation explains what is wrong', () => {
    expect(selectorErrors({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }, 'sel')).toEqual(['sel.matchExpressions[0]: operator In needs at least one value']);
    expect(selectorErrors({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, 'sel')).toEqual(['sel.matchExpressions[0]: operator Exists takes no values']);
    expect(selectorErrors({ matchExpressions: [{ key: 'a', operator: 'Gt' as 'In', values: ['1'] }] }, 'sel')[0]).toMatch(/unknown operator "Gt"/);
    expect(selectorErrors({ matchLabels: { 'bad key!': 'x' } }, 'sel')[0]).toMatch(/invalid label key/);
    expect(selectorErrors({ matchLabels: { 'example.com/app': 'web-1' } }, 'sel')).toEqual([]);
  });

  it('canonical form ignores order', () => {
    const a = canonicalSelector({ matchLabels: { b: '2', a: '1' }, matchExpressions: [{ key: 'c', operator: 'In', values: ['y', 'x'] }] });
    const b = canonicalSelector({ matchExpressions: [{ key: 'c', operator: 'In', values: ['x', 'y'] }], matchLabels: { a: '1', b: '2' } });
    expect(a).toBe(b);
    expect(canonicalSelector({})).toBe('all()');
  });
});

describe('CIDRs', () => {
  it('parses, canonicalises and checks containment', () => {
    expect(() => parseCidr('100.64.0.1/24')).toThrow(/host bits set \(network is 100\.64\.0\.0\/24\)/);
    expect(() => parseCidr('100.64.0.0/33')).toThrow(/invalid prefix length/);
    expect(() => parseCidr('nonsense')).toThrow(/invalid CIDR/);
    expect(contains(parseCidr('100.64.0.0/10'), parseCidr('100.64.3.0/24'))).toBe(true);
    expect(contains(parseCidr('100.64.0.0/24'), parseCidr('100.64.1.0/24'))).toBe(false);
    expect(contains(parseCidr('0.0.0.0/0'), parseCidr('10.0.0.0/8'))).toBe(true);
    expect(contains(parseCidr('2001:db8::/32'), parseCidr('2001:db8:1::/48'))).toBe(true);
    expect(canonicalAddr('2001:0DB8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(canonicalAddr('2001:db8:0:1:0:0:0:1')).toBe('2001:db8:0:1::1');
  });

  it('set entries: /0 splits into two halves, host prefixes lose their length', () => {
    expect(setEntries(parseCidr('0.0.0.0/0'))).toEqual(['0.0.0.0/1', '128.0.0.0/1']);
    expect(setEntries(parseCidr('::/0'))).toEqual(['::/1', '8000::/1']);
    expect(setEntries(parseCidr('100.64.0.3/32'))).toEqual(['100.64.0.3']);
    expect(setEntries(parseCidr('2001:db8::/64'))).toEqual(['2001:db8::/64']);
  });
});
