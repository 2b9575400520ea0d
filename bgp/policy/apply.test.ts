// applyPolicy: each action, each condition, fall-through statements, the
// default, the decision strings, next hop results, and the identity rules
// (unchanged attributes are the same object; repeated inputs reuse results).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AsSegment, Prefix, type AsPathSegment, type PathAttributes } from '../wire/index.js';
import {
  ACCEPT_ALL, REJECT_ALL, applyPolicy, compilePolicies, parseCommunity,
  type Policy, type PolicyContext, type PolicyInput, type PolicyResult, type StatementConfig,
} from './index.js';

const C = (text: string) => parseCommunity(text)!;
const BASE: PathAttributes = Object.freeze({
  origin: 0, asPath: Object.freeze([{ type: AsSegment.AS_SEQUENCE, asns: [65001, 65002] }]), nextHop: '198.18.1.1',
  communities: Object.freeze([C('64512:100'), C('64512:101')]), largeCommunities: Object.freeze([[4200000001, 1, 1] as const]),
});
const CTX: PolicyContext = { localAs: 65000, direction: 'export' };

function input(prefix = '100.64.0.64/26', attrs: PathAttributes = BASE, nextHop: readonly string[] = ['198.18.1.1']): PolicyInput {
  const p = Prefix.parse(prefix);
  return { prefix: p, family: p.afi === 1 ? 'ipv4-unicast' : 'ipv6-unicast', attrs, nextHop };
}

function policy(statements: StatementConfig[], dflt?: 'accept' | 'reject'): Policy {
  const { policies, problems } = compilePolicies([{ name: 'pol', ...(dflt ? { default: dflt } : {}), statements }]);
  expect(problems).toEqual([]);
  return policies.get('pol')!;
}

function accepted(r: PolicyResult): Extract<PolicyResult, { accept: true }> {
  if (!r.accept) throw new Error(`rejected by ${r.by}`);
  return r;
}

/** The attributes after one accepting statement with `actions`. */
function after(actions: StatementConfig['actions'], attrs: PathAttributes = BASE, ctx = CTX): PathAttributes {
  return accepted(applyPolicy(policy([{ actions: { ...actions, accept: true } }]), input(undefined, attrs), ctx)).attrs;
}

describe('built-in policies', () => {
  it('ACCEPT_ALL passes the route through untouched; REJECT_ALL rejects', () => {
    const i = input();
    const r = accepted(applyPolicy(ACCEPT_ALL, i, CTX));
    expect(r.attrs).toBe(BASE);
    expect(r.nextHop).toBeUndefined();
    expect(r.by).toBe('policy accept-all default');
    expect(applyPolicy(REJECT_ALL, i, CTX)).toEqual({ accept: false, by: 'policy reject-all default' });
  });

  it('ACCEPT_ALL reuses its result for the same attribute set (no allocation per route)', () => {
    const a = applyPolicy(ACCEPT_ALL, input('100.64.0.1/32'), CTX);
    const b = applyPolicy(ACCEPT_ALL, input('100.64.0.2/32'), CTX);
    expect(b).toBe(a);
    const other = { ...BASE };
    expect(accepted(applyPolicy(ACCEPT_ALL, input('100.64.0.3/32', other), CTX)).attrs).toBe(other);
  });
});

