// compilePolicies: every kind of configuration mistake is reported at its
// exact path with a message that says what to change; valid configurations
// compile with no problems; a policy with a problem is left out of the map.

import { describe, expect, it } from 'vitest';
import { ACCEPT_ALL, REJECT_ALL, compilePolicies, resolvePolicy, type ConfigProblem, type PolicyConfig } from './index.js';

function problemsOf(cfgs: unknown): ConfigProblem[] {
  return compilePolicies(cfgs).problems;
}

/** A policy whose second statement (statements[1]) is `st`. */
function statement(st: unknown): unknown {
  return [{ name: 'p', statements: [{ actions: { accept: true } }, st] }];
}

/** The one problem `cfgs` has. */
function only(cfgs: unknown): ConfigProblem {
  const problems = problemsOf(cfgs);
  expect(problems, JSON.stringify(problems)).toHaveLength(1);
  return problems[0]!;
}

const DOC_EXAMPLE: PolicyConfig = {
  name: 'pods-out',
  default: 'reject',
  statements: [{
    match: { prefixes: [{ prefix: '100.64.0.0/10', ge: 26, le: 32 }], communities: ['64512:100'], families: ['ipv4-unicast'] },
    actions: {
      accept: true, setLocalPref: 200, setMed: 10, setNextHop: 'self', addCommunities: ['64512:200', 'no-export'],
      setCommunities: ['64512:300'], removeCommunities: ['64512:100'], addLargeCommunities: ['4200000001:1:2'], prepend: { count: 2 },
    },
  }],
};

describe('valid configurations', () => {
  it('compiles the example of docs/bgpd-config.md', () => {
    const { policies, problems } = compilePolicies([DOC_EXAMPLE, { name: 'empty', statements: [] }]);
    expect(problems).toEqual([]);
    expect([...policies.keys()]).toEqual(['pods-out', 'empty']);
    expect(policies.get('pods-out')!.name).toBe('pods-out');
  });

  it('treats a missing section as no policies', () => {
    expect(compilePolicies(undefined)).toEqual({ policies: new Map(), problems: [] });
    expect(compilePolicies(null)).toEqual({ policies: new Map(), problems: [] });
  });

  it('accepts every field form: numbers as communities, IPv6, asn in prepend, keep, addresses', () => {
    const { problems } = compilePolicies([{
      name: 'all', default: 'accept', statements: [
        { match: { prefixes: [{ prefix: '2001:db8::/32', le: 64 }, { prefix: '::/0', ge: 128 }], families: ['ipv6-unicast'],
          nextHop: ['2001:DB8:0:0::1', '198.18.0.1'], asPathContains: [0, 4294967295], largeCommunities: ['1:2:3'],
          communities: [100, 'NO-EXPORT'] },
          actions: { setNextHop: 'keep', removeLargeCommunities: ['1:2:3'], setCommunities: [], prepend: { asn: 65010, count: 255 } } },
        { match: {}, actions: { setNextHop: '2001:db8::1' } },
        { actions: { accept: false } },
      ],
    }]);
    expect(problems).toEqual([]);
  });

  it('resolves the built-in names and compiled ones', () => {
    const { policies } = compilePolicies([DOC_EXAMPLE]);
    expect(resolvePolicy(policies, 'accept-all')).toBe(ACCEPT_ALL);
    expect(resolvePolicy(policies, 'reject-all')).toBe(REJECT_ALL);
    expect(resolvePolicy(policies, 'pods-out')).toBe(policies.get('pods-out'));
    expect(resolvePolicy(policies, 'nope')).toBeUndefined();
  });
});

