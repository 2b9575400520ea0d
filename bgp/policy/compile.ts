// compilePolicies: the `policies:` section of the configuration (an unknown
// value, as parsed from YAML) validated and compiled for applyPolicy.
// Validation reports every problem it finds, each at an exact path
// ("policies[2].statements[0].match.prefixes[1].le") with a message that says
// what was found and what is expected: shapes and types, unknown fields (with
// the likely intended name), prefix syntax and host bits (as BIRD, which
// rejects 100.64.0.1/10), ge/le within [prefix length, family maximum] and
// ge <= le, community and large-community syntax, address syntax, families,
// empty match lists (which would match nothing), statements whose families
// exclude every listed prefix, duplicate names and the reserved names
// accept-all / reject-all. A policy with any problem is left out of the map;
// the caller should refuse the configuration when `problems` is not empty.
// Compilation turns text into numbers once: prefixes into numeric range
// tables (prefix-list.ts), communities into 32-bit values, addresses into
// canonical text, families into the registry's own name strings.

import {
  AFI_IPV4, familyByName, ipv4ToString, ipv6ToString, parseIpv4, parseIpv6, tryParsePrefix,
  type FamilyName, type LargeCommunity,
} from '../wire/index.js';
import {
  checkBoolean, checkEach, checkFields, checkInteger, checkList, checkU32, describe, isFields,
  type ConfigProblem, type Problems,
} from './check.js';
import { explainCommunity, explainLargeCommunity, parseCommunity, parseLargeCommunity } from './communities.js';
import {
  ACCEPT_ALL, ACCEPT_ALL_NAME, CompiledStatement, HOP_ADDRESS, HOP_KEEP, HOP_NONE, HOP_SELF, REJECT_ALL, REJECT_ALL_NAME,
  TERMINAL_ACCEPT, TERMINAL_NONE, TERMINAL_REJECT, makePolicy,
  type CompiledActions, type CompiledMatch, type HopKind, type Policy,
} from './policy.js';
import { compilePrefixList, type PrefixRange } from './prefix-list.js';

export type { ConfigProblem } from './check.js';
export { ACCEPT_ALL, REJECT_ALL, type Policy } from './policy.js';

const POLICY_FIELDS = ['name', 'default', 'statements'];
const STATEMENT_FIELDS = ['match', 'actions'];
const MATCH_FIELDS = ['prefixes', 'communities', 'largeCommunities', 'families', 'asPathContains', 'nextHop'];
const PREFIX_FIELDS = ['prefix', 'ge', 'le'];
const ACTION_FIELDS = ['accept', 'setLocalPref', 'setMed', 'setNextHop', 'addCommunities', 'setCommunities',
  'removeCommunities', 'addLargeCommunities', 'removeLargeCommunities', 'prepend'];
const PREPEND_FIELDS = ['asn', 'count'];
const ACTION_HINTS = { reject: 'to reject, write "accept: false"' };
const STATEMENT_HINTS = { accept: 'accept belongs under "actions"', default: '"default" belongs to the policy, not a statement' };
const MAX_PREPEND = 255;
const EMPTY_MATCH = 'an empty list matches no route; remove the field to match every route';

/** Validates and compiles the `policies:` value; undefined or null means no policies. */
export function compilePolicies(cfgs: unknown): { policies: Map<string, Policy>; problems: ConfigProblem[] } {
  const policies = new Map<string, Policy>();
  const problems: ConfigProblem[] = [];
  if (cfgs === undefined || cfgs === null) return { policies, problems };
  if (!Array.isArray(cfgs)) {
    problems.push({ path: 'policies', message: `must be a list of policies (each with name, default, statements); got ${describe(cfgs)}` });
    return { policies, problems };
  }
  const firstAt = new Map<string, number>();
  cfgs.forEach((cfg: unknown, i) => {
    const before = problems.length;
    const p = compilePolicy(cfg, `policies[${i}]`, problems, firstAt, i);
    if (p !== undefined && problems.length === before) policies.set(p.name, p);
  });
  return { policies, problems };
}

/** The policy a peer's import/export names: a compiled one or a built-in; undefined when unknown. */
export function resolvePolicy(policies: ReadonlyMap<string, Policy>, name: string): Policy | undefined {
  if (name === ACCEPT_ALL_NAME) return ACCEPT_ALL;
  if (name === REJECT_ALL_NAME) return REJECT_ALL;
  return policies.get(name);
}