describe('statements and the default', () => {
  it('default is reject when omitted, and decides when no statement does', () => {
    expect(applyPolicy(policy([]), input(), CTX)).toEqual({ accept: false, by: 'policy pol default' });
    expect(applyPolicy(policy([], 'reject'), input(), CTX).accept).toBe(false);
    expect(accepted(applyPolicy(policy([], 'accept'), input(), CTX)).attrs).toBe(BASE);
  });

  it('the first deciding statement wins; by names it (counted from 0)', () => {
    const p = policy([
      { match: { prefixes: [{ prefix: '10.0.0.0/8', le: 32 }] }, actions: { accept: false } },
      { match: { prefixes: [{ prefix: '100.64.0.0/10', le: 32 }] }, actions: { accept: true } },
      { actions: { accept: false } },
    ]);
    expect(applyPolicy(p, input('10.1.0.0/16'), CTX)).toEqual({ accept: false, by: 'policy pol statement 0' });
    expect(applyPolicy(p, input('100.64.0.64/26'), CTX)).toMatchObject({ accept: true, by: 'policy pol statement 1' });
    expect(applyPolicy(p, input('192.0.2.0/24'), CTX)).toEqual({ accept: false, by: 'policy pol statement 2' });
  });

  it('statements without accept modify and fall through; later conditions see the changes', () => {
    const p = policy([
      { match: { prefixes: [{ prefix: '100.64.0.0/10', le: 32 }] }, actions: { setLocalPref: 200, addCommunities: ['64512:999'] } },
      { match: { communities: ['64512:999'] }, actions: { setMed: 5 } },
      { match: { families: ['ipv6-unicast'] }, actions: { accept: false } },
    ], 'accept');
    const r = accepted(applyPolicy(p, input(), CTX));
    expect(r.by).toBe('policy pol default');
    expect(r.attrs).toEqual({ ...BASE, localPref: 200, med: 5, communities: [C('64512:100'), C('64512:101'), C('64512:999')] });
    const outside = accepted(applyPolicy(p, input('192.0.2.0/24'), CTX));
    expect(outside.attrs).toBe(BASE); // nothing matched: same object
  });

  it('default reject discards the modifications of fall-through statements', () => {
    const p = policy([{ actions: { setLocalPref: 200 } }]);
    expect(applyPolicy(p, input(), CTX)).toEqual({ accept: false, by: 'policy pol default' });
  });

  it('a statement without match applies to every route', () => {
    expect(applyPolicy(policy([{ actions: { accept: true } }]), input('2001:db8::/64'), CTX).accept).toBe(true);
    expect(applyPolicy(policy([{ match: {}, actions: { accept: false } }], 'accept'), input(), CTX).accept).toBe(false);
  });
});

describe('conditions', () => {
  const when = (match: StatementConfig['match'], i: PolicyInput = input()) =>
    applyPolicy(policy([{ match, actions: { accept: true } }]), i, CTX).accept;

  it('all conditions must hold; within a list any element', () => {
    expect(when({ communities: ['1:1', '64512:101'] })).toBe(true);
    expect(when({ communities: ['1:1', 'no-export'] })).toBe(false);
    expect(when({ communities: ['64512:100'], families: ['ipv6-unicast'] })).toBe(false);
    expect(when({ communities: ['64512:100'], families: ['ipv6-unicast', 'ipv4-unicast'] })).toBe(true);
    expect(when({ communities: ['64512:100'] }, input(undefined, { origin: 0 }))).toBe(false);
  });

  it('large communities, AS path, next hop, families', () => {
    expect(when({ largeCommunities: ['4200000001:1:1'] })).toBe(true);
    expect(when({ largeCommunities: ['4200000001:1:2', '4200000001:2:1'] })).toBe(false);
    expect(when({ largeCommunities: ['4200000001:1:1'] }, input(undefined, { origin: 0 }))).toBe(false);
    expect(when({ asPathContains: [65002] })).toBe(true);
    expect(when({ asPathContains: [65000] })).toBe(false);
    expect(when({ asPathContains: [65010] }, input(undefined, { asPath: [{ type: AsSegment.AS_SET, asns: [65009, 65010] }] }))).toBe(true);
    expect(when({ asPathContains: [65010] }, input(undefined, { origin: 0 }))).toBe(false);
    expect(when({ nextHop: ['198.18.1.1'] })).toBe(true);
    expect(when({ nextHop: ['198.18.1.2'] })).toBe(false);
    // configured text is canonicalised to the decoder's RFC 5952 form
    expect(when({ nextHop: ['2001:DB8:0:0:0:0:0:1'] }, input('2001:db8:1::/48', BASE, ['2001:db8::1', 'fe80::1']))).toBe(true);
    expect(when({ nextHop: ['fe80::1'] }, input('2001:db8:1::/48', BASE, ['2001:db8::1', 'fe80::1']))).toBe(true);
    expect(when({ families: ['ipv6-unicast'] }, input('2001:db8:1::/48'))).toBe(true);
    expect(when({ families: ['ipv6-unicast'] })).toBe(false);
  });

  it('a next hop set by an earlier statement is what later nextHop conditions see', () => {
    const p = policy([
      { actions: { setNextHop: '198.18.9.9' } },
      { match: { nextHop: ['198.18.9.9'] }, actions: { accept: true } },
    ]);
    expect(applyPolicy(p, input(), CTX).accept).toBe(true);
  });
});

