// Prefix-list matching with ge/le ranges as in BIRD and FRR, through the
// configuration (compilePolicies + applyPolicy), and the numeric matcher
// checked against a BigInt reference model (fast-check).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Prefix, type FamilyName, type PathAttributes } from '../wire/index.js';
import { applyPolicy, compilePolicies, type PrefixMatchConfig } from './index.js';
import { compilePrefixList, prefixListMatches, type PrefixRange } from './prefix-list.js';

const ATTRS: PathAttributes = { origin: 0, asPath: [], nextHop: '198.18.0.1' };

function matcher(...entries: PrefixMatchConfig[]): (prefix: string) => boolean {
  const { policies, problems } = compilePolicies([{ name: 'p', statements: [{ match: { prefixes: entries }, actions: { accept: true } }] }]);
  expect(problems).toEqual([]);
  const policy = policies.get('p')!;
  return (text) => {
    const prefix = Prefix.parse(text);
    const family: FamilyName = prefix.afi === 1 ? 'ipv4-unicast' : 'ipv6-unicast';
    return applyPolicy(policy, { prefix, family, attrs: ATTRS, nextHop: [] }, { localAs: 65000, direction: 'import' }).accept;
  };
}

describe('prefix lists (BIRD / FRR semantics)', () => {
  it('exact match when neither ge nor le', () => {
    const m = matcher({ prefix: '100.64.0.0/10' });
    expect(m('100.64.0.0/10')).toBe(true);
    expect(m('100.64.0.0/11')).toBe(false);
    expect(m('100.64.0.0/9')).toBe(false);
    expect(m('100.128.0.0/10')).toBe(false);
  });

  it('ge and le: any prefix inside with a length in range', () => {
    const m = matcher({ prefix: '100.64.0.0/10', ge: 26, le: 32 });
    expect(m('100.64.0.0/26')).toBe(true);
    expect(m('100.127.255.255/32')).toBe(true);
    expect(m('100.100.1.64/27')).toBe(true);
    expect(m('100.64.0.0/25')).toBe(false);
    expect(m('100.64.0.0/10')).toBe(false);
    expect(m('100.128.0.0/26')).toBe(false);
    expect(m('100.63.255.255/32')).toBe(false);
  });

  it('le alone is len..le, ge alone is ge..max', () => {
    const le = matcher({ prefix: '198.18.0.0/15', le: 24 });
    expect(le('198.18.0.0/15')).toBe(true);
    expect(le('198.19.7.0/24')).toBe(true);
    expect(le('198.19.7.0/25')).toBe(false);
    expect(le('198.18.0.0/14')).toBe(false);
    const ge = matcher({ prefix: '198.18.0.0/15', ge: 24 });
    expect(ge('198.18.0.0/15')).toBe(false);
    expect(ge('198.19.7.0/24')).toBe(true);
    expect(ge('198.19.7.7/32')).toBe(true);
    expect(ge('198.19.7.0/23')).toBe(false);
  });

  it('/0: the default route only, or everything with le 32', () => {
    const dflt = matcher({ prefix: '0.0.0.0/0' });
    expect(dflt('0.0.0.0/0')).toBe(true);
    expect(dflt('10.0.0.0/8')).toBe(false);
    const any = matcher({ prefix: '0.0.0.0/0', le: 32 });
    for (const p of ['0.0.0.0/0', '255.255.255.255/32', '128.0.0.0/1', '10.0.0.0/8']) expect(any(p)).toBe(true);
    expect(any('::/0')).toBe(false); // family mismatch
    const hosts = matcher({ prefix: '0.0.0.0/0', ge: 32 });
    expect(hosts('1.2.3.4/32')).toBe(true);
    expect(hosts('1.2.3.0/31')).toBe(false);
  });

  it('/32 host routes', () => {
    const m = matcher({ prefix: '198.18.0.1/32' });
    expect(m('198.18.0.1/32')).toBe(true);
    expect(m('198.18.0.0/32')).toBe(false);
    expect(m('198.18.0.0/31')).toBe(false);
    expect(m('255.255.255.255/32')).toBe(false);
    const top = matcher({ prefix: '255.255.255.255/32' });
    expect(top('255.255.255.255/32')).toBe(true);
    expect(top('255.255.255.254/32')).toBe(false);
  });

  it('IPv6, /0 and /128, across every 32-bit word', () => {
    const m = matcher({ prefix: '2001:db8::/32', ge: 48, le: 64 });
    expect(m('2001:db8:1::/48')).toBe(true);
    expect(m('2001:db8:ffff:ffff::/64')).toBe(true);
    expect(m('2001:db8::/32')).toBe(false);
    expect(m('2001:db9::/48')).toBe(false);
    expect(m('2001:db8::/65')).toBe(false);
    const host = matcher({ prefix: '2001:db8::1:2:3:4/128' });
    expect(host('2001:db8::1:2:3:4/128')).toBe(true);
    expect(host('2001:db8::1:2:3:5/128')).toBe(false);
    expect(host('2001:db8:0:1:1:2:3:4/128')).toBe(false);
    const deep = matcher({ prefix: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0/124', le: 128 });
    expect(deep('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128')).toBe(true);
    expect(deep('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffef/128')).toBe(false);
    const all = matcher({ prefix: '::/0', le: 128 });
    expect(all('::/0')).toBe(true);
    expect(all('2001:db8::1/128')).toBe(true);
    expect(all('10.0.0.0/8')).toBe(false); // family mismatch
  });

  it('the family of the route must match the family of the entry', () => {
    // ::/96 and 0.0.0.0/0 share all-zero words; only the family tells them apart
    const v6 = matcher({ prefix: '::/0', le: 32 });
    expect(v6('0.0.0.0/0')).toBe(false);
    expect(v6('10.0.0.0/8')).toBe(false);
    const v4 = matcher({ prefix: '0.0.0.0/0', le: 32 });
    expect(v4('::/0')).toBe(false);
    expect(v4('::/32')).toBe(false);
  });

  it('any entry of a mixed list', () => {
    const m = matcher({ prefix: '10.0.0.0/8', le: 24 }, { prefix: '2001:db8::/32', le: 64 }, { prefix: '100.64.0.0/10', ge: 32 });
    expect(m('10.1.0.0/16')).toBe(true);
    expect(m('2001:db8::/48')).toBe(true);
    expect(m('100.64.1.1/32')).toBe(true);
    expect(m('100.64.1.0/24')).toBe(false);
    expect(m('2001:db8::/96')).toBe(false);
  });
});

// Reference model: prefixes as BigInt, "inside" by shifting.
function toBig(p: Prefix): bigint {
  return p.afi === 1 ? BigInt(p.w0) : (BigInt(p.w0) << 96n) | (BigInt(p.w1) << 64n) | (BigInt(p.w2) << 32n) | BigInt(p.w3);
}

function modelMatches(ranges: readonly PrefixRange[], p: Prefix): boolean {
  const max = p.afi === 1 ? 32 : 128;
  return ranges.some((r) => r.network.afi === p.afi && p.length >= r.lo && p.length <= r.hi &&
    toBig(p) >> BigInt(max - r.network.length) === toBig(r.network) >> BigInt(max - r.network.length));
}

const u32 = fc.integer({ min: 0, max: 0xffffffff });
/** Prefixes that often share leading bits, so that both outcomes are common. */
const prefixArb = fc.oneof(
  fc.tuple(fc.constantFrom(0x64400000, 0xc6120000, 0, 0xffffffff), u32, fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 32 }))
    .map(([base, noise, keep, len]) => Prefix.v4((base & (keep === 0 ? 0 : (-1 << (32 - keep)))) | (noise & (keep === 32 ? 0 : (-1 >>> keep))), len)),
  fc.tuple(fc.constantFrom(0x20010db8, 0, 0xffffffff), u32, u32, u32, fc.integer({ min: 0, max: 128 }))
    .map(([a, b, c, d, len]) => Prefix.v6([a, b & 0xffff00ff, c, d], len)),
);
const rangeArb = prefixArb.chain((network) => {
  const max = network.afi === 1 ? 32 : 128;
  return fc.tuple(fc.integer({ min: network.length, max }), fc.integer({ min: network.length, max }))
    .map(([a, b]): PrefixRange => ({ network, lo: Math.min(a, b), hi: Math.max(a, b) }));
});

