// Loc-RIB (RFC 4271 §3.2, §9.1.2): every usable path per prefix from every
// source, the best path and the multipath (ECMP) set, decided by
// best-path.ts. Each change returns a RibDelta, and only when the best path
// or the multipath set changed (ARCHITECTURE.md rule 6).
// Memory: a prefix with one path stores the Path itself in the table; only
// prefixes with two or more paths get an Entry (paths kept in slot order
// source id, path ID, which is the canonical order the decision visits).
// Deltas compute their multipath array only when read (a shared frozen empty
// array when there is no route, [best] when multipath is off or the set is
// the best alone).
// A slot is (source id, ADD-PATH path ID): an update with the slot of a
// stored path replaces it; paths of one peer with different path IDs are
// kept apart.

import { AFI_IPV4, AFI_IPV6, type FamilyName, type Prefix } from '../wire/index.js';
import { multipathSet, selectBest, slotOrder, type DecisionOptions, type DecisionReason } from './best-path.js';
import { familyOf, prefixKey, withoutPathId, type Path } from './path.js';
import { PrefixTable } from './prefix-table.js';

export interface RibDelta {
  readonly key: number | string;
  /** Path ID 0. */
  readonly prefix: Prefix;
  readonly family: FamilyName;
  readonly best: Path | undefined;
  /** Best first; empty when there is no route. */
  readonly multipath: readonly Path[];
  readonly previous: Path | undefined;
  readonly reason: DecisionReason | 'withdrawn';
}

export interface LocRibOptions {
  multipath: boolean;
  /** Largest multipath set (default 16, as BIRD's merge paths limit). */
  maxPaths?: number;
  alwaysCompareMed?: boolean;
}

export const NO_PATHS: readonly Path[] = Object.freeze([]);

class Entry {
  constructor(
    readonly paths: Path[],
    public best: Path,
    public reason: DecisionReason,
    /** Undefined when the multipath set is the best alone. */
    public mp: readonly Path[] | undefined,
  ) {}
}

class Delta implements RibDelta {
  readonly key: number | string;
  readonly prefix: Prefix;
  readonly family: FamilyName;
  constructor(
    p: Prefix,
    readonly best: Path | undefined,
    readonly previous: Path | undefined,
    readonly reason: DecisionReason | 'withdrawn',
    private mp: readonly Path[] | undefined,
  ) {
    this.prefix = withoutPathId(p);
    this.key = prefixKey(p);
    this.family = (best ?? previous)?.family ?? familyOf(p);
  }

  get multipath(): readonly Path[] {
    return (this.mp ??= this.best === undefined ? NO_PATHS : [this.best]);
  }
}

const sameSlot = (a: Path, b: Path): boolean => a.source.id === b.source.id && a.prefix.pathId === b.prefix.pathId;

