// applyPolicy: one route through one compiled policy (import: from a peer
// into the Adj-RIB-In; export: from the Loc-RIB to a peer; the semantics do
// not depend on the direction). Statements run in order; a statement whose
// conditions all hold applies its actions, then ends evaluation when it sets
// accept, or falls through to the next one. Conditions on attributes see the
// attributes as modified by earlier statements (as in BIRD filters and FRR
// route-maps with `continue`). When no statement decides, the policy default
// decides, keeping the modifications when it accepts.
// Per-route cost: integer compares for the conditions (prefix-list.ts); no
// string work; no allocation when nothing changes (the input attribute set is
// returned as is, and the accept result is reused for the same attribute set
// and next hop, see policy.ts). ACCEPT_ALL is one array-length check and one
// cache compare.

import type { FamilyName, LargeCommunity, PathAttributes, Prefix, AsPathSegment } from '../wire/index.js';
import {
  HOP_ADDRESS, HOP_KEEP, HOP_NONE, HOP_SELF, TERMINAL_ACCEPT, TERMINAL_REJECT,
  type CompiledMatch, type CompiledStatement, type NextHopResult, type Policy, type PolicyResult,
} from './policy.js';
import { prefixListMatches } from './prefix-list.js';

export type { NextHopResult, PolicyResult } from './policy.js';

export interface PolicyInput {
  prefix: Prefix;
  family: FamilyName;
  attrs: PathAttributes;
  /** The route's next hop(s): IPv4 NEXT_HOP, or the MP_REACH global (and link-local) address. */
  nextHop: readonly string[];
}

export interface PolicyContext {
  localAs: number;
  /** The session's local address; when given, setNextHop self resolves to it, otherwise the result says 'self'. */
  localAddress?: string;
  direction: 'import' | 'export';
}

export function applyPolicy(p: Policy, input: PolicyInput, ctx: PolicyContext): PolicyResult {
  const statements = p.statements;
  let attrs = input.attrs;
  let hop: NextHopResult = undefined;
  for (let i = 0; i < statements.length; i++) {
    const s = statements[i]!;
    if (!s.always && !matches(s.match, input, attrs, hop)) continue;
    const a = s.actions;
    if (a.modifiesAttrs) attrs = s.transform(attrs, ctx.localAs);
    if (a.hop !== HOP_NONE) hop = nextHopOf(s, input, ctx);
    if (a.terminal === TERMINAL_REJECT) return s.terminal.rejected;
    if (a.terminal === TERMINAL_ACCEPT) return s.terminal.accepted(attrs, hop);
  }
  return p.defaultAccept ? p.fallback.accepted(attrs, hop) : p.fallback.rejected;
}

function nextHopOf(s: CompiledStatement, input: PolicyInput, ctx: PolicyContext): NextHopResult {
  switch (s.actions.hop) {
    case HOP_SELF: return ctx.localAddress === undefined ? 'self' : s.selfNextHop(ctx.localAddress);
    case HOP_KEEP: return input.nextHop;
    case HOP_ADDRESS: return s.actions.hopAddress;
    default: return undefined;
  }
}

/** Attribute conditions see `attrs` as modified so far; nextHop sees a next hop set so far, else the route's own. */
function matches(m: CompiledMatch, input: PolicyInput, attrs: PathAttributes, hop: NextHopResult): boolean {
  if (m.families !== null && !hasFamily(m.families, input.family)) return false;
  if (m.prefixes !== null && !prefixListMatches(m.prefixes, input.prefix)) return false;
  if (m.communities !== null && !anyOf(attrs.communities, m.communities)) return false;
  if (m.largeCommunities !== null && !anyLarge(attrs.largeCommunities, m.largeCommunities)) return false;
  if (m.asPathContains !== null && !pathContains(attrs.asPath, m.asPathContains)) return false;
  if (m.nextHops !== null && !anyOf(typeof hop === 'object' ? hop : input.nextHop, m.nextHops)) return false;
  return true;
}

function hasFamily(families: readonly FamilyName[], f: FamilyName): boolean {
  for (let i = 0; i < families.length; i++) if (families[i] === f) return true;
  return false;
}

// Plain loops rather than Array.prototype.includes: community values above
// 2^31 are doubles, and passing one to a builtin boxes it (an allocation per
// call); compared inline in optimised code they stay unboxed.
function anyOf<T>(have: readonly T[] | undefined, want: readonly T[]): boolean {
  if (have === undefined) return false;
  for (let i = 0; i < have.length; i++) {
    const h = have[i];
    for (let j = 0; j < want.length; j++) if (h === want[j]) return true;
  }
  return false;
}

function anyLarge(have: readonly LargeCommunity[] | undefined, flat: readonly number[]): boolean {
  if (have === undefined) return false;
  for (let i = 0; i < have.length; i++) {
    const c = have[i]!;
    for (let j = 0; j < flat.length; j += 3) {
      if (c[0] === flat[j] && c[1] === flat[j + 1] && c[2] === flat[j + 2]) return true;
    }
  }
  return false;
}

function pathContains(path: readonly AsPathSegment[] | undefined, asns: readonly number[]): boolean {
  if (path === undefined) return false;
  for (let i = 0; i < path.length; i++) if (anyOf(path[i]!.asns, asns)) return true;
  return false;
}