describe('numeric matcher against the BigInt model', () => {
  it('agrees for random lists and prefixes', () => {
    const seen = { match: 0, miss: 0 };
    fc.assert(fc.property(fc.array(rangeArb, { maxLength: 6 }), fc.array(prefixArb, { minLength: 1, maxLength: 20 }), (ranges, prefixes) => {
      const list = compilePrefixList(ranges);
      for (const p of prefixes) {
        const want = modelMatches(ranges, p);
        expect(prefixListMatches(list, p)).toBe(want);
        seen[want ? 'match' : 'miss']++;
      }
    }), { numRuns: 1000 });
    expect(seen.match).toBeGreaterThan(200); // the generators exercise both outcomes
    expect(seen.miss).toBeGreaterThan(200);
  });

  it('a route inside its own entry always matches', () => {
    fc.assert(fc.property(rangeArb, (r) => {
      const list = compilePrefixList([r]);
      expect(prefixListMatches(list, r.network)).toBe(r.lo === r.network.length);
      const max = r.network.afi === 1 ? 32 : 128;
      // the longest more-specific at hi, inside the network
      const inner = r.network.afi === 1 ? Prefix.v4(r.network.w0, r.hi) : Prefix.v6([r.network.w0, r.network.w1, r.network.w2, r.network.w3], r.hi);
      expect(prefixListMatches(list, inner)).toBe(true);
      expect(r.hi <= max).toBe(true);
    }));
  });
});
