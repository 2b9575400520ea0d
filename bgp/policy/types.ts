// The `policies:` section of the bgpd configuration (docs/bgpd-config.md) as
// plain objects, after YAML parsing and before validation. compilePolicies
// (compile.ts) takes `unknown`, checks it against these shapes and turns it
// into the compiled form that applyPolicy (apply.ts) runs per route.

import type { FamilyName } from '../wire/index.js';

/**
 * One prefix-list entry, as in BIRD and FRR prefix lists: a route matches when
 * it lies inside `prefix` and its length is within the range.
 *   neither ge nor le: exactly `prefix`;  le alone: len..le;  ge alone: ge..max;  both: ge..le.
 */
export interface PrefixMatchConfig {
  prefix: string;
  ge?: number;
  le?: number;
}

/** Every condition given must hold; within one list, any element is enough. */
export interface MatchConfig {
  prefixes?: PrefixMatchConfig[];
  communities?: string[];
  largeCommunities?: string[];
  families?: FamilyName[];
  asPathContains?: number[];
  nextHop?: string[];
}

export interface PrependConfig {
  /** Defaults to the local AS of the session. */
  asn?: number;
  count: number;
}

/**
 * What a matching statement does. Without `accept` the statement modifies the
 * route and evaluation falls through to the next statement; `accept: true`
 * accepts and `accept: false` rejects, ending evaluation.
 * Order within one statement: setCommunities, removeCommunities,
 * addCommunities, removeLargeCommunities, addLargeCommunities, then the scalar
 * sets and prepend (they touch different attributes, so only the community
 * order is observable).
 */
export interface ActionsConfig {
  accept?: boolean;
  setLocalPref?: number;
  setMed?: number;
  /** 'self' = the session's local address; 'keep' = the route's own next hop; or an address. */
  setNextHop?: 'self' | 'keep' | string;
  addCommunities?: string[];
  setCommunities?: string[];
  removeCommunities?: string[];
  addLargeCommunities?: string[];
  removeLargeCommunities?: string[];
  prepend?: PrependConfig;
}

export interface StatementConfig {
  match?: MatchConfig;
  actions: ActionsConfig;
}

export interface PolicyConfig {
  name: string;
  /** What happens when no statement accepts or rejects; 'reject' when omitted (BIRD, FRR). */
  default?: 'accept' | 'reject';
  statements: StatementConfig[];
}