describe('problems, each at its exact path', () => {
  it('the section is not a list', () => {
    expect(only({ name: 'p' })).toEqual({ path: 'policies', message: expect.stringMatching(/must be a list of policies.*got a mapping/) });
  });

  it('a policy is not a mapping', () => {
    expect(only(['pods-out'])).toEqual({ path: 'policies[0]', message: expect.stringMatching(/must be a policy.*got "pods-out"/) });
  });

  it('name: missing, wrong type, empty, reserved, duplicate', () => {
    expect(only([{ statements: [] }])).toEqual({ path: 'policies[0].name', message: expect.stringMatching(/is required/) });
    expect(only([{ name: 7, statements: [] }])).toEqual({ path: 'policies[0].name', message: 'must be a non-empty string; got 7' });
    expect(only([{ name: ' ', statements: [] }]).path).toBe('policies[0].name');
    expect(only([{ name: 'accept-all', statements: [] }])).toEqual({
      path: 'policies[0].name', message: '"accept-all" is a built-in policy and cannot be redefined; choose another name' });
    expect(only([{ name: 'reject-all', statements: [] }]).path).toBe('policies[0].name');
    const dup = compilePolicies([{ name: 'a', statements: [] }, { name: 'b', statements: [] }, { name: 'a', default: 'accept', statements: [] }]);
    expect(dup.problems).toEqual([{ path: 'policies[2].name', message: 'duplicate policy name "a" (already defined at policies[0]); names must be unique' }]);
    expect(dup.policies.get('a')!.defaultAccept).toBe(false); // the first definition
  });

  it('default and statements', () => {
    expect(only([{ name: 'p', default: 'deny', statements: [] }])).toEqual({
      path: 'policies[0].default', message: 'must be accept or reject (what happens when no statement decides); got "deny"' });
    expect(only([{ name: 'p' }])).toEqual({ path: 'policies[0].statements', message: expect.stringMatching(/is required/) });
    expect(only([{ name: 'p', statements: { actions: {} } }])).toEqual({
      path: 'policies[0].statements', message: expect.stringMatching(/must be a list of statements.*got a mapping/) });
  });

  it('unknown fields, with the intended name when it is a typo', () => {
    expect(only([{ name: 'p', defualt: 'accept', statements: [] }])).toEqual({
      path: 'policies[0].defualt', message: 'unknown field "defualt"; did you mean "default"?' });
    expect(only(statement({ match: { prefixs: [{ prefix: '10.0.0.0/8' }] }, actions: { accept: true } }))).toEqual({
      path: 'policies[0].statements[1].match.prefixs', message: 'unknown field "prefixs"; did you mean "prefixes"?' });
    expect(only(statement({ actions: { setlocalpref: 100 } }))).toEqual({
      path: 'policies[0].statements[1].actions.setlocalpref', message: 'unknown field "setlocalpref"; did you mean "setLocalPref"?' });
    expect(only(statement({ actions: { reject: true } }))).toEqual({
      path: 'policies[0].statements[1].actions.reject', message: 'unknown field "reject"; to reject, write "accept: false"' });
    expect(only(statement({ accept: true, actions: {} }))).toEqual({
      path: 'policies[0].statements[1].accept', message: 'unknown field "accept"; accept belongs under "actions"' });
    expect(only(statement({ actions: { colour: 'blue' } })).message).toMatch(/^unknown field "colour"; expected one of: accept, setLocalPref/);
    expect(only(statement({ match: { prefixes: [{ prefix: '10.0.0.0/8', lt: 24 }] }, actions: {} })).path)
      .toBe('policies[0].statements[1].match.prefixes[0].lt');
    expect(only(statement({ actions: { prepend: { count: 1, as: 1 } } })).path).toBe('policies[0].statements[1].actions.prepend.as');
  });

  it('statement shape: not a mapping, actions missing or not a mapping, match not a mapping', () => {
    expect(only(statement('accept'))).toEqual({ path: 'policies[0].statements[1]', message: expect.stringMatching(/must be a statement/) });
    expect(only(statement({ match: {} }))).toEqual({ path: 'policies[0].statements[1].actions', message: expect.stringMatching(/is required/) });
    expect(only(statement({ actions: true })).path).toBe('policies[0].statements[1].actions');
    expect(only(statement({ match: ['10.0.0.0/8'], actions: {} })).path).toBe('policies[0].statements[1].match');
  });

  describe('prefixes', () => {
    const at = (entry: unknown) => only(statement({ match: { prefixes: [{ prefix: '10.0.0.0/8' }, entry] }, actions: { accept: true } }));
    const P = 'policies[0].statements[1].match.prefixes[1]';

    it('syntax', () => {
      expect(at({ prefix: '100.64.0.0/33' })).toEqual({ path: `${P}.prefix`, message: expect.stringMatching(/"100.64.0.0\/33" is not a prefix; expected address\/length/) });
      expect(at({ prefix: '100.64.0/10' }).path).toBe(`${P}.prefix`);
      expect(at({ prefix: '2001:db8::/129' }).path).toBe(`${P}.prefix`);
      expect(at({ prefix: 'pods' }).path).toBe(`${P}.prefix`);
      expect(at({ prefix: 100 })).toEqual({ path: `${P}.prefix`, message: expect.stringMatching(/must be a string/) });
      expect(at({ ge: 24 })).toEqual({ path: `${P}.prefix`, message: expect.stringMatching(/is required/) });
      expect(at('10.0.0.0/8')).toEqual({ path: P, message: expect.stringMatching(/write \{ prefix: 10.0.0.0\/8 \}/) });
    });

    it('host bits set', () => {
      expect(at({ prefix: '100.64.0.1/10' })).toEqual({ path: `${P}.prefix`, message: '100.64.0.1/10 has host bits set; the network is 100.64.0.0/10' });
      expect(at({ prefix: '2001:db8::1/64' }).message).toBe('2001:db8::1/64 has host bits set; the network is 2001:db8::/64');
    });

    it('ge / le out of [len, max], not integers, ge > le', () => {
      expect(at({ prefix: '100.64.0.0/10', ge: 8 })).toEqual({
        path: `${P}.ge`, message: 'ge 8 is shorter than the prefix length 10; for 100.64.0.0/10 it must be within 10..32' });
      expect(at({ prefix: '100.64.0.0/10', le: 33 })).toEqual({
        path: `${P}.le`, message: 'le 33 is longer than 32, the longest IPv4 prefix; for 100.64.0.0/10 it must be within 10..32' });
      expect(at({ prefix: '2001:db8::/32', le: 129 }).message).toMatch(/longer than 128, the longest IPv6 prefix; .* within 32..128/);
      expect(at({ prefix: '2001:db8::/32', ge: 16 }).path).toBe(`${P}.ge`);
      expect(at({ prefix: '100.64.0.0/10', ge: '26' })).toEqual({
        path: `${P}.ge`, message: 'ge "26" is not an integer; for 100.64.0.0/10 it must be within 10..32' });
      expect(at({ prefix: '100.64.0.0/10', le: 24.5 }).path).toBe(`${P}.le`);
      expect(at({ prefix: '100.64.0.0/10', ge: 30, le: 28 })).toEqual({
        path: `${P}.le`, message: 'le 28 is less than ge 30, so no prefix length would match; need 10 <= ge <= le <= 32' });
    });

    it('boundaries are allowed: ge = len, le = max, /0 and /32, /128', () => {
      expect(problemsOf(statement({ match: { prefixes: [
        { prefix: '100.64.0.0/10', ge: 10, le: 32 }, { prefix: '0.0.0.0/0', le: 0 }, { prefix: '198.18.0.1/32', ge: 32 },
        { prefix: '::/0', ge: 0, le: 128 }, { prefix: '2001:db8::1/128' }, { prefix: '198.18.0.1' },
      ] }, actions: {} }))).toEqual([]);
    });

    it('empty list, not a list', () => {
      expect(at(undefined).path).toBe(P);
      expect(only(statement({ match: { prefixes: [] }, actions: {} }))).toEqual({
        path: 'policies[0].statements[1].match.prefixes',
        message: 'must not be empty: an empty list matches no route; remove the field to match every route' });
      expect(only(statement({ match: { prefixes: { prefix: '10.0.0.0/8' } }, actions: {} })).path).toBe('policies[0].statements[1].match.prefixes');
    });

    it('families that exclude every listed prefix', () => {
      expect(only(statement({ match: { prefixes: [{ prefix: '10.0.0.0/8' }], families: ['ipv6-unicast'] }, actions: {} }))).toEqual({
        path: 'policies[0].statements[1].match.families',
        message: 'the statement can never match: no prefix in "prefixes" belongs to ipv6-unicast' });
    });
  });

  describe('other conditions', () => {
    const M = 'policies[0].statements[1].match';
    const at = (match: unknown) => only(statement({ match, actions: { accept: true } }));

    it('communities', () => {
      expect(at({ communities: ['64512:100', '64512:70000'] })).toEqual({
        path: `${M}.communities[1]`, message: expect.stringMatching(/^the value part 70000 of "64512:70000" is above 65535/) });
      expect(at({ communities: ['no_export'] }).message).toMatch(/is not a community; expected "asn:value".*no-export/);
      expect(at({ communities: [2 ** 32] })).toEqual({
        path: `${M}.communities[0]`, message: 'must be a community as a 32-bit number, an integer from 0 to 4294967295; got 4294967296' });
      expect(at({ communities: [{ asn: 1 }] }).path).toBe(`${M}.communities[0]`);
      expect(at({ communities: '64512:100' })).toEqual({ path: `${M}.communities`, message: 'must be a list of communities; got "64512:100"' });
      expect(at({ communities: [] }).path).toBe(`${M}.communities`);
    });

    it('large communities', () => {
      expect(at({ largeCommunities: ['64512:100'] })).toEqual({
        path: `${M}.largeCommunities[0]`, message: expect.stringMatching(/is a standard community; a large community has three parts/) });
      expect(at({ largeCommunities: ['1:2:4294967296'] }).message).toMatch(/part 3 .* above 4294967295/);
      expect(at({ largeCommunities: [1] }).path).toBe(`${M}.largeCommunities[0]`);
    });

    it('families, AS numbers, next hops', () => {
      expect(at({ families: ['ipv4-unicast', 'ipv4'] })).toEqual({
        path: `${M}.families[1]`, message: 'must be ipv4-unicast or ipv6-unicast; got "ipv4"' });
      expect(at({ asPathContains: [65000, -1] })).toEqual({
        path: `${M}.asPathContains[1]`, message: 'must be an AS number, an integer from 0 to 4294967295; got -1' });
      expect(at({ asPathContains: ['65000'] }).path).toBe(`${M}.asPathContains[0]`);
      expect(at({ nextHop: ['198.18.0.256'] })).toEqual({
        path: `${M}.nextHop[0]`, message: 'must be an IPv4 or IPv6 address; got "198.18.0.256"' });
      expect(at({ nextHop: ['198.18.0.0/15'] }).path).toBe(`${M}.nextHop[0]`);
    });
  });

  describe('actions', () => {
    const A = 'policies[0].statements[1].actions';
    const at = (actions: unknown) => only(statement({ actions }));

    it('accept, local pref, MED', () => {
      expect(at({ accept: 'yes' })).toEqual({ path: `${A}.accept`, message: 'must be true or false; got "yes"' });
      expect(at({ setLocalPref: -5 })).toEqual({
        path: `${A}.setLocalPref`, message: 'must be a LOCAL_PREF value, an integer from 0 to 4294967295; got -5' });
      expect(at({ setMed: 2 ** 32 }).path).toBe(`${A}.setMed`);
      expect(at({ setMed: '10' }).path).toBe(`${A}.setMed`);
    });

    it('next hop', () => {
      expect(at({ setNextHop: 'slef' })).toEqual({
        path: `${A}.setNextHop`, message: 'must be self, keep, or an IPv4 or IPv6 address; got "slef"' });
      expect(at({ setNextHop: 'Self' }).path).toBe(`${A}.setNextHop`);
      expect(at({ setNextHop: 1 }).path).toBe(`${A}.setNextHop`);
    });

    it('community lists', () => {
      expect(at({ addCommunities: ['64512:200', 'no-expotr'] }).path).toBe(`${A}.addCommunities[1]`);
      expect(at({ setCommunities: ['1:2:3'] }).message).toMatch(/large community/);
      expect(at({ removeCommunities: 'no-export' })).toEqual({ path: `${A}.removeCommunities`, message: 'must be a list of communities; got "no-export"' });
      expect(at({ addLargeCommunities: ['4200000001:1'] }).path).toBe(`${A}.addLargeCommunities[0]`);
      expect(at({ removeLargeCommunities: ['a:b:c'] }).path).toBe(`${A}.removeLargeCommunities[0]`);
    });

    it('prepend', () => {
      expect(at({ prepend: 2 })).toEqual({ path: `${A}.prepend`, message: 'must be a mapping { count, asn } (write { count: 2 }); got 2' });
      expect(at({ prepend: {} })).toEqual({ path: `${A}.prepend.count`, message: 'is required: how many times to prepend, 1 to 255' });
      expect(at({ prepend: { count: 0 } })).toEqual({
        path: `${A}.prepend.count`, message: 'must be how many times to prepend, an integer from 1 to 255; got 0' });
      expect(at({ prepend: { count: 256 } }).path).toBe(`${A}.prepend.count`);
      expect(at({ prepend: { count: 1, asn: 0 } })).toEqual({
        path: `${A}.prepend.asn`, message: 'must be an AS number (omit it for the local AS), an integer from 1 to 4294967295; got 0' });
    });
  });

  it('reports every problem at once and keeps the valid policies', () => {
    const { policies, problems } = compilePolicies([
      { name: 'good', statements: [{ actions: { accept: true } }] },
      { name: 'bad', statements: [
        { match: { prefixes: [{ prefix: '10.0.0.0/8', le: 40 }], communities: ['x'] }, actions: { setMed: -1 } },
        { actions: { accept: 1 } },
      ] },
    ]);
    expect(problems.map((p) => p.path)).toEqual([
      'policies[1].statements[0].match.prefixes[0].le',
      'policies[1].statements[0].match.communities[0]',
      'policies[1].statements[0].actions.setMed',
      'policies[1].statements[1].actions.accept',
    ]);
    expect([...policies.keys()]).toEqual(['good']);
  });
});
