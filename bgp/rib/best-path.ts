// Best-path selection (RFC 4271 §9.1.2.2, RFC 4456 §9), returning the step
// that decided (ARCHITECTURE.md rule 6). Each step decides once, in order:
//   llgr-stale           a path without the LLGR_STALE community over one with
//                        it (RFC 9494 §4.3: long-lived stale routes are the
//                        least preferred)
//   local-origin         locally originated over learned. RFC 4271 leaves this
//                        to the degree of preference; like BIRD (protocol
//                        preference) and GoBGP (local routes first) we put it
//                        before everything else.
//   local-pref           higher LOCAL_PREF (100 when absent)
//   as-path-length       shorter AS_PATH (AS_SET counts 1, confederation 0)
//   origin               lower ORIGIN (absent counts as INCOMPLETE)
//   med                  lower MED (absent = 0), only between paths from the
//                        same neighbouring AS (the first AS of the path; an
//                        empty path means our own AS), unless alwaysCompareMed
//   ebgp-over-ibgp       eBGP over iBGP
//   igp-cost             lower IGP cost to the next hop (Path.igpCost; equal
//                        when either is unknown: mixing known and unknown
//                        costs for one prefix is not transitive, but the
//                        canonical order below keeps the result deterministic)
//   router-id            lower ORIGINATOR_ID when present (RFC 4456 §9), else
//                        the peer's BGP Identifier
//   cluster-list-length  shorter CLUSTER_LIST (RFC 4456 §9)
//   peer-address         lower peer address (IPv4 before IPv6)
//   equal                nothing differs but the slot: lower source id, then
//                        lower ADD-PATH id, so that the order is total
// MED makes pairwise comparison non-transitive, so selectBest does not fold
// over arrival order: it visits paths in a canonical order (source id, path
// ID) and uses deterministic MED (like FRR "bgp deterministic-med" and BIRD
// "deterministic med"): the best of each neighbouring AS first, then the best of
// those, between which MED is never compared. The result depends only on the
// set of paths. The reason reported for a set is the step by which the best
// beat the runner-up (the best of the others, chosen the same way).
// Multipath (ECMP, BIRD "merge paths" / FRR maximum-paths): paths equal to the
// best up to and including IGP cost (same origin kind, LOCAL_PREF, AS_PATH
// length, ORIGIN, MED, both eBGP or both iBGP, IGP cost) and, for eBGP, from
// the same neighbouring AS.

import { asPathLength, parseIpv4, parseIpv6, type AsPathSegment, type PathAttributes } from '../wire/index.js';
import type { Path } from './path.js';

export type DecisionReason =
  | 'only-path' | 'local-pref' | 'as-path-length' | 'origin' | 'med' | 'ebgp-over-ibgp' | 'igp-cost'
  | 'router-id' | 'cluster-list-length' | 'peer-address' | 'local-origin' | 'equal' | 'llgr-stale';

export interface DecisionOptions {
  alwaysCompareMed: boolean;
}

/** Step names by the magnitude decide() returns. */
const STEPS: readonly DecisionReason[] = [
  'equal', 'local-origin', 'local-pref', 'as-path-length', 'origin', 'med', 'ebgp-over-ibgp', 'igp-cost',
  'router-id', 'cluster-list-length', 'peer-address', 'equal', 'llgr-stale',
];

const LLGR_STALE = 0xffff0006;
const llgrStale = (a: PathAttributes): boolean => a.communities !== undefined && a.communities.includes(LLGR_STALE);

const EMPTY_PATH: readonly AsPathSegment[] = [];
const localPref = (a: PathAttributes): number => a.localPref ?? 100;
const pathLength = (a: PathAttributes): number => asPathLength(a.asPath ?? EMPTY_PATH);
const origin = (a: PathAttributes): number => a.origin ?? 2;
const med = (a: PathAttributes): number => a.med ?? 0;
const clusterLength = (a: PathAttributes): number => a.clusterList?.length ?? 0;

/** The neighbouring AS: first AS of the path outside confederation segments; 0 for an empty path, -1 when it starts with an AS_SET. */
export function neighbourAs(a: PathAttributes): number {
  for (const s of a.asPath ?? EMPTY_PATH) {
    if (s.type === 2) return s.asns.length > 0 ? s.asns[0]! : 0;
    if (s.type === 1) return -1;
  }
  return 0;
}

function medComparable(a: PathAttributes, b: PathAttributes): boolean {
  const na = neighbourAs(a);
  return na !== -1 && na === neighbourAs(b);
}

/**
 * Compares two paths: negative when `a` is better, positive when `b` is,
 * 0 when they are the same slot (source and path ID) with nothing differing;
 * the magnitude is the index of the deciding step in STEPS.
 */
export function decide(a: Path, b: Path, alwaysCompareMed: boolean): number {
  const sa = a.source, sb = b.source, x = a.attrs, y = b.attrs;
  if (x !== y) {
    const st = llgrStale(x);
    if (st !== llgrStale(y)) return st ? 12 : -12;
  }
  if (sa.local !== sb.local) return sa.local ? -1 : 1;
  if (x !== y) {
    const lp = localPref(y) - localPref(x);
    if (lp !== 0) return lp < 0 ? -2 : 2;
    const len = pathLength(x) - pathLength(y);
    if (len !== 0) return len < 0 ? -3 : 3;
    const or = origin(x) - origin(y);
    if (or !== 0) return or < 0 ? -4 : 4;
    const m = med(x) - med(y);
    if (m !== 0 && (alwaysCompareMed || medComparable(x, y))) return m < 0 ? -5 : 5;
  }
  if (sa.ibgp !== sb.ibgp) return sb.ibgp ? -6 : 6;
  if (a.igpCost !== undefined && b.igpCost !== undefined && a.igpCost !== b.igpCost) return a.igpCost < b.igpCost ? -7 : 7;
  const rid = compareAddresses(x.originatorId ?? sa.routerId, y.originatorId ?? sb.routerId);
  if (rid !== 0) return rid < 0 ? -8 : 8;
  const cl = clusterLength(x) - clusterLength(y);
  if (cl !== 0) return cl < 0 ? -9 : 9;
  const pa = compareAddresses(sa.address, sb.address);
  if (pa !== 0) return pa < 0 ? -10 : 10;
  const slot = sa.id - sb.id || a.prefix.pathId - b.prefix.pathId;
  return slot === 0 ? 0 : slot < 0 ? -11 : 11;
}

