// Public entry of per-peer import/export policy (bgp/policy): the `policies:`
// configuration compiled once (compilePolicies, with exact problem paths) and
// applied per route (applyPolicy), plus the community text forms shared with
// the rest of the configuration (originate communities) and the status output.

export type { ActionsConfig, MatchConfig, PolicyConfig, PrefixMatchConfig, PrependConfig, StatementConfig } from './types.js';
export {
  WELL_KNOWN_COMMUNITIES, explainCommunity, explainLargeCommunity, formatCommunity, formatLargeCommunity,
  parseCommunity, parseLargeCommunity,
} from './communities.js';
export { ACCEPT_ALL, REJECT_ALL, compilePolicies, resolvePolicy, type ConfigProblem, type Policy } from './compile.js';
export { ACCEPT_ALL_NAME, REJECT_ALL_NAME } from './policy.js';
export { applyPolicy, type NextHopResult, type PolicyContext, type PolicyInput, type PolicyResult } from './apply.js';