function compilePolicy(cfg: unknown, path: string, problems: Problems, firstAt: Map<string, number>, index: number): Policy | undefined {
  if (!isFields(cfg)) {
    problems.push({ path, message: `must be a policy: a mapping with name, default and statements; got ${describe(cfg)}` });
    return undefined;
  }
  checkFields(cfg, path, POLICY_FIELDS, problems);
  const name = checkName(cfg.name, `${path}.name`, problems, firstAt, index);
  let defaultAccept: boolean | undefined = false;
  if (cfg.default !== undefined) {
    if (cfg.default === 'accept' || cfg.default === 'reject') defaultAccept = cfg.default === 'accept';
    else {
      problems.push({ path: `${path}.default`, message: `must be accept or reject (what happens when no statement decides); got ${describe(cfg.default)}` });
      defaultAccept = undefined;
    }
  }
  let statements: (CompiledStatement | undefined)[] | undefined;
  if (cfg.statements === undefined) {
    problems.push({ path: `${path}.statements`, message: 'is required: a list of statements (may be empty, then only default decides)' });
  } else {
    const list = checkList(cfg.statements, `${path}.statements`, 'statements (each with match and actions)', problems);
    statements = list?.map((s, j) => compileStatement(s, `${path}.statements[${j}]`, j, name ?? '?', problems));
  }
  if (name === undefined || defaultAccept === undefined || statements === undefined) return undefined;
  const ok: CompiledStatement[] = [];
  for (const s of statements) {
    if (s === undefined) return undefined;
    ok.push(s);
  }
  return makePolicy(name, defaultAccept, ok);
}

function checkName(v: unknown, path: string, problems: Problems, firstAt: Map<string, number>, index: number): string | undefined {
  if (v === undefined) {
    problems.push({ path, message: 'is required: the name peers use in their import and export fields' });
    return undefined;
  }
  if (typeof v !== 'string' || v.trim() === '') {
    problems.push({ path, message: `must be a non-empty string; got ${describe(v)}` });
    return undefined;
  }
  if (v === ACCEPT_ALL_NAME || v === REJECT_ALL_NAME) {
    problems.push({ path, message: `"${v}" is a built-in policy and cannot be redefined; choose another name` });
    return undefined;
  }
  const first = firstAt.get(v);
  if (first !== undefined) {
    problems.push({ path, message: `duplicate policy name "${v}" (already defined at policies[${first}]); names must be unique` });
    return undefined;
  }
  firstAt.set(v, index);
  return v;
}

function compileStatement(cfg: unknown, path: string, index: number, policyName: string, problems: Problems): CompiledStatement | undefined {
  if (!isFields(cfg)) {
    problems.push({ path, message: `must be a statement: a mapping with match and actions; got ${describe(cfg)}` });
    return undefined;
  }
  checkFields(cfg, path, STATEMENT_FIELDS, problems, STATEMENT_HINTS);
  const match = cfg.match === undefined ? NO_CONDITIONS : compileMatch(cfg.match, `${path}.match`, problems);
  let actions: CompiledActions | undefined;
  if (cfg.actions === undefined) {
    problems.push({ path: `${path}.actions`, message: 'is required: at least "accept: true" or "accept: false", or an action such as setLocalPref' });
  } else actions = compileActions(cfg.actions, `${path}.actions`, problems);
  if (match === undefined || actions === undefined) return undefined;
  return new CompiledStatement(index, match, actions, policyName);
}

const NO_CONDITIONS: CompiledMatch = {
  prefixes: null, families: null, communities: null, largeCommunities: null, asPathContains: null, nextHops: null,
};

function compileMatch(cfg: unknown, path: string, problems: Problems): CompiledMatch | undefined {
  if (!isFields(cfg)) {
    problems.push({ path, message: `must be a mapping of conditions (${MATCH_FIELDS.join(', ')}); got ${describe(cfg)}` });
    return undefined;
  }
  const before = problems.length;
  checkFields(cfg, path, MATCH_FIELDS, problems);
  const field = <T>(key: string, what: string, item: (v: unknown, path: string) => T | undefined): T[] | null => {
    if (cfg[key] === undefined) return null;
    const list = checkList(cfg[key], `${path}.${key}`, what, problems, EMPTY_MATCH);
    return (list && checkEach(list, `${path}.${key}`, problems, item)) ?? null;
  };
  const ranges = field('prefixes', 'prefix entries ({ prefix, ge, le })', (v, p) => compilePrefixRange(v, p, problems));
  const families = field('families', 'families', (v, p) => checkFamily(v, p, problems));
  const communities = field('communities', 'communities', (v, p) => checkCommunity(v, p, problems));
  const large = field('largeCommunities', 'large communities', (v, p) => checkLargeCommunity(v, p, problems));
  const asns = field('asPathContains', 'AS numbers', (v, p) => checkU32(v, p, 'an AS number', problems));
  const nextHops = field('nextHop', 'addresses', (v, p) => checkAddress(v, p, 'an IPv4 or IPv6 address', problems));
  if (ranges !== null && families !== null) {
    const afis = new Set(families.map((f) => familyByName(f)!.afi));
    if (!ranges.some((r) => afis.has(r.network.afi))) {
      problems.push({ path: `${path}.families`, message: `the statement can never match: no prefix in "prefixes" belongs to ${families.join(', ')}` });
    }
  }
  if (problems.length !== before) return undefined;
  return {
    prefixes: ranges === null ? null : compilePrefixList(ranges),
    families: families === null ? null : [...new Set(families)],
    communities: communities === null ? null : [...new Set(communities)],
    largeCommunities: large === null ? null : large.flatMap((c) => [...c]),
    asPathContains: asns === null ? null : [...new Set(asns)],
    nextHops: nextHops === null ? null : [...new Set(nextHops)],
  };
}

