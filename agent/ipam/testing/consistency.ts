// Invariants of the IPAM resources in a datastore, checked after concurrent
// runs: each block's allocations and free list partition its ordinals, every
// attribute is referenced, handles count exactly what the blocks hold, every
// affine block has a confirmed affinity and no claim was left half done.
import type { Datastore } from '../../datastore/types.js';
import { blockName } from '../pool.js';

export async function consistencyErrors(ds: Datastore): Promise<string[]> {
  const errs: string[] = [];
  const held = new Map<string, Map<string, number>>(); // handle → block → count
  const blocks = await ds.list('IPAMBlock');
  for (const b of blocks) {
    const s = b.spec;
    const at = `block ${s.cidr}`;
    if (b.metadata.name !== blockName(s.cidr)) errs.push(`${at}: named ${b.metadata.name}`);
    const free = new Set(s.unallocated);
    if (free.size !== s.unallocated.length) errs.push(`${at}: free list has duplicates`);
    const used = new Set<number>();
    s.allocations.forEach((a, o) => {
      if ((a === null) !== free.has(o)) errs.push(`${at}: ordinal ${o} is ${a === null ? 'neither allocated nor free' : 'allocated and free'}`);
      if (a === null) return;
      used.add(a);
      const h = s.attributes[a]?.handleID ?? '?';
      const m = held.get(h) ?? new Map<string, number>();
      m.set(s.cidr, (m.get(s.cidr) ?? 0) + 1);
      held.set(h, m);
    });
    if (used.size !== s.attributes.length) errs.push(`${at}: ${s.attributes.length - used.size} unreferenced attributes`);
    if (s.affinity !== undefined) {
      const node = s.affinity.slice('host:'.length);
      const aff = (await ds.list('BlockAffinity')).find((x) => x.spec.cidr === s.cidr && x.spec.node === node);
      if (aff?.spec.state !== 'confirmed') errs.push(`${at}: affinity of ${node} is ${aff?.spec.state ?? 'missing'}`);
    }
  }
  const cidrs = new Set(blocks.map((b) => b.spec.cidr));
  for (const a of await ds.list('BlockAffinity')) {
    if (!cidrs.has(a.spec.cidr)) errs.push(`affinity ${a.metadata.name} (${a.spec.state}) has no block`);
  }
  const handles = await ds.list('IPAMHandle');
  for (const h of handles) {
    const actual = Object.fromEntries(held.get(h.spec.handleID) ?? []);
    if (JSON.stringify(Object.entries(h.spec.block).sort()) !== JSON.stringify(Object.entries(actual).sort())) {
      errs.push(`handle ${h.spec.handleID} counts ${JSON.stringify(h.spec.block)} but blocks hold ${JSON.stringify(actual)}`);
    }
  }
  for (const id of held.keys()) if (!handles.some((h) => h.spec.handleID === id)) errs.push(`addresses held by ${id} without a handle`);
  return errs;
}

/** Throws listing every broken invariant. */
export async function checkConsistency(ds: Datastore): Promise<void> {
  const errs = await consistencyErrors(ds);
  if (errs.length > 0) throw new Error(`IPAM datastore inconsistent:\n  ${errs.join('\n  ')}`);
}