describe('actions', () => {
  it('setLocalPref and setMed; unchanged values keep the same object', () => {
    expect(after({ setLocalPref: 300 })).toEqual({ ...BASE, localPref: 300 });
    expect(after({ setMed: 0 })).toEqual({ ...BASE, med: 0 });
    const withBoth = { ...BASE, localPref: 300, med: 7 };
    expect(after({ setLocalPref: 300, setMed: 7 }, withBoth)).toBe(withBoth);
    expect(after({ setMed: 8 }, withBoth)).toEqual({ ...withBoth, med: 8 });
  });

  it('attributes are never mutated', () => {
    const before = JSON.stringify(BASE);
    after({ setLocalPref: 1, setMed: 2, setCommunities: ['1:1'], addLargeCommunities: ['1:2:3'], prepend: { count: 3 } });
    expect(JSON.stringify(BASE)).toBe(before);
  });

  it('setCommunities replaces; an empty list removes the attribute', () => {
    expect(after({ setCommunities: ['1:1', 'no-export'] }).communities).toEqual([C('1:1'), C('no-export')]);
    const same = after({ setCommunities: ['64512:100', '64512:101'] });
    expect(same).toBe(BASE);
    const none = after({ setCommunities: [] });
    expect('communities' in none).toBe(false);
    expect(none).toEqual({ origin: 0, asPath: BASE.asPath, nextHop: BASE.nextHop, largeCommunities: BASE.largeCommunities });
    expect(after({ setCommunities: [] }, { origin: 0 })).toEqual({ origin: 0 });
  });

  it('addCommunities appends the missing ones in order, without duplicates', () => {
    expect(after({ addCommunities: ['64512:200', '64512:100', 'no-export', '64512:200'] }).communities)
      .toEqual([C('64512:100'), C('64512:101'), C('64512:200'), C('no-export')]);
    expect(after({ addCommunities: ['64512:101'] })).toBe(BASE);
    expect(after({ addCommunities: ['no-export'] }, { origin: 0 })).toEqual({ origin: 0, communities: [C('no-export')] });
  });

  it('removeCommunities removes every listed value; the last one removes the attribute', () => {
    expect(after({ removeCommunities: ['64512:100'] }).communities).toEqual([C('64512:101')]);
    expect(after({ removeCommunities: ['1:1'] })).toBe(BASE);
    expect('communities' in after({ removeCommunities: ['64512:100', '64512:101'] })).toBe(false);
    expect(after({ removeCommunities: ['1:1'] }, { origin: 0 })).toEqual({ origin: 0 });
  });

  it('set, then remove, then add within one statement', () => {
    expect(after({ setCommunities: ['1:1', '1:2'], removeCommunities: ['1:1'], addCommunities: ['1:1'] }).communities)
      .toEqual([C('1:2'), C('1:1')]);
  });

  it('large communities: add de-duplicates, remove removes', () => {
    expect(after({ addLargeCommunities: ['4200000001:1:2', '4200000001:1:1'] }).largeCommunities)
      .toEqual([[4200000001, 1, 1], [4200000001, 1, 2]]);
    expect(after({ addLargeCommunities: ['4200000001:1:1'] })).toBe(BASE);
    expect('largeCommunities' in after({ removeLargeCommunities: ['4200000001:1:1'] })).toBe(false);
    expect(after({ removeLargeCommunities: ['4200000001:1:2'] })).toBe(BASE);
    expect(after({ addLargeCommunities: ['1:2:3'], removeLargeCommunities: ['4200000001:1:1'] }).largeCommunities).toEqual([[1, 2, 3]]);
  });

  it('prepend: into the leading AS_SEQUENCE, with the local AS or a given one', () => {
    expect(after({ prepend: { count: 2 } }).asPath).toEqual([{ type: 2, asns: [65000, 65000, 65001, 65002] }]);
    expect(after({ prepend: { asn: 65010, count: 1 } }).asPath).toEqual([{ type: 2, asns: [65010, 65001, 65002] }]);
    expect(after({ prepend: { count: 1 } }, BASE, { localAs: 4200000000, direction: 'export' }).asPath)
      .toEqual([{ type: 2, asns: [4200000000, 65001, 65002] }]);
  });

  it('prepend: a new segment for an empty path, a leading set or confederation segment, or past 255 ASNs', () => {
    expect(after({ prepend: { count: 2 } }, { origin: 0 }).asPath).toEqual([{ type: 2, asns: [65000, 65000] }]);
    expect(after({ prepend: { count: 1 } }, { asPath: [] }).asPath).toEqual([{ type: 2, asns: [65000] }]);
    const set = { asPath: [{ type: AsSegment.AS_SET, asns: [1, 2] }] };
    expect(after({ prepend: { count: 1 } }, set).asPath).toEqual([{ type: 2, asns: [65000] }, { type: 1, asns: [1, 2] }]);
    const confed = { asPath: [{ type: AsSegment.AS_CONFED_SEQUENCE, asns: [64512] }, { type: 2, asns: [1] }] };
    expect(after({ prepend: { count: 1 } }, confed).asPath).toEqual([{ type: 2, asns: [65000] }, ...confed.asPath]);
    const long = { asPath: [{ type: 2, asns: new Array<number>(250).fill(7) }, { type: 1, asns: [9] }] };
    expect(after({ prepend: { count: 5 } }, long).asPath).toEqual([{ type: 2, asns: [...new Array(5).fill(65000), ...new Array(250).fill(7)] }, { type: 1, asns: [9] }]);
    expect(after({ prepend: { count: 6 } }, long).asPath).toEqual([{ type: 2, asns: new Array(6).fill(65000) }, ...long.asPath]);
  });

  it('prepend keeps the AS path length arithmetic: count more, segments within 255', () => {
    fc.assert(fc.property(
      fc.array(fc.record({ type: fc.constantFrom(1, 2, 3, 4), asns: fc.array(fc.integer({ min: 1, max: 70000 }), { minLength: 1, maxLength: 255 }) }), { maxLength: 4 }),
      fc.integer({ min: 1, max: 255 }),
      (asPath, count) => {
        const out = after({ prepend: { count } }, { asPath }).asPath!;
        const flat = (p: readonly AsPathSegment[]) => p.flatMap((s) => s.asns);
        expect(flat(out)).toEqual([...new Array<number>(count).fill(65000), ...flat(asPath)]);
        for (const s of out) expect(s.asns.length).toBeLessThanOrEqual(255);
        expect(out[0]!.type).toBe(2);
        // the segments behind the first are the input's own objects
        const merged = out.length === asPath.length;
        const tail = merged ? out.slice(1) : out.slice(out.length - asPath.length);
        const want = merged ? asPath.slice(1) : asPath;
        tail.forEach((seg, i) => expect(seg).toBe(want[i]));
      }));
  });

  it('setNextHop: self (resolved when the context knows the address), keep, an address; undefined when not set', () => {
    const hop = (setNextHop: string, ctx: PolicyContext = CTX, i = input()) =>
      accepted(applyPolicy(policy([{ actions: { setNextHop, accept: true } }]), i, ctx)).nextHop;
    expect(hop('self')).toBe('self');
    expect(hop('self', { ...CTX, localAddress: '198.18.1.2' })).toEqual(['198.18.1.2']);
    const i = input();
    expect(hop('keep', CTX, i)).toBe(i.nextHop);
    expect(hop('2001:0db8::0001')).toEqual(['2001:db8::1']);
    expect(accepted(applyPolicy(policy([{ actions: { accept: true } }]), input(), CTX)).nextHop).toBeUndefined();
    const r = accepted(applyPolicy(policy([{ actions: { setNextHop: 'self', accept: true } }]), input(), CTX));
    expect(r.attrs).toBe(BASE); // the next hop is a result field, not an attribute change
  });

  it('the last setNextHop of the statements that matched wins', () => {
    const p = policy([{ actions: { setNextHop: 'self' } }, { actions: { setNextHop: '198.18.0.9' } }], 'accept');
    expect(accepted(applyPolicy(p, input(), CTX)).nextHop).toEqual(['198.18.0.9']);
  });
});