function sameSet(a: readonly Path[] | undefined, b: readonly Path[] | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class LocRib {
  private readonly table = new PrefixTable<Path | Entry>();
  private readonly perSource = new Map<number, number>();
  private decision: DecisionOptions;
  private multipathOn: boolean;
  private readonly maxPaths: number;

  constructor(o: LocRibOptions) {
    this.multipathOn = o.multipath;
    this.maxPaths = o.maxPaths ?? 16;
    this.decision = { alwaysCompareMed: o.alwaysCompareMed ?? false };
  }

  /** Prefixes with a route. */
  get size(): number {
    return this.table.size;
  }

  /** Paths held from one source. */
  pathsFrom(sourceId: number): number {
    return this.perSource.get(sourceId) ?? 0;
  }

  /** Adds or replaces the path in its slot; a delta when the best path or the multipath set changed. */
  update(path: Path): RibDelta | undefined {
    const e = this.table.get(path.prefix);
    if (e === undefined) {
      this.table.set(path.prefix, path);
      this.count(path.source.id, 1);
      return new Delta(path.prefix, path, undefined, 'only-path', undefined);
    }
    if (!(e instanceof Entry)) {
      if (sameSlot(e, path)) {
        if (e === path) return undefined;
        this.table.set(path.prefix, path);
        return new Delta(path.prefix, path, e, 'only-path', undefined);
      }
      const entry = new Entry(slotOrder(e, path) < 0 ? [e, path] : [path, e], e, 'only-path', undefined);
      this.table.set(path.prefix, entry);
      this.count(path.source.id, 1);
      return this.decide(entry, path.prefix, e, undefined);
    }
    const prevBest = e.best, prevMp = e.mp;
    const paths = e.paths;
    let i = 0;
    while (i < paths.length && slotOrder(paths[i]!, path) < 0) i++;
    if (i < paths.length && sameSlot(paths[i]!, path)) {
      if (paths[i] === path) return undefined;
      paths[i] = path;
    } else {
      paths.splice(i, 0, path);
      this.count(path.source.id, 1);
    }
    return this.decide(e, path.prefix, prevBest, prevMp);
  }

  /** Withdraws the path of `sourceId` for the prefix (prefix.pathId selects the ADD-PATH path). */
  withdraw(sourceId: number, prefix: Prefix): RibDelta | undefined {
    const e = this.table.get(prefix);
    if (e === undefined) return undefined;
    if (!(e instanceof Entry)) {
      if (e.source.id !== sourceId || e.prefix.pathId !== prefix.pathId) return undefined;
      this.table.delete(prefix);
      this.count(sourceId, -1);
      return new Delta(prefix, undefined, e, 'withdrawn', NO_PATHS);
    }
    const i = e.paths.findIndex((p) => p.source.id === sourceId && p.prefix.pathId === prefix.pathId);
    if (i < 0) return undefined;
    const prevBest = e.best, prevMp = e.mp;
    e.paths.splice(i, 1);
    this.count(sourceId, -1);
    return this.afterRemoval(e, prefix, prevBest, prevMp);
  }

  /**
   * Removes every path of a source (session down). `prefixes`, when given,
   * are the prefixes the source has paths for (its Adj-RIB-In), which avoids
   * a walk over the whole table; otherwise the walk stops once the source has
   * no paths left.
   */
  removeSource(sourceId: number, prefixes?: Iterable<Prefix>): RibDelta[] {
    const out: RibDelta[] = [];
    if (this.pathsFrom(sourceId) === 0) return out;
    if (prefixes !== undefined) {
      for (const p of prefixes) {
        const e = this.table.get(p);
        if (e !== undefined) this.dropSource(e, p, sourceId, out);
      }
      if (this.pathsFrom(sourceId) === 0) return out;
    }
    for (const e of this.table.values()) {
      this.dropSource(e, e instanceof Entry ? e.best.prefix : e.prefix, sourceId, out);
      if (this.pathsFrom(sourceId) === 0) break;
    }
    return out;
  }

  best(prefix: Prefix): Path | undefined {
    const e = this.table.get(prefix);
    return e instanceof Entry ? e.best : e;
  }

  /** The step by which the best path won ('only-path' for a single path). */
  reason(prefix: Prefix): DecisionReason | undefined {
    const e = this.table.get(prefix);
    return e === undefined ? undefined : e instanceof Entry ? e.reason : 'only-path';
  }

  /** All paths of the prefix, in slot order (source id, path ID); a copy. */
  paths(prefix: Prefix): readonly Path[] {
    const e = this.table.get(prefix);
    return e === undefined ? NO_PATHS : e instanceof Entry ? e.paths.slice() : [e];
  }

  /** The multipath set, best first ([best] when multipath is off). */
  multipath(prefix: Prefix): readonly Path[] {
    const e = this.table.get(prefix);
    return e === undefined ? NO_PATHS : e instanceof Entry ? e.mp ?? [e.best] : [e];
  }

  *entries(family?: FamilyName): IterableIterator<{ prefix: Prefix; best: Path; multipath: readonly Path[] }> {
    const afi = family === undefined ? undefined : family === 'ipv4-unicast' ? AFI_IPV4 : AFI_IPV6;
    for (const e of this.table.values(afi)) {
      if (e instanceof Entry) yield { prefix: withoutPathId(e.best.prefix), best: e.best, multipath: e.mp ?? [e.best] };
      else yield { prefix: withoutPathId(e.prefix), best: e, multipath: [e] };
    }
  }

  /** Changes the decision options and decides every prefix again. */
  setOptions(o: { multipath?: boolean; alwaysCompareMed?: boolean }): RibDelta[] {
    if (o.multipath !== undefined) this.multipathOn = o.multipath;
    if (o.alwaysCompareMed !== undefined) this.decision = { alwaysCompareMed: o.alwaysCompareMed };
    const out: RibDelta[] = [];
    for (const e of this.table.values()) {
      if (!(e instanceof Entry)) continue;
      const d = this.decide(e, e.best.prefix, e.best, e.mp);
      if (d !== undefined) out.push(d);
    }
    return out;
  }

  private dropSource(e: Path | Entry, prefix: Prefix, sourceId: number, out: RibDelta[]): void {
    if (!(e instanceof Entry)) {
      if (e.source.id !== sourceId) return;
      this.table.delete(prefix);
      this.count(sourceId, -1);
      out.push(new Delta(prefix, undefined, e, 'withdrawn', NO_PATHS));
      return;
    }
    const prevBest = e.best, prevMp = e.mp;
    const before = e.paths.length;
    let w = 0;
    for (const p of e.paths) if (p.source.id !== sourceId) e.paths[w++] = p;
    if (w === before) return;
    e.paths.length = w;
    this.count(sourceId, w - before);
    const d = this.afterRemoval(e, prefix, prevBest, prevMp);
    if (d !== undefined) out.push(d);
  }

  private afterRemoval(e: Entry, prefix: Prefix, prevBest: Path, prevMp: readonly Path[] | undefined): RibDelta | undefined {
    if (e.paths.length === 0) {
      this.table.delete(prefix);
      return new Delta(prefix, undefined, prevBest, 'withdrawn', NO_PATHS);
    }
    if (e.paths.length === 1) {
      const only = e.paths[0]!;
      this.table.set(prefix, only);
      return only === prevBest && prevMp === undefined ? undefined : new Delta(prefix, only, prevBest, 'only-path', undefined);
    }
    return this.decide(e, prefix, prevBest, prevMp);
  }

  private decide(e: Entry, prefix: Prefix, prevBest: Path, prevMp: readonly Path[] | undefined): RibDelta | undefined {
    const sel = selectBest(e.paths, this.decision)!;
    e.best = sel.best;
    e.reason = sel.reason;
    let mp: readonly Path[] | undefined;
    if (this.multipathOn && this.maxPaths > 1) {
      const set = multipathSet(e.paths, sel.best, this.decision, this.maxPaths);
      mp = set.length > 1 ? set : undefined;
    }
    e.mp = sameSet(prevMp, mp) ? prevMp : mp;
    if (prevBest === e.best && e.mp === prevMp) return undefined;
    return new Delta(prefix, e.best, prevBest, e.reason, e.mp);
  }

  private count(sourceId: number, n: number): void {
    const c = (this.perSource.get(sourceId) ?? 0) + n;
    if (c === 0) this.perSource.delete(sourceId);
    else this.perSource.set(sourceId, c);
  }
}