function compilePrefixRange(cfg: unknown, path: string, problems: Problems): PrefixRange | undefined {
  if (!isFields(cfg)) {
    const hint = typeof cfg === 'string' ? ` (write { prefix: ${cfg} })` : '';
    problems.push({ path, message: `must be a mapping { prefix, ge, le }${hint}; got ${describe(cfg)}` });
    return undefined;
  }
  checkFields(cfg, path, PREFIX_FIELDS, problems);
  const text = cfg.prefix;
  if (typeof text !== 'string') {
    problems.push({ path: `${path}.prefix`, message: `${text === undefined ? 'is required' : 'must be a string'}: a prefix such as 100.64.0.0/10 or 2001:db8::/32; got ${describe(text)}` });
    return undefined;
  }
  const network = tryParsePrefix(text);
  if (network === undefined) {
    problems.push({ path: `${path}.prefix`, message: `${describe(text)} is not a prefix; expected address/length such as 100.64.0.0/10 (length 0..32) or 2001:db8::/32 (length 0..128)` });
    return undefined;
  }
  const host = tryParsePrefix(text.split('/')[0]!)!;
  if (host.w0 !== network.w0 || host.w1 !== network.w1 || host.w2 !== network.w2 || host.w3 !== network.w3) {
    problems.push({ path: `${path}.prefix`, message: `${text} has host bits set; the network is ${network.toString()}` });
    return undefined;
  }
  const len = network.length;
  const max = network.afi === AFI_IPV4 ? 32 : 128;
  const fam = network.afi === AFI_IPV4 ? 'IPv4' : 'IPv6';
  const bound = (key: 'ge' | 'le'): number | undefined | null => {
    const v = cfg[key];
    if (v === undefined) return null;
    if (typeof v === 'number' && Number.isInteger(v) && v >= len && v <= max) return v;
    const why = typeof v === 'number' && Number.isInteger(v)
      ? (v < len ? `shorter than the prefix length ${len}` : `longer than ${max}, the longest ${fam} prefix`) : 'not an integer';
    problems.push({ path: `${path}.${key}`, message: `${key} ${describe(v)} is ${why}; for ${network.toString()} it must be within ${len}..${max}` });
    return undefined;
  };
  const ge = bound('ge');
  const le = bound('le');
  if (ge === undefined || le === undefined) return undefined;
  if (ge !== null && le !== null && ge > le) {
    problems.push({ path: `${path}.le`, message: `le ${le} is less than ge ${ge}, so no prefix length would match; need ${len} <= ge <= le <= ${max}` });
    return undefined;
  }
  const lo = ge ?? len;
  const hi = le ?? (ge !== null ? max : len);
  return { network, lo, hi };
}

function checkFamily(v: unknown, path: string, problems: Problems): FamilyName | undefined {
  const row = typeof v === 'string' ? familyByName(v) : undefined;
  if (row !== undefined) return row.name;
  problems.push({ path, message: `must be ipv4-unicast or ipv6-unicast; got ${describe(v)}` });
  return undefined;
}

function checkCommunity(v: unknown, path: string, problems: Problems): number | undefined {
  if (typeof v === 'number') return checkU32(v, path, 'a community as a 32-bit number', problems);
  if (typeof v !== 'string') {
    problems.push({ path, message: `must be a community such as "64512:100" or no-export; got ${describe(v)}` });
    return undefined;
  }
  const c = parseCommunity(v);
  if (c === undefined) problems.push({ path, message: explainCommunity(v) });
  return c;
}

function checkLargeCommunity(v: unknown, path: string, problems: Problems): LargeCommunity | undefined {
  if (typeof v !== 'string') {
    problems.push({ path, message: `must be a large community such as "4200000001:1:2" (quoted); got ${describe(v)}` });
    return undefined;
  }
  const c = parseLargeCommunity(v);
  if (c === undefined) problems.push({ path, message: explainLargeCommunity(v) });
  return c;
}