describe('identity and reuse (interning stays cheap)', () => {
  const p = policy([
    { match: { prefixes: [{ prefix: '100.64.0.0/10', ge: 26, le: 32 }] }, actions: { setLocalPref: 200, addCommunities: ['no-export'] } },
    { match: { communities: ['no-export'] }, actions: { accept: true } },
  ], 'accept');

  it('a route no statement changes comes back with the same attrs object', () => {
    const r = accepted(applyPolicy(p, input('192.0.2.0/24'), CTX));
    expect(r.attrs).toBe(BASE);
  });

  it('routes sharing an attribute set share the transformed set and the result', () => {
    const a = accepted(applyPolicy(p, input('100.64.0.1/32'), CTX));
    const b = accepted(applyPolicy(p, input('100.64.0.2/32'), CTX));
    expect(b.attrs).toBe(a.attrs);
    expect(b).toBe(a);
    expect(a.attrs).toEqual({ ...BASE, localPref: 200, communities: [...BASE.communities!, C('no-export')] });
  });

  it('the memo never returns a result for other inputs or another local AS', () => {
    const q = policy([{ actions: { prepend: { count: 1 }, accept: true } }]);
    const x = accepted(applyPolicy(q, input(), { localAs: 1, direction: 'export' }));
    const y = accepted(applyPolicy(q, input(), { localAs: 2, direction: 'export' }));
    expect(x.attrs.asPath![0]!.asns[0]).toBe(1);
    expect(y.attrs.asPath![0]!.asns[0]).toBe(2);
    const other = { ...BASE, asPath: [{ type: 2, asns: [9] }] };
    expect(accepted(applyPolicy(q, input(undefined, other), { localAs: 2, direction: 'export' })).attrs.asPath).toEqual([{ type: 2, asns: [2, 9] }]);
    const r1 = accepted(applyPolicy(ACCEPT_ALL, input(), CTX));
    const r2 = accepted(applyPolicy(policy([{ actions: { setNextHop: 'keep', accept: true } }]), input(), CTX));
    expect(r1.nextHop).toBeUndefined();
    expect(r2.nextHop).toEqual(['198.18.1.1']);
  });

  it('reuse survives an UPDATE split by a prefix condition (routes alternately modified and not)', () => {
    const q = policy([
      { match: { prefixes: [{ prefix: '100.64.0.0/10', le: 32 }] }, actions: { setLocalPref: 200 } },
      { actions: { setMed: 1, accept: true } },
    ]);
    const inside = [1, 2, 3].map((n) => accepted(applyPolicy(q, input(`100.64.0.${n}/32`), CTX)));
    const outside = [1, 2, 3].map((n) => accepted(applyPolicy(q, input(`192.0.2.${n}/32`), CTX)));
    const again = [4, 5].flatMap((n) => [applyPolicy(q, input(`100.64.0.${n}/32`), CTX), applyPolicy(q, input(`192.0.2.${n}/32`), CTX)]);
    expect(new Set([...inside, again[0], again[2]]).size).toBe(1);
    expect(new Set([...outside, again[1], again[3]]).size).toBe(1);
    expect(inside[0]!.attrs).toEqual({ ...BASE, localPref: 200, med: 1 });
    expect(outside[0]!.attrs).toEqual({ ...BASE, med: 1 });
  });

  it('a reused result also has to have the same next hop', () => {
    const keep = policy([{ actions: { setNextHop: 'keep', accept: true } }]);
    const h1 = ['198.18.1.1'];
    const h2 = ['198.18.1.7'];
    expect(accepted(applyPolicy(keep, input(undefined, BASE, h1), CTX)).nextHop).toBe(h1);
    expect(accepted(applyPolicy(keep, input(undefined, BASE, h2), CTX)).nextHop).toBe(h2);
    const self = policy([{ actions: { setNextHop: 'self', accept: true } }]);
    const via = (localAddress: string) => accepted(applyPolicy(self, input(), { ...CTX, localAddress })).nextHop;
    expect(via('198.18.1.2')).toEqual(['198.18.1.2']);
    expect(via('198.18.2.2')).toEqual(['198.18.2.2']);
    expect(via('198.18.1.2')).toEqual(['198.18.1.2']);
    expect(accepted(applyPolicy(self, input(), CTX)).nextHop).toBe('self');
  });

  it('agrees with a memo-free evaluation over random interleavings', () => {
    const sets = [BASE, { origin: 0 as const }, { ...BASE, communities: [C('no-export')] }, { asPath: [{ type: 1, asns: [5] }] }];
    const prefixes = ['100.64.0.1/32', '100.64.0.0/25', '192.0.2.0/24', '100.127.0.0/26'];
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(3), fc.nat(3), fc.integer({ min: 1, max: 3 })), { maxLength: 30 }), (steps) => {
      for (const [s, q, as] of steps) {
        const ctx: PolicyContext = { localAs: as, direction: 'import' };
        const got = applyPolicy(p, input(prefixes[q], sets[s]), ctx);
        const fresh = policy([
          { match: { prefixes: [{ prefix: '100.64.0.0/10', ge: 26, le: 32 }] }, actions: { setLocalPref: 200, addCommunities: ['no-export'] } },
          { match: { communities: ['no-export'] }, actions: { accept: true } },
        ], 'accept');
        expect(got).toEqual(applyPolicy(fresh, input(prefixes[q], sets[s]), ctx));
      }
    }), { numRuns: 50 });
  });
});
