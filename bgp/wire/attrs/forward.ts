// Passing a route's attributes on to another peer (RFC 4271 §5, §9.1.3):
// unrecognised optional transitive attributes are forwarded with the Partial
// bit set; unrecognised optional non-transitive ones are dropped.

import { AttrFlag } from '../constants.js';
import type { PathAttributes } from './types.js';

export function forwardableAttributes(attrs: PathAttributes): PathAttributes {
  const unknown = attrs.unknown;
  if (!unknown) return attrs;
  const kept = unknown
    .filter((u) => (u.flags & AttrFlag.TRANSITIVE) !== 0)
    .map((u) => ((u.flags & AttrFlag.PARTIAL) !== 0 ? u : { ...u, flags: u.flags | AttrFlag.PARTIAL }));
  const { unknown: _u, ...rest } = attrs;
  return kept.length ? { ...rest, unknown: kept } : rest;
}
