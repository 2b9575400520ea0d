// Adj-RIB-In (RFC 4271 §3.2) of one peer, after import policy: the accepted
// paths by (prefix, ADD-PATH path ID), plus the prefixes received but
// rejected by policy, so that the pre-policy count ("received") and the
// post-policy count ("accepted") are both exact. A rejected prefix costs one
// table entry; a peer whose routes are all accepted pays nothing for it.
// The paths are the same objects the Loc-RIB holds (no copies).

import type { Afi, Prefix } from '../wire/index.js';
import type { Path } from './path.js';
import { PathIdTable } from './prefix-table.js';

export interface AdjRibInCounters {
  /** Prefixes (with path ID) received and not withdrawn, before policy. */
  readonly received: number;
  /** Of those, accepted by import policy. */
  readonly accepted: number;
  /** Of those, rejected by import policy. */
  readonly rejected: number;
}

export class AdjRibIn {
  private readonly accepted = new PathIdTable<Path>();
  private readonly rejected = new PathIdTable<true>();

  /** Stores an accepted path (replacing the one of the same prefix and path ID); returns the previous one. */
  set(path: Path): Path | undefined {
    if (this.rejected.size > 0) this.rejected.delete(path.prefix);
    return this.accepted.set(path.prefix, path);
  }

  /** Records that the prefix was received but rejected by policy; returns the accepted path it replaces. */
  reject(prefix: Prefix): Path | undefined {
    this.rejected.set(prefix, true);
    return this.accepted.delete(prefix);
  }

  /** Withdrawal of (prefix, path ID): returns the accepted path it removes. */
  delete(prefix: Prefix): Path | undefined {
    if (this.rejected.size > 0) this.rejected.delete(prefix);
    return this.accepted.delete(prefix);
  }

  /** Session down: empties the table and returns the accepted paths. */
  clear(): Path[] {
    const out = [...this.accepted.values()];
    this.accepted.clear();
    this.rejected.clear();
    return out;
  }

  get(prefix: Prefix): Path | undefined {
    return this.accepted.get(prefix);
  }

  /** Accepted paths. */
  get size(): number {
    return this.accepted.size;
  }

  get counters(): AdjRibInCounters {
    const accepted = this.accepted.size, rejected = this.rejected.size;
    return { received: accepted + rejected, accepted, rejected };
  }

  /** Accepted paths, optionally of one address family. */
  values(afi?: Afi): IterableIterator<Path> {
    return this.accepted.values(afi);
  }

  /** Prefixes of the accepted paths (for LocRib.removeSource). */
  *prefixes(): IterableIterator<Prefix> {
    for (const p of this.accepted.values()) yield p.prefix;
  }
}
