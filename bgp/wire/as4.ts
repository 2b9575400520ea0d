// RFC 6793 §4.2.3: a speaker that talks 4-octet AS to its other peers
// reconstructs the real path of a route received on a 2-octet-AS session
// from AS_PATH (with AS_TRANS placeholders) and AS4_PATH:
//   - AGGREGATOR present with an AS other than AS_TRANS: AS4_AGGREGATOR and
//     AS4_PATH are ignored (an old speaker aggregated after the new one).
//   - AGGREGATOR with AS_TRANS and an AS4_AGGREGATOR: the latter is the aggregator.
//   - AS_PATH shorter than AS4_PATH (path length: AS_SET counts 1,
//     confederation segments 0): AS4_PATH is ignored.
//   - otherwise the path is the leading (len(AS_PATH) - len(AS4_PATH)) ASNs of
//     AS_PATH followed by AS4_PATH.
// The decoder keeps both attributes as received (exact re-encoding); the
// session applies this when a route enters the Adj-RIB-In.

import { AS_TRANS } from './constants.js';
import { AsSegment, type AsPathSegment, type PathAttributes } from './attrs/types.js';

export function asPathLength(path: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of path) {
    if (s.type === AsSegment.AS_SEQUENCE) n += s.asns.length;
    else if (s.type === AsSegment.AS_SET) n += 1;
  }
  return n;
}

/** The attributes with AS4_PATH / AS4_AGGREGATOR merged in and removed. */
export function mergeAs4(attrs: PathAttributes): PathAttributes {
  if (attrs.as4Path === undefined && attrs.as4Aggregator === undefined) return attrs;
  const { as4Path, as4Aggregator, ...rest } = attrs;
  if (rest.aggregator !== undefined && rest.aggregator.asn !== AS_TRANS) return rest;
  const out: { -readonly [K in keyof PathAttributes]: PathAttributes[K] } = { ...rest };
  if (as4Aggregator !== undefined && rest.aggregator !== undefined) out.aggregator = as4Aggregator;
  const asPath = rest.asPath ?? [];
  if (as4Path === undefined) return out;
  const keep = asPathLength(asPath) - asPathLength(as4Path);
  if (keep < 0) return out;
  out.asPath = joinSequences([...leading(asPath, keep), ...as4Path]);
  return out;
}

/** Adjacent AS_SEQUENCE segments become one (up to 255 ASNs per segment). */
function joinSequences(path: AsPathSegment[]): AsPathSegment[] {
  const out: AsPathSegment[] = [];
  for (const s of path) {
    const last = out[out.length - 1];
    if (last && last.type === AsSegment.AS_SEQUENCE && s.type === AsSegment.AS_SEQUENCE && last.asns.length + s.asns.length <= 255) {
      out[out.length - 1] = { type: AsSegment.AS_SEQUENCE, asns: [...last.asns, ...s.asns] };
    } else out.push(s);
  }
  return out;
}

/** The first `n` path-length units of a path, with confederation segments kept in place. */
function leading(path: readonly AsPathSegment[], n: number): AsPathSegment[] {
  const out: AsPathSegment[] = [];
  for (const s of path) {
    if (n <= 0 && s.type <= 2) break;
    if (s.type === AsSegment.AS_SEQUENCE) {
      const take = Math.min(n, s.asns.length);
      if (take > 0) out.push({ type: s.type, asns: s.asns.slice(0, take) });
      n -= take;
    } else if (s.type === AsSegment.AS_SET) {
      out.push(s);
      n -= 1;
    } else {
      out.push(s);
    }
  }
  return out;
}
