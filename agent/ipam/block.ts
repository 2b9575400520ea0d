// Pure operations on one IPAM block (Calico's AllocationBlock): a fixed array
// `allocations` (ordinal → index into `attributes`, or null when free), the
// free list `unallocated` in reuse order (released ordinals go to the back),
// and `releasedAt` (ordinal → epoch ms of its release) for the reuse
// cooldown. Every function returns a new spec; stored resources are frozen and
// are only ever replaced through a compare-and-swap update.
import type { IPAMBlockSpec } from '../datastore/types.js';
import { blockLength, type Cidr } from './pool.js';

/** Secondary attributes kept per allocation (Calico: namespace, pod, node). */
export type Secondary = Readonly<Record<string, string>>;

export function newBlockSpec(cidr: Cidr, cidrText: string, affinity: string | undefined, strictAffinity: boolean): IPAMBlockSpec {
  const n = blockLength(cidr);
  return {
    cidr: cidrText,
    ...(affinity !== undefined ? { affinity } : {}),
    strictAffinity,
    allocations: new Array<null>(n).fill(null),
    unallocated: Array.from({ length: n }, (_, i) => i),
    attributes: [],
    releasedAt: {},
  };
}

export const allocatedCount = (b: IPAMBlockSpec): number => b.allocations.length - b.unallocated.length;

const isWarm = (b: IPAMBlockSpec, o: number, now: number, cooldownMs: number): boolean => {
  const t = b.releasedAt?.[String(o)];
  return t !== undefined && now - t < cooldownMs;
};

/**
 * Free ordinals in the order they should be handed out: those past their
 * cooldown in free-list order; then, only if `allowWarm`, those still cooling
 * down, longest-released first.
 */
export function freeOrdinals(b: IPAMBlockSpec, now: number, cooldownMs: number, allowWarm: boolean): number[] {
  const cool: number[] = [];
  const warm: number[] = [];
  for (const o of b.unallocated) (isWarm(b, o, now, cooldownMs) ? warm : cool).push(o);
  if (!allowWarm) return cool;
  warm.sort((x, y) => (b.releasedAt?.[String(x)] ?? 0) - (b.releasedAt?.[String(y)] ?? 0));
  return [...cool, ...warm];
}

/** Ordinals held by a handle. */
export function ordinalsOfHandle(b: IPAMBlockSpec, handleID: string): number[] {
  const out: number[] = [];
  b.allocations.forEach((a, o) => { if (a !== null && b.attributes[a]?.handleID === handleID) out.push(o); });
  return out;
}

/** The attribute record of an allocated ordinal. */
export const attributeOf = (b: IPAMBlockSpec, o: number): IPAMBlockSpec['attributes'][number] | undefined => {
  const a = b.allocations[o];
  return a === null || a === undefined ? undefined : b.attributes[a];
};

/** Drops cooldown records older than the cooldown (they no longer affect the order). */
function pruneReleased(r: Readonly<Record<string, number>> | undefined, now: number, cooldownMs: number, drop: ReadonlySet<number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, t] of Object.entries(r ?? {})) if (now - t < cooldownMs && !drop.has(Number(k))) out[k] = t;
  return out;
}

/** Gives `ordinals` (all free) to `handleID`. Throws if one is not free (a bug in the caller). */
export function assignOrdinals(b: IPAMBlockSpec, ordinals: readonly number[], handleID: string, secondary: Secondary,
  now: number, cooldownMs: number): IPAMBlockSpec {
  const take = new Set(ordinals);
  for (const o of take) if (b.allocations[o] !== null) throw new Error(`ordinal ${o} of block ${b.cidr} is not free`);
  const attributes = [...b.attributes];
  const same = (a: IPAMBlockSpec['attributes'][number]): boolean =>
    a.handleID === handleID && JSON.stringify(a.secondary ?? {}) === JSON.stringify(secondary);
  let idx = attributes.findIndex(same);
  if (idx < 0) { idx = attributes.length; attributes.push({ handleID, secondary }); }
  const allocations = b.allocations.map((a, o) => (take.has(o) ? idx : a));
  return {
    ...b, allocations, attributes,
    unallocated: b.unallocated.filter((o) => !take.has(o)),
    releasedAt: pruneReleased(b.releasedAt, now, cooldownMs, take),
  };
}

/** Frees `ordinals` (those already free are ignored), stamps their release time, compacts attributes. */
export function releaseOrdinals(b: IPAMBlockSpec, ordinals: readonly number[], now: number, cooldownMs: number): IPAMBlockSpec {
  const drop = new Set(ordinals.filter((o) => b.allocations[o] !== null && b.allocations[o] !== undefined));
  if (drop.size === 0) return b;
  const released = pruneReleased(b.releasedAt, now, cooldownMs, new Set());
  for (const o of drop) released[String(o)] = now;
  const freed = b.allocations.map((a, o) => (drop.has(o) ? null : a));
  // compact: keep only attributes still referenced, renumbered in order
  const used = [...new Set(freed.filter((a): a is number => a !== null))].sort((x, y) => x - y);
  const remap = new Map(used.map((a, i) => [a, i]));
  return {
    ...b,
    allocations: freed.map((a) => (a === null ? null : remap.get(a) as number)),
    attributes: used.map((a) => b.attributes[a] as IPAMBlockSpec['attributes'][number]),
    unallocated: [...b.unallocated, ...[...drop].sort((x, y) => x - y)],
    releasedAt: released,
  };
}
