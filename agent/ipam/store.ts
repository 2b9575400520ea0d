// Typed reads and compare-and-swap writes of the IPAM resources (IPAMBlock,
// BlockAffinity, IPAMHandle) through the Datastore contract. Updates always
// carry the resourceVersion that was read, so a concurrent change makes them
// fail with Conflict and the caller re-reads (see retry.ts).
import { API_VERSION, type Kind, type ResourceOf, type SpecOf } from '../datastore/types.js';
import { releaseOrdinals } from './block.js';
import type { IpamContext } from './config.js';
import { blockName, parseCidr } from './pool.js';
import { isNotFound, withCas } from './retry.js';

export type Block = ResourceOf<'IPAMBlock'>;

export const hostAffinity = (node: string): string => `host:${node}`;

export function resource<K extends Kind>(kind: K, name: string, spec: SpecOf[K]): ResourceOf<K> {
  return { apiVersion: API_VERSION, kind, metadata: { name }, spec } as ResourceOf<K>;
}

/** Live (not deleted) blocks, in address order. */
export async function listBlocks(ctx: IpamContext): Promise<Block[]> {
  const blocks = (await ctx.ds.list('IPAMBlock')).filter((b) => b.spec.deleted !== true);
  const key = new Map(blocks.map((b) => [b, parseCidr(b.spec.cidr)]));
  return blocks.sort((x, y) => {
    const a = key.get(x); const b = key.get(y);
    if (a === undefined || b === undefined) return 0;
    return a.family !== b.family ? a.family - b.family : a.bits < b.bits ? -1 : a.bits > b.bits ? 1 : 0;
  });
}

export const getBlock = (ctx: IpamContext, cidrText: string): Promise<Block | undefined> =>
  ctx.ds.get('IPAMBlock', blockName(cidrText));

/** Adds `delta` addresses in block `cidr` to a handle; creates it on first use, deletes it when it holds nothing. */
export async function adjustHandle(ctx: IpamContext, handleID: string, cidr: string, delta: number): Promise<void> {
  await withCas(`IPAM handle ${handleID}`, ctx.retry, async () => {
    const h = await ctx.ds.get('IPAMHandle', handleID);
    if (h === undefined) {
      if (delta > 0) await ctx.ds.create(resource('IPAMHandle', handleID, { handleID, block: { [cidr]: delta } }));
      return;
    }
    const block: Record<string, number> = { ...h.spec.block };
    const n = (block[cidr] ?? 0) + delta;
    if (n > 0) block[cidr] = n; else delete block[cidr];
    if (Object.keys(block).length === 0) {
      try {
        await ctx.ds.delete('IPAMHandle', handleID, undefined, h.metadata.resourceVersion);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      return;
    }
    await ctx.ds.update({ ...h, spec: { ...h.spec, block } });
  });
}

/**
 * Frees ordinals of a block that still belong to `handleID` (CAS; ordinals
 * re-assigned to someone else meanwhile are left alone). Returns the ordinals
 * actually freed.
 */
export async function releaseInBlock(ctx: IpamContext, cidr: string, handleID: string, ordinals: readonly number[]): Promise<number[]> {
  return withCas(`IPAM block ${cidr}`, ctx.retry, async () => {
    const b = await getBlock(ctx, cidr);
    if (b === undefined) return [];
    const mine = ordinals.filter((o) => {
      const a = b.spec.allocations[o];
      return a !== null && a !== undefined && b.spec.attributes[a]?.handleID === handleID;
    });
    if (mine.length === 0) return [];
    try {
      await ctx.ds.update({ ...b, spec: releaseOrdinals(b.spec, mine, ctx.now(), ctx.cooldownMs) });
    } catch (e) {
      if (isNotFound(e)) return [];
      throw e;
    }
    return mine;
  });
}