/** Canonical text of an IPv4 or IPv6 address (as the wire decoder prints them). */
function checkAddress(v: unknown, path: string, what: string, problems: Problems): string | undefined {
  if (typeof v === 'string') {
    const v4 = parseIpv4(v);
    if (v4 !== undefined) return ipv4ToString(v4);
    const v6 = v.includes('%') ? undefined : parseIpv6(v);
    if (v6 !== undefined) return ipv6ToString(...v6);
  }
  problems.push({ path, message: `must be ${what}; got ${describe(v)}` });
  return undefined;
}

function compileActions(cfg: unknown, path: string, problems: Problems): CompiledActions | undefined {
  if (!isFields(cfg)) {
    problems.push({ path, message: `must be a mapping of actions (${ACTION_FIELDS.join(', ')}); got ${describe(cfg)}` });
    return undefined;
  }
  const before = problems.length;
  checkFields(cfg, path, ACTION_FIELDS, problems, ACTION_HINTS);
  const opt = <T>(key: string, check: (v: unknown, path: string) => T | undefined): T | null =>
    cfg[key] === undefined ? null : check(cfg[key], `${path}.${key}`) ?? null;
  const list = <T>(key: string, what: string, item: (v: unknown, path: string) => T | undefined): T[] | null =>
    opt(key, (v, p) => {
      const l = checkList(v, p, what, problems);
      return l && checkEach(l, p, problems, item);
    });
  const community = (v: unknown, p: string) => checkCommunity(v, p, problems);
  const large = (v: unknown, p: string) => checkLargeCommunity(v, p, problems);

  const accept = opt('accept', (v, p) => checkBoolean(v, p, problems));
  const localPref = opt('setLocalPref', (v, p) => checkU32(v, p, 'a LOCAL_PREF value', problems));
  const med = opt('setMed', (v, p) => checkU32(v, p, 'a MED value', problems));
  const hop = opt('setNextHop', (v, p) => checkNextHop(v, p, problems));
  const setC = list('setCommunities', 'communities', community);
  const removeC = list('removeCommunities', 'communities', community);
  const addC = list('addCommunities', 'communities', community);
  const removeL = list('removeLargeCommunities', 'large communities', large);
  const addL = list('addLargeCommunities', 'large communities', large);
  const prepend = opt('prepend', (v, p) => checkPrepend(v, p, problems));
  if (problems.length !== before) return undefined;

  const uniq = (l: number[] | null) => (l === null ? null : [...new Set(l)]);
  const uniqLarge = (l: LargeCommunity[] | null) => (l === null ? null :
    l.filter((c, i) => l.findIndex((d) => d[0] === c[0] && d[1] === c[1] && d[2] === c[2]) === i));
  const modifiesAttrs = localPref !== null || med !== null || setC !== null || removeC !== null || addC !== null ||
    removeL !== null || addL !== null || prepend !== null;
  return {
    terminal: accept === null ? TERMINAL_NONE : accept ? TERMINAL_ACCEPT : TERMINAL_REJECT,
    modifiesAttrs,
    localPref: localPref ?? -1,
    med: med ?? -1,
    setCommunities: uniq(setC),
    removeCommunities: uniq(removeC),
    addCommunities: uniq(addC),
    removeLargeCommunities: uniqLarge(removeL),
    addLargeCommunities: uniqLarge(addL),
    prependAsn: prepend?.asn ?? -1,
    prependCount: prepend?.count ?? 0,
    hop: hop?.kind ?? HOP_NONE,
    hopAddress: Object.freeze(hop?.address === undefined ? [] : [hop.address]),
  };
}

function checkNextHop(v: unknown, path: string, problems: Problems): { kind: HopKind; address?: string } | undefined {
  if (v === 'self') return { kind: HOP_SELF };
  if (v === 'keep') return { kind: HOP_KEEP };
  const address = checkAddress(v, path, 'self, keep, or an IPv4 or IPv6 address', problems);
  return address === undefined ? undefined : { kind: HOP_ADDRESS, address };
}

function checkPrepend(v: unknown, path: string, problems: Problems): { asn: number; count: number } | undefined {
  if (!isFields(v)) {
    const hint = typeof v === 'number' ? ` (write { count: ${v} })` : '';
    problems.push({ path, message: `must be a mapping { count, asn }${hint}; got ${describe(v)}` });
    return undefined;
  }
  checkFields(v, path, PREPEND_FIELDS, problems);
  let count: number | undefined;
  if (v.count === undefined) problems.push({ path: `${path}.count`, message: `is required: how many times to prepend, 1 to ${MAX_PREPEND}` });
  else count = checkInteger(v.count, `${path}.count`, 1, MAX_PREPEND, 'how many times to prepend', problems);
  const asn = v.asn === undefined ? -1 : checkInteger(v.asn, `${path}.asn`, 1, 0xffffffff, 'an AS number (omit it for the local AS)', problems);
  return count === undefined || asn === undefined ? undefined : { asn, count };
}
