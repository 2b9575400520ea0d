// IPAM garbage collection (Calico kube-controllers' IPAM GC, reduced). Each
// pass looks at every block:
//  - an allocation whose pod (namespace/pod attributes) is not live becomes a
//    leak candidate; one still leaked on a pass ≥ leakGraceMs after it was
//    first seen is released (CAS, only if the same handle still holds it) and
//    its handle count is lowered. Allocations without pod attributes are never
//    touched. Skipped when no livePods are given.
//  - an empty block without affinity is deleted at once (CAS on its version).
//  - an empty block affine to `node` becomes an empty candidate; one still
//    empty ≥ emptyBlockGraceMs later has its affinity released and is deleted
//    (claim.ts releaseBlock: refused if an address was handed out meanwhile).
//  - `node`'s affinities left by an interrupted claim or release are fixed:
//    one whose block is ours is confirmed, one without a block is deleted.
//  - a handle holding no address (an ADD died after raising it) is deleted
//    once seen so, unchanged, for emptyHandleGraceMs.
// Candidates live in memory (GcMemory) and are forgotten when they stop
// qualifying, so a restart only delays collection by one grace period.
import { allocatedCount, attributeOf } from './block.js';
import { deleteOrphanBlock, releaseBlock, repairAffinities } from './claim.js';
import type { IpamContext } from './config.js';
import { addressAt, parseCidr } from './pool.js';
import { isConflict, isNotFound } from './retry.js';
import { adjustHandle, hostAffinity, listBlocks, releaseInBlock } from './store.js';

export interface GcOptions {
  /** Node whose empty affine blocks may be released (each agent collects its own). */
  readonly node?: string;
  /** Pods that exist, as "namespace/pod" keys or a predicate. */
  readonly livePods?: ReadonlySet<string> | ((namespace: string, pod: string) => boolean);
}

export interface GcReport {
  /** Addresses freed because their pod is gone. */
  readonly releasedIPs: string[];
  /** Block CIDRs deleted (affinity released or orphaned). */
  readonly releasedBlocks: string[];
  /** Affinities of `node` left half done by an interrupted claim or release, and fixed. */
  readonly repairedAffinities: string[];
  /** Handles deleted because they held no address for emptyHandleGraceMs (left by an ADD that died after raising its handle). */
  readonly releasedHandles: string[];
  /** Still within their grace period. */
  readonly leakCandidates: number;
  readonly emptyCandidates: number;
}

export class GcMemory {
  readonly leaks = new Map<string, number>();
  readonly empties = new Map<string, number>();
  readonly handles = new Map<string, number>();
}

/** Records `key` as seen now (first sighting kept); true when it has been a candidate for ≥ grace. */
function due(seen: Map<string, number>, live: Set<string>, key: string, now: number, graceMs: number): boolean {
  live.add(key);
  const first = seen.get(key) ?? now;
  seen.set(key, first);
  return now - first >= graceMs;
}

function forgetOthers(seen: Map<string, number>, live: ReadonlySet<string>): void {
  for (const k of [...seen.keys()]) if (!live.has(k)) seen.delete(k);
}

export async function gcPass(ctx: IpamContext, mem: GcMemory, opts: GcOptions): Promise<GcReport> {
  const now = ctx.now();
  const isLive = opts.livePods === undefined ? undefined
    : typeof opts.livePods === 'function' ? opts.livePods
      : ((set) => (ns: string, pod: string) => set.has(`${ns}/${pod}`))(opts.livePods);
  const releasedIPs: string[] = [];
  const releasedBlocks: string[] = [];
  const leakSeen = new Set<string>();
  const emptySeen = new Set<string>();

  for (const b of await listBlocks(ctx)) {
    const c = parseCidr(b.spec.cidr);
    if (isLive !== undefined) {
      // handle → leaked ordinals due for release in this block
      const dueByHandle = new Map<string, number[]>();
      b.spec.allocations.forEach((_, o) => {
        const attr = attributeOf(b.spec, o);
        const ns = attr?.secondary?.namespace; const pod = attr?.secondary?.pod;
        if (attr === undefined || ns === undefined || pod === undefined || isLive(ns, pod)) return;
        if (due(mem.leaks, leakSeen, `${b.spec.cidr}#${o}#${attr.handleID}`, now, ctx.leakGraceMs)) {
          dueByHandle.set(attr.handleID, [...(dueByHandle.get(attr.handleID) ?? []), o]);
        }
      });
      for (const [handleID, ords] of dueByHandle) {
        const done = await releaseInBlock(ctx, b.spec.cidr, handleID, ords);
        if (done.length > 0) await adjustHandle(ctx, handleID, b.spec.cidr, -done.length);
        releasedIPs.push(...done.map((o) => addressAt(c, o)));
        for (const o of done) { const k = `${b.spec.cidr}#${o}#${handleID}`; mem.leaks.delete(k); leakSeen.delete(k); }
      }
      if (dueByHandle.size > 0) continue; // look at emptiness on the next pass, with the block as now stored
    }
    if (allocatedCount(b.spec) > 0) continue;
    if (b.spec.affinity === undefined) {
      if (await deleteOrphanBlock(ctx, b)) releasedBlocks.push(b.spec.cidr);
      continue;
    }
    if (opts.node === undefined || b.spec.affinity !== hostAffinity(opts.node)) continue;
    if (due(mem.empties, emptySeen, b.spec.cidr, now, ctx.emptyBlockGraceMs) && await releaseBlock(ctx, opts.node, b.spec.cidr)) {
      releasedBlocks.push(b.spec.cidr);
      mem.empties.delete(b.spec.cidr);
      emptySeen.delete(b.spec.cidr);
    }
  }
  if (isLive !== undefined) forgetOthers(mem.leaks, leakSeen);
  if (opts.node !== undefined) forgetOthers(mem.empties, emptySeen);
  const repairedAffinities = opts.node !== undefined ? await repairAffinities(ctx, opts.node) : [];
  const releasedHandles = await releaseEmptyHandles(ctx, mem, now);
  return { releasedIPs, releasedBlocks, repairedAffinities, releasedHandles, leakCandidates: mem.leaks.size, emptyCandidates: mem.empties.size };
}

/**
 * Deletes handles that hold no address in any block, once seen so (at the
 * same resourceVersion) for emptyHandleGraceMs — an ADD raises its handle
 * before it writes the block, so a young empty handle may be an ADD in flight.
 */
async function releaseEmptyHandles(ctx: IpamContext, mem: GcMemory, now: number): Promise<string[]> {
  const holding = new Set<string>();
  for (const b of await listBlocks(ctx)) {
    b.spec.allocations.forEach((_, o) => { const h = attributeOf(b.spec, o)?.handleID; if (h !== undefined) holding.add(h); });
  }
  const seen = new Set<string>();
  const released: string[] = [];
  for (const h of await ctx.ds.list('IPAMHandle')) {
    if (holding.has(h.spec.handleID)) continue;
    const key = `${h.metadata.name}@${h.metadata.resourceVersion ?? ''}`;
    if (!due(mem.handles, seen, key, now, ctx.emptyHandleGraceMs)) continue;
    try {
      await ctx.ds.delete('IPAMHandle', h.metadata.name, undefined, h.metadata.resourceVersion);
      released.push(h.spec.handleID);
    } catch (e) {
      if (!isConflict(e) && !isNotFound(e)) throw e; // changed meanwhile: an ADD or DEL is at work
    }
    mem.handles.delete(key);
    seen.delete(key);
  }
  forgetOthers(mem.handles, seen);
  return released;
}
