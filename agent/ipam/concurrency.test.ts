// Contention on one datastore: two "nodes" (one allocator each, like two
// agents) run many ADDs at once, interleaved at every await, so block claims,
// block updates and handle writes collide and are resolved by CAS. The
// datastore itself is checked afterwards: every allocated ordinal belongs to
// exactly one handle, handles' counts match the blocks, no block is claimed
// twice.
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryDatastore } from '../datastore/memory.js';
import type { Datastore } from '../datastore/types.js';
import { IpamAllocator, type AssignedIP } from './allocator.js';
import { IpamError, isConflict } from './retry.js';
import { addNode, addPool, duplicates } from './testing/fixtures.js';
import { checkConsistency } from './testing/consistency.js';

let ds: MemoryDatastore;
let conflicts = 0;

/** Makes every datastore call yield to the event loop first, so concurrent callers interleave between read and write. */
function interleaving(inner: Datastore): Datastore {
  const y = (): Promise<void> => new Promise((r) => setImmediate(r));
  return {
    watch: (k, h) => inner.watch(k, h),
    get: async (k, n, ns) => { await y(); return inner.get(k, n, ns); },
    list: async (k) => { await y(); return inner.list(k); },
    create: async (r) => { await y(); return inner.create(r); },
    update: async (r) => {
      await y();
      try { return await inner.update(r); } catch (e) { if (isConflict(e)) conflicts++; throw e; }
    },
    delete: async (k, n, ns, rv) => { await y(); return inner.delete(k, n, ns, rv); },
    close: () => inner.close(),
  };
}

beforeEach(async () => {
  ds = new MemoryDatastore();
  conflicts = 0;
  await addNode(ds, 'n1');
  await addNode(ds, 'n2');
});

async function burst(total: number, node: (i: number) => string, nodes: Record<string, IpamAllocator>, num6 = 0) {
  const results = await Promise.allSettled(Array.from({ length: total }, (_, i) =>
    (nodes[node(i)] as IpamAllocator).autoAssign({ handleID: `h.${i}`, node: node(i), num4: 1, num6, attrs: { namespace: 'ns', pod: `p${i}` } })));
  const ok = results.flatMap((r) => (r.status === 'fulfilled' ? [[...r.value.ipv4, ...r.value.ipv6]] : []));
  const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
  return { ok, failed };
}

describe('concurrent allocation on two nodes', () => {
  it.each([true, false])('200 interleaved dual-stack ADDs (serializePerNode %s): no duplicate, new blocks claimed as blocks fill', async (serializePerNode) => {
    await addPool(ds, 'p', { cidr: '100.64.0.0/24' }); // 4 blocks of 64 = 256
    await addPool(ds, 'p6', { cidr: '2001:db8::/120' });
    const nodes = { n1: new IpamAllocator(interleaving(ds), { serializePerNode }), n2: new IpamAllocator(interleaving(ds), { serializePerNode }) };
    const { ok, failed } = await burst(200, (i) => (i % 2 === 0 ? 'n1' : 'n2'), nodes, 1);
    expect(failed.map((e) => e.message)).toEqual([]);
    const all: AssignedIP[] = ok.flat();
    expect(all).toHaveLength(400);
    expect(duplicates(all)).toEqual([]);
    // without the per-node lock a node's own ADDs collide on its block
    if (!serializePerNode) expect(conflicts).toBeGreaterThan(50);
    const b1 = await nodes.n1.blocksForNode('n1');
    const b2 = await nodes.n2.blocksForNode('n2');
    expect(b1.blocks.length).toBeGreaterThanOrEqual(2);
    expect(b2.blocks.length).toBeGreaterThanOrEqual(2);
    await checkConsistency(ds);
  });

  it.each([true, false])('more ADDs than addresses (serializePerNode %s): every address handed out once, the rest fail with a clear error', async (serializePerNode) => {
    await addPool(ds, 'p', { cidr: '100.64.0.0/25' }); // 128 addresses
    const nodes = { n1: new IpamAllocator(interleaving(ds), { serializePerNode }), n2: new IpamAllocator(interleaving(ds), { serializePerNode }) };
    const { ok, failed } = await burst(140, (i) => (i % 3 === 0 ? 'n2' : 'n1'), nodes);
    const all = ok.flat();
    expect(all).toHaveLength(128);
    expect(duplicates(all)).toEqual([]);
    expect(failed).toHaveLength(12);
    for (const e of failed) {
      expect(e).toBeInstanceOf(IpamError);
      expect(e.message).toMatch(/^no free IPv4 address for node n[12] in pools 100\.64\.0\.0\/25: all 2 blocks are claimed, the node's 1 full and no other block has a free address to borrow/);
    }
    // the node with more pods borrowed from the other's block
    expect(all.some((a) => a.borrowed)).toBe(true);
    await checkConsistency(ds);
  });

  it('ADD and DEL interleaved with GC keep the datastore consistent', async () => {
    await addPool(ds, 'p', { cidr: '100.64.0.0/24' });
    const nodes = { n1: new IpamAllocator(interleaving(ds), { cooldownMs: 0, emptyBlockGraceMs: 0 }), n2: new IpamAllocator(interleaving(ds), { cooldownMs: 0, emptyBlockGraceMs: 0 }) };
    const ops: Promise<unknown>[] = [];
    for (let i = 0; i < 150; i++) {
      const node = i % 2 === 0 ? 'n1' : 'n2';
      const a = nodes[node];
      ops.push(a.autoAssign({ handleID: `h.${i}`, node, num4: 1, attrs: { namespace: 'ns', pod: `p${i}` } })
        .then(() => (i % 3 === 0 ? a.releaseByHandle(`h.${i}`) : undefined)));
      if (i % 25 === 0) ops.push(a.gc({ node }));
    }
    await Promise.all(ops);
    await checkConsistency(ds);
    const held = (await Promise.all(Array.from({ length: 150 }, (_, i) => nodes.n1.addressesOfHandle(`h.${i}`)))).flatMap((r) => r.ipv4);
    expect(held).toHaveLength(100);
    expect(duplicates(held)).toEqual([]);
  });
});
