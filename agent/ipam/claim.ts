// Block affinity (Calico's claim protocol): a node claims a block by
//   1. creating BlockAffinity "<node>-<block>" in state pending,
//   2. creating the IPAMBlock with affinity "host:<node>" — create is atomic,
//      so of two nodes racing for one CIDR exactly one wins; the loser deletes
//      its pending affinity and tries the next free CIDR,
//   3. confirming the affinity.
// A crash between the steps leaves a pending affinity (ignored, and adopted
// if the same node claims that CIDR again) or a block whose affinity is then
// confirmed on the next claim. Releasing a block reverses it: affinity →
// pendingDeletion, delete the block only if it is still empty at the version
// read (CAS), then delete the affinity; if an address was handed out
// meanwhile the affinity returns to confirmed and the block stays.
import type { IPAMBlockSpec } from '../datastore/types.js';
import { allocatedCount, newBlockSpec } from './block.js';
import type { IpamContext } from './config.js';
import { affinityName, blockCidr, blockName, formatCidr, type Cidr, type PoolInfo } from './pool.js';
import { isAlreadyExists, isConflict, isNotFound, withCas } from './retry.js';
import { getBlock, hostAffinity, resource, type Block } from './store.js';

/** Sets an affinity's state; `create` (node, cidr) re-creates it when a concurrent release deleted it. */
async function setAffinityState(ctx: IpamContext, name: string, state: 'confirmed' | 'pendingDeletion',
  create?: { node: string; cidr: string }): Promise<void> {
  await withCas(`BlockAffinity ${name}`, ctx.retry, async () => {
    const a = await ctx.ds.get('BlockAffinity', name);
    if (a === undefined && create !== undefined) {
      await ctx.ds.create(resource('BlockAffinity', name, { ...create, state }));
      return;
    }
    if (a === undefined || a.spec.state === state) return;
    await ctx.ds.update({ ...a, spec: { ...a.spec, state } });
  });
}

async function deleteQuietly(ctx: IpamContext, kind: 'BlockAffinity' | 'IPAMBlock', name: string): Promise<void> {
  try { await ctx.ds.delete(kind, name); } catch (e) { if (!isNotFound(e)) throw e; }
}

/** Claims one CIDR for `node`; undefined when another node holds it. */
async function claimCidr(ctx: IpamContext, node: string, cidr: Cidr): Promise<Block | undefined> {
  const text = formatCidr(cidr);
  const affName = affinityName(node, text);
  try {
    await ctx.ds.create(resource('BlockAffinity', affName, { node, cidr: text, state: 'pending' }));
  } catch (e) {
    if (!isAlreadyExists(e)) throw e; // ours from an interrupted claim: adopt it
  }
  let block: Block | undefined;
  try {
    block = await ctx.ds.create(resource('IPAMBlock', blockName(text), newBlockSpec(cidr, text, hostAffinity(node), ctx.strictAffinity)));
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
    block = await getBlock(ctx, text);
    if (block?.spec.affinity !== hostAffinity(node) || block.spec.deleted === true) {
      await deleteQuietly(ctx, 'BlockAffinity', affName);
      return undefined;
    }
  }
  await setAffinityState(ctx, affName, 'confirmed', { node, cidr: text });
  return block;
}

/**
 * Claims the first free block of `pool` for `node` (free: no IPAMBlock with
 * that CIDR exists). `taken` holds the names of existing blocks. Scans only
 * as far as the first free CIDR, so huge IPv6 pools are never enumerated.
 */
export async function claimInPool(ctx: IpamContext, node: string, pool: PoolInfo, taken: ReadonlySet<string>): Promise<Block | undefined> {
  for (let k = 0n; k < pool.blocks; k++) {
    const cidr = blockCidr(pool, k);
    if (taken.has(blockName(formatCidr(cidr)))) continue;
    const b = await claimCidr(ctx, node, cidr);
    if (b !== undefined) return b;
  }
  return undefined;
}

/**
 * Releases `node`'s affinity to an empty block and deletes the block. Returns
 * false (and keeps everything) when the block is not the node's or holds an
 * address at the time of the delete.
 */
export async function releaseBlock(ctx: IpamContext, node: string, cidrText: string): Promise<boolean> {
  const affName = affinityName(node, cidrText);
  const b = await getBlock(ctx, cidrText);
  if (b === undefined) { await deleteQuietly(ctx, 'BlockAffinity', affName); return true; }
  if (b.spec.affinity !== hostAffinity(node) || allocatedCount(b.spec) > 0) return false;
  await setAffinityState(ctx, affName, 'pendingDeletion');
  try {
    await ctx.ds.delete('IPAMBlock', b.metadata.name, undefined, b.metadata.resourceVersion);
  } catch (e) {
    if (isNotFound(e)) { await deleteQuietly(ctx, 'BlockAffinity', affName); return true; }
    if (!isConflict(e)) throw e;
    await setAffinityState(ctx, affName, 'confirmed'); // an address was handed out meanwhile
    return false;
  }
  await deleteQuietly(ctx, 'BlockAffinity', affName);
  return true;
}

/** Deletes an empty block that has no affinity (left over from a released node); false if it is not empty any more. */
export async function deleteOrphanBlock(ctx: IpamContext, b: Block): Promise<boolean> {
  const spec: IPAMBlockSpec = b.spec;
  if (spec.affinity !== undefined || allocatedCount(spec) > 0) return false;
  try {
    await ctx.ds.delete('IPAMBlock', b.metadata.name, undefined, b.metadata.resourceVersion);
    return true;
  } catch (e) {
    if (isNotFound(e)) return true;
    if (isConflict(e)) return false;
    throw e;
  }
}

/**
 * Fixes `node`'s affinities left by a crash: pending or pendingDeletion with
 * the block still ours → confirmed; no block, or the block is another's →
 * deleted (CAS on the version read, so a claim in progress that just wrote
 * it wins; the claim re-creates a deleted affinity when it confirms).
 * Returns the names of the affinities changed.
 */
export async function repairAffinities(ctx: IpamContext, node: string): Promise<string[]> {
  const fixed: string[] = [];
  for (const a of await ctx.ds.list('BlockAffinity')) {
    if (a.spec.node !== node || a.spec.state === 'confirmed') continue;
    const b = await getBlock(ctx, a.spec.cidr);
    try {
      if (b !== undefined && b.spec.affinity === hostAffinity(node) && b.spec.deleted !== true) {
        await ctx.ds.update({ ...a, spec: { ...a.spec, state: 'confirmed' } });
      } else {
        await ctx.ds.delete('BlockAffinity', a.metadata.name, undefined, a.metadata.resourceVersion);
      }
      fixed.push(a.metadata.name);
    } catch (e) {
      if (!isConflict(e) && !isNotFound(e)) throw e; // changed meanwhile: look again next pass
    }
  }
  return fixed;
}
