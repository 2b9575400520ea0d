// Public entry of the RIB layer (bgp/rib): paths, attribute interning,
// best-path selection with reasons, multipath, Loc-RIB deltas, Adj-RIB-In and
// the coalescing Adj-RIB-Out queue. Pure data structures: no sockets, no
// timers; above bgp/wire, below fsm/session/speaker (enforced by lint).

export { RibPath, makePath, familyOf, classicNextHop, prefixKey, prefixFromKey, withoutPathId, LOCAL_SOURCE, type Path, type PathSource } from './path.js';
export { AttrInterner, attributesEqual, hashAttributes } from './intern.js';
export {
  comparePaths, multipathEqual, selectBest, multipathSet, neighbourAs, compareAddresses,
  type DecisionReason, type DecisionOptions,
} from './best-path.js';
export { LocRib, NO_PATHS, type RibDelta, type LocRibOptions } from './loc-rib.js';
export { AdjRibIn, type AdjRibInCounters } from './adj-rib-in.js';
export { AdjRibOut, type OutRoute, type DrainResult } from './adj-rib-out.js';
export { PrefixTable, PathIdTable } from './prefix-table.js';
