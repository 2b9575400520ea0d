// Test fixtures for the RIB tests: peers and paths built from a few knobs.
// Not part of the public entry (bgp/rib/index.ts).

import { Prefix, type PathAttributes } from '../wire/index.js';
import { makePath, type Path, type PathSource } from './path.js';

export function peer(id: number, o: Partial<Omit<PathSource, 'id'>> = {}): PathSource {
  const address = o.address ?? `198.18.0.${id}`;
  return { id, address, peerAs: o.peerAs ?? 64513, routerId: o.routerId ?? address, ibgp: o.ibgp ?? false, local: o.local ?? false };
}

export const local: PathSource = { id: 0, address: '', peerAs: 0, routerId: '', ibgp: false, local: true };

export function attrs(o: PathAttributes = {}): PathAttributes {
  return { origin: 0, asPath: [{ type: 2, asns: [64513] }], nextHop: '198.18.0.1', ...o };
}

export function seq(...asns: number[]): PathAttributes['asPath'] {
  return [{ type: 2, asns }];
}

export function pathOf(
  prefix: string | Prefix, a: PathAttributes, source: PathSource, o: { pathId?: number; igpCost?: number } = {},
): Path {
  const p = typeof prefix === 'string' ? Prefix.parse(prefix, o.pathId ?? 0) : prefix;
  return makePath(p, a, source, undefined, o.igpCost);
}
