// ADD-PATH send side (RFC 7911): toward a peer that negotiated sending path
// identifiers for a family, each prefix is advertised with up to `send`
// paths (the peer's addPath.send), in decision order (best first), each one
// passed through the same export rules and policy as a best path
// (outbound.ts). Path identifiers are ours to choose (§3) and must stay
// stable while a path lives: (source id << 16) | (the path ID it arrived
// with, low 16 bits), which is unique per prefix as long as one peer does not
// send two paths whose IDs differ by a multiple of 65536.
// The IDs sent per prefix are remembered so that paths that left the set are
// withdrawn by ID. Inbound processing reports every prefix whose path set
// changed (not only best-path changes), since a non-best path change matters
// to an ADD-PATH peer.

import { comparePaths, prefixKey, type LocRib, type Path } from '../rib/index.js';
import type { FamilyName, Prefix } from '../wire/index.js';
import { exportRoute, type OutboundContext } from './outbound.js';
import type { Peer } from './peer.js';

export function localPathId(p: Path): number {
  return (p.source.id & 0xffff) * 65536 + (p.prefix.pathId & 0xffff);
}

/** Whether the peer gets several paths per prefix of this family. */
export function sendsAddPath(peer: Peer, family: FamilyName): boolean {
  return (peer.cfg.addPath?.send ?? 0) > 0 && peer.session.negotiated?.wire.tx.addPath.has(family) === true;
}

/** Queue the paths `peer` should now hold for `prefix` (path ID 0 form) and withdraw the IDs that left. */
export function exportPaths(peer: Peer, prefix: Prefix, family: FamilyName, locRib: LocRib, ctx: OutboundContext, alwaysCompareMed: boolean): void {
  const limit = peer.cfg.addPath?.send ?? 0;
  const ordered = [...locRib.paths(prefix)].sort((a, b) => (a === b ? 0 : comparePaths(a, b, { alwaysCompareMed }).better === a ? -1 : 1));
  const ids: number[] = [];
  for (const p of ordered) {
    if (ids.length >= limit) break;
    const r = exportRoute(peer, p, ctx);
    if (!r) continue;
    const id = localPathId(p);
    ids.push(id);
    peer.adjOut.announce({ ...r, prefix: prefix.withPathId(id) });
  }
  const key = prefixKey(prefix);
  const before = peer.addPathSent.get(key);
  if (before) for (const id of before) if (!ids.includes(id)) peer.adjOut.withdraw(prefix.withPathId(id), family);
  if (ids.length) peer.addPathSent.set(key, ids);
  else peer.addPathSent.delete(key);
}