export function reasonOf(step: number): DecisionReason {
  return STEPS[step < 0 ? -step : step]!;
}

/** The better of two paths and the step that decided. */
export function comparePaths(a: Path, b: Path, o: DecisionOptions): { better: Path; reason: DecisionReason } {
  const d = decide(a, b, o.alwaysCompareMed);
  return { better: d <= 0 ? a : b, reason: reasonOf(d) };
}

/** Equal to each other for ECMP: equal in every step up to and including IGP cost; eBGP paths also from the same neighbouring AS. */
export function multipathEqual(a: Path, b: Path, _o?: DecisionOptions): boolean {
  const sa = a.source, sb = b.source, x = a.attrs, y = b.attrs;
  if (sa.local !== sb.local || sa.ibgp !== sb.ibgp) return false;
  if (a.igpCost !== undefined && b.igpCost !== undefined && a.igpCost !== b.igpCost) return false;
  if (x === y) return true;
  return llgrStale(x) === llgrStale(y) && localPref(x) === localPref(y) && pathLength(x) === pathLength(y) && origin(x) === origin(y) &&
    med(x) === med(y) && (sa.ibgp || neighbourAs(x) === neighbourAs(y));
}

/** Canonical visiting order: source id, then ADD-PATH path ID. */
export function slotOrder(a: Path, b: Path): number {
  return a.source.id - b.source.id || a.prefix.pathId - b.prefix.pathId;
}

/** The best path of a set, independent of the order of `paths`, and the step by which it beat the runner-up. */
export function selectBest(paths: readonly Path[], o: DecisionOptions): { best: Path; reason: DecisionReason } | undefined {
  const ordered = inSlotOrder(paths);
  const best = pick(ordered, o.alwaysCompareMed, undefined);
  if (best === undefined) return undefined;
  const runnerUp = pick(ordered, o.alwaysCompareMed, best);
  return { best, reason: runnerUp === undefined ? 'only-path' : reasonOf(decide(best, runnerUp, o.alwaysCompareMed)) };
}

/** The multipath set: the best first, then the paths multipathEqual to it in decision order, at most maxPaths. */
export function multipathSet(paths: readonly Path[], best: Path, o: DecisionOptions, maxPaths: number): Path[] {
  const out = [best];
  for (const p of inSlotOrder(paths)) if (p !== best && multipathEqual(best, p, o)) out.push(p);
  if (out.length > 2) {
    const rest = out.slice(1).sort((a, b) => decide(a, b, o.alwaysCompareMed));
    for (let i = 0; i < rest.length; i++) out[i + 1] = rest[i]!;
  }
  if (out.length > maxPaths) out.length = Math.max(1, maxPaths);
  return out;
}

function inSlotOrder(paths: readonly Path[]): readonly Path[] {
  for (let i = 1; i < paths.length; i++) {
    if (slotOrder(paths[i - 1]!, paths[i]!) > 0) return [...paths].sort(slotOrder);
  }
  return paths;
}

/** Deterministic-MED selection over paths in slot order, leaving out `skip`. */
function pick(paths: readonly Path[], alwaysCompareMed: boolean, skip: Path | undefined): Path | undefined {
  let best: Path | undefined;
  if (alwaysCompareMed || paths.length <= 2) {
    for (const p of paths) if (p !== skip && (best === undefined || decide(best, p, alwaysCompareMed) > 0)) best = p;
    return best;
  }
  const groups: number[] = [];
  const winners: Path[] = [];
  for (const p of paths) {
    if (p === skip) continue;
    const na = neighbourAs(p.attrs);
    const g = na === -1 ? -1 : groups.indexOf(na);
    if (g < 0) {
      groups.push(na);
      winners.push(p);
    } else if (decide(winners[g]!, p, false) > 0) winners[g] = p;
  }
  for (const w of winners) if (best === undefined || decide(best, w, false) > 0) best = w;
  return best;
}

// ---- addresses in numeric order (router IDs, peer addresses) ----

const NO_WORDS: readonly number[] = [];
const addressCache = new Map<string, readonly number[]>();

/** An address as comparable words: [] (unparsable or ''), [v4] or four IPv6 words. */
function addressWords(s: string): readonly number[] {
  let w = addressCache.get(s);
  if (w === undefined) {
    if (s.includes(':')) w = parseIpv6(s) ?? NO_WORDS;
    else {
      const v4 = parseIpv4(s);
      w = v4 === undefined ? NO_WORDS : [v4];
    }
    if (addressCache.size >= 65536) addressCache.clear();
    addressCache.set(s, w);
  }
  return w;
}

/** Numeric order of two addresses; unparsable ones first, IPv4 before IPv6. */
export function compareAddresses(a: string, b: string): number {
  if (a === b) return 0;
  const x = addressWords(a), y = addressWords(b);
  if (x.length !== y.length) return x.length - y.length;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}
