// IpamAllocator on the MemoryDatastore: claim, allocate, new block on
// exhaustion, borrowing then a clear error, idempotent ADD, release,
// cooldown, GC, dual stack, pool eligibility and CAS give-up.
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryDatastore } from '../datastore/memory.js';
import { API_VERSION, DatastoreError, type Datastore, type Resource, type ResourceOf } from '../datastore/types.js';
import { IpamAllocator } from './allocator.js';
import type { IpamConfig } from './config.js';
import { IpamError } from './retry.js';
import { addNode, addPool, duplicates, FakeClock } from './testing/fixtures.js';
import { checkConsistency } from './testing/consistency.js';

let ds: MemoryDatastore;
let clock: FakeClock;
const ipam = (cfg: IpamConfig = {}): IpamAllocator => new IpamAllocator(ds, { clock: clock.now, ...cfg });
const add = (a: IpamAllocator, node: string, id: string, num4 = 1, num6 = 0) =>
  a.autoAssign({ handleID: `h.${id}`, node, num4, num6, attrs: { namespace: 'ns', pod: id, containerID: id } });

beforeEach(async () => {
  ds = new MemoryDatastore();
  clock = new FakeClock();
  await addNode(ds, 'n1', { zone: 'a' });
  await addNode(ds, 'n2', { zone: 'b' });
});

describe('block affinity', () => {
  it('claims the first free block of a pool and confirms the affinity', async () => {
    await addPool(ds, 'p', { cidr: '100.64.0.0/24' });
    const a = ipam();
    expect(await a.claimAffinity('n1', 'p')).toBe('100.64.0.0/26');
    expect(await a.claimAffinity('n2', 'p')).toBe('100.64.0.64/26');
    expect(await a.claimAffinity('n1', '100.64.0.0/24')).toBe('100.64.0.128/26');
    const aff = await ds.get('BlockAffinity', 'n1-100.64.0.0-26');
    expect(aff?.spec).toEqual({ node: 'n1', cidr: '100.64.0.0/26', state: 'confirmed' });
    const blk = await ds.get('IPAMBlock', '100.64.0.0-26');
    expect(blk?.spec.affinity).toBe('host:n1');
    expect((await a.blocksForNode('n1')).blocks.map((b) => b.cidr)).toEqual(['100.64.0.0/26', '100.64.0.128/26']);
    expect(await a.claimAffinity('n2', 'p')).toBe('100.64.0.192/26');
    expect(await a.claimAffinity('n2', 'p')).toBeUndefined();
    await expect(a.claimAffinity('n1', 'nope')).rejects.toThrow('claimAffinity: no IPPool "nope"');
    await addPool(ds, 'zb', { cidr: '100.64.1.0/24', nodeSelector: "zone == 'b'" });
    await addPool(ds, 'off', { cidr: '100.64.2.0/24', disabled: true });
    await expect(a.claimAffinity('n1', 'zb')).rejects.toThrow('claimAffinity: IPPool zb (100.64.1.0/24) nodeSelector "zone == \'b\'" does not match node n1');
    expect(await a.claimAffinity('n2', 'zb')).toBe('100.64.1.0/26');
    await expect(a.claimAffinity('n1', 'off')).rejects.toThrow('claimAffinity: IPPool off (100.64.2.0/24) is disabled');
  });

  it('allocates from the node\'s block and claims a new block when it is full', async () => {
    await addPool(ds, 'p', { cidr: '100.64.0.0/24', disableBGPExport: true });
    const a = ipam();
    const first = await add(a, 'n1', 'c0');
    expect(first.ipv4).toEqual([{ address: '100.64.0.0', family: 4, prefix: '100.64.0.0/32', block: '100.64.0.0/26', pool: 'p', borrowed: false }]);
    const many = await add(a, 'n1', 'c1', 64);
    expect(many.ipv4.filter((x) => x.block === '100.64.0.0/26')).toHaveLength(63);
    expect(many.ipv4.filter((x) => x.block === '100.64.0.64/26').map((x) => x.address)).toEqual(['100.64.0.64']);
    expect(duplicates([...first.ipv4, ...many.ipv4])).toEqual([]);
    const nb = await a.blocksForNode('n1');
    expect(nb).toEqual({
      blocks: [{ cidr: '100.64.0.0/26', pool: 'p', disableBGPExport: true }, { cidr: '100.64.0.64/26', pool: 'p', disableBGPExport: true }],
      borrowed: [],
    });
    expect((await ds.get('IPAMHandle', 'h.c1'))?.spec.block).toEqual({ '100.64.0.0/26': 63, '100.64.0.64/26': 1 });
  });
});

describe('pool exhaustion', () => {
  beforeEach(async () => { await addPool(ds, 'p', { cidr: '100.64.0.0/25' }); }); // two /26 blocks

  it('borrows from another node\'s block when no block can be claimed, then fails clearly', async () => {
    const a = ipam();
    await add(a, 'n1', 'a', 64);
    const b1 = await add(a, 'n2', 'b', 1);
    expect(b1.ipv4[0]?.block).toBe('100.64.0.64/26');
    const borrowed = await add(a, 'n1', 'x');
    expect(borrowed.ipv4).toEqual([{ address: '100.64.0.65', family: 4, prefix: '100.64.0.65/32', block: '100.64.0.64/26', pool: 'p', borrowed: true }]);
    expect(await a.blocksForNode('n1')).toEqual({ blocks: [{ cidr: '100.64.0.0/26', pool: 'p', disableBGPExport: false }], borrowed: ['100.64.0.65/32'] });
    expect((await a.blocksForNode('n2')).borrowed).toEqual([]);
    await add(a, 'n1', 'y', 62);
    const err = await add(a, 'n1', 'z').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IpamError);
    expect((err as Error).message).toBe('no free IPv4 address for node n1 in pools 100.64.0.0/25: all 2 blocks are claimed, the node\'s 1 full and no other block has a free address to borrow (2 blocks checked)');
  });

  it('with strictAffinity never borrows and says so', async () => {
    const a = ipam({ strictAffinity: true });
    await add(a, 'n1', 'a', 60);
    await add(a, 'n2', 'b', 1);
    const err = await add(a, 'n1', 'x', 5).catch((e: unknown) => e);
    expect((err as Error).message).toBe('no free IPv4 address for node n1 in pools 100.64.0.0/25 (4 of 5 found): all 2 blocks are claimed, the node\'s 1 full and borrowing is disabled (strictAffinity)');
    // the partial grant was given back
    expect(await a.addressesOfHandle('h.x')).toEqual({ ipv4: [], ipv6: [] });
    expect(await ds.get('IPAMHandle', 'h.x')).toBeUndefined();
    expect((await add(a, 'n1', 'x2', 4)).ipv4.map((x) => x.address)).toEqual(['100.64.0.60', '100.64.0.61', '100.64.0.62', '100.64.0.63']);
  });

  it('does not borrow from blocks claimed under strictAffinity by another node', async () => {
    await add(ipam({ strictAffinity: true }), 'n2', 'b', 1);
    const a = ipam();
    await add(a, 'n1', 'a', 64);
    await expect(add(a, 'n1', 'x')).rejects.toThrow(/no other block has a free address to borrow/);
  });

  it('honours maxBlocksPerHost', async () => {
    const a = ipam({ maxBlocksPerHost: 1, strictAffinity: true });
    await add(a, 'n1', 'a', 64);
    await expect(add(a, 'n1', 'x')).rejects.toThrow('the node holds maxBlocksPerHost (1) blocks, all full and borrowing is disabled (strictAffinity)');
  });
});

describe('handles', () => {
  beforeEach(async () => { await addPool(ds, 'p', { cidr: '100.64.0.0/24' }); });

  it('a retried ADD for the same handle returns the same addresses', async () => {
    const a = ipam();
    const r1 = await add(a, 'n1', 'c', 2);
    const r2 = await add(a, 'n1', 'c', 2);
    expect(r2).toEqual(r1);
    const [r3, r4] = await Promise.all([add(a, 'n1', 'd'), add(a, 'n1', 'd')]);
    expect(r4).toEqual(r3);
    expect((await ds.get('IPAMHandle', 'h.d'))?.spec.block).toEqual({ '100.64.0.0/26': 1 });
    // asking for more tops up, keeping what it has
    const r5 = await add(a, 'n1', 'c', 3);
    expect(r5.ipv4.slice(0, 2)).toEqual(r1.ipv4);
    expect(r5.ipv4).toHaveLength(3);
  });

  it('release frees the addresses and the handle; releasing again or an unknown handle succeeds', async () => {
    const a = ipam({ cooldownMs: 0 });
    const r = await add(a, 'n1', 'c', 2);
    expect(await a.releaseByHandle('h.c')).toEqual(r.ipv4.map((x) => x.address));
    expect(await ds.get('IPAMHandle', 'h.c')).toBeUndefined();
    expect(await a.releaseByHandle('h.c')).toEqual([]);
    expect(await a.releaseByHandle('never-seen')).toEqual([]);
    const blk = await ds.get('IPAMBlock', '100.64.0.0-26');
    expect(blk?.spec.allocations.every((x) => x === null)).toBe(true);
    expect(blk?.spec.attributes).toEqual([]);
  });

  it('releases addresses a crash left without a handle record', async () => {
    const a = ipam();
    await add(a, 'n1', 'c');
    await ds.delete('IPAMHandle', 'h.c');
    expect(await a.releaseByHandle('h.c')).toEqual(['100.64.0.0']);
  });
});

describe('cooldown', () => {
  beforeEach(async () => { await addPool(ds, 'p', { cidr: '100.64.0.0/30', blockSize: 30 }); }); // one block of 4

  it('does not hand out a released address again until the cooldown ends, unless nothing else is free', async () => {
    const a = ipam({ cooldownMs: 60_000 });
    expect((await add(a, 'n1', 'c1')).ipv4[0]?.address).toBe('100.64.0.0');
    await a.releaseByHandle('h.c1');
    expect((await add(a, 'n1', 'c2')).ipv4[0]?.address).toBe('100.64.0.1');
    expect((await add(a, 'n1', 'c3', 2)).ipv4.map((x) => x.address)).toEqual(['100.64.0.2', '100.64.0.3']);
    // only the cooling address is left: it is handed out rather than failing
    expect((await add(a, 'n1', 'c4')).ipv4[0]?.address).toBe('100.64.0.0');
    await a.releaseByHandle('h.c2'); // .1 cooling from now
    await a.releaseByHandle('h.c4'); // .0 cooling from now
    clock.advance(30_000);
    await a.releaseByHandle('h.c3'); // .2, .3 cooling from +30 s
    clock.advance(31_000); // .0 and .1 cooled, .2 and .3 not
    const next = await add(a, 'n1', 'c5', 3);
    expect(next.ipv4.map((x) => x.address)).toEqual(['100.64.0.1', '100.64.0.0', '100.64.0.2']);
  });

  it('prefers claiming a new block over reusing a cooling address', async () => {
    await addPool(ds, 'q', { cidr: '100.64.1.0/30', blockSize: 30 });
    const a = ipam();
    await add(a, 'n1', 'c1', 4);
    await a.releaseByHandle('h.c1');
    expect((await add(a, 'n1', 'c2')).ipv4[0]?.address).toBe('100.64.1.0');
  });
});

describe('garbage collection', () => {
  beforeEach(async () => { await addPool(ds, 'p', { cidr: '100.64.0.0/24' }); });

  it('releases addresses whose pod is gone after the leak grace period', async () => {
    const a = ipam({ leakGraceMs: 60_000 });
    await add(a, 'n1', 'live');
    await add(a, 'n1', 'gone', 2);
    await a.autoAssign({ handleID: 'tunnel', node: 'n1', num4: 1 }); // no pod attributes: never collected
    const live = new Set(['ns/live']);
    expect(await a.gc({ livePods: live })).toEqual({ releasedIPs: [], releasedBlocks: [], repairedAffinities: [], releasedHandles: [], leakCandidates: 2, emptyCandidates: 0 });
    clock.advance(60_000);
    const r = await a.gc({ livePods: (ns, pod) => live.has(`${ns}/${pod}`) });
    expect(r.releasedIPs).toEqual(['100.64.0.1', '100.64.0.2']);
    expect(r.leakCandidates).toBe(0);
    expect(await ds.get('IPAMHandle', 'h.gone')).toBeUndefined();
    expect((await a.addressesOfHandle('h.live')).ipv4).toHaveLength(1);
    expect((await a.addressesOfHandle('tunnel')).ipv4).toHaveLength(1);
  });

  it('forgets a leak candidate whose pod comes back', async () => {
    const a = ipam({ leakGraceMs: 60_000 });
    await add(a, 'n1', 'p');
    await a.gc({ livePods: new Set() });
    clock.advance(30_000);
    await a.gc({ livePods: new Set(['ns/p']) });
    clock.advance(40_000);
    expect((await a.gc({ livePods: new Set() })).releasedIPs).toEqual([]);
  });

  it('releases a node\'s block that stayed empty for the grace period, and deletes empty blocks without affinity', async () => {
    const a = ipam({ emptyBlockGraceMs: 300_000, cooldownMs: 0 });
    await add(a, 'n1', 'c', 65); // two blocks
    await a.releaseByHandle('h.c');
    expect((await a.gc({ node: 'n1' })).emptyCandidates).toBe(2);
    await add(a, 'n1', 'd'); // first block used again
    clock.advance(300_000);
    const r = await a.gc({ node: 'n1' });
    expect(r.releasedBlocks).toEqual(['100.64.0.64/26']);
    expect(await ds.get('BlockAffinity', 'n1-100.64.0.64-26')).toBeUndefined();
    expect(await ds.get('IPAMBlock', '100.64.0.64-26')).toBeUndefined();
    expect((await a.blocksForNode('n1')).blocks.map((b) => b.cidr)).toEqual(['100.64.0.0/26']);
    // another node's empty block is not ours to release
    await add(a, 'n2', 'e');
    await a.releaseByHandle('h.e');
    clock.advance(600_000);
    expect((await a.gc({ node: 'n1' })).releasedBlocks).toEqual([]);
    // an orphan (no affinity) empty block goes at once
    const blk = await ds.get('IPAMBlock', '100.64.0.64-26');
    const { affinity: _drop, ...rest } = blk!.spec;
    await ds.update({ ...blk!, spec: rest });
    expect((await a.gc({})).releasedBlocks).toEqual(['100.64.0.64/26']);
  });

  it('deletes a handle that held nothing for the grace period (an ADD that died after raising it)', async () => {
    const a = ipam({ emptyHandleGraceMs: 60_000 });
    await add(a, 'n1', 'c');
    await ds.create({ apiVersion: API_VERSION, kind: 'IPAMHandle', metadata: { name: 'h.dead' }, spec: { handleID: 'h.dead', block: { '100.64.0.0/26': 1 } } });
    expect((await a.gc({})).releasedHandles).toEqual([]);
    clock.advance(60_000);
    expect((await a.gc({})).releasedHandles).toEqual(['h.dead']);
    expect(await ds.get('IPAMHandle', 'h.dead')).toBeUndefined();
    expect(await ds.get('IPAMHandle', 'h.c')).toBeDefined();
    await checkConsistency(ds);
  });

  it('refuses to release a block that got an address after the check', async () => {
    const a = ipam();
    await add(a, 'n1', 'c');
    expect(await a.releaseAffinity('n1', '100.64.0.0/26')).toBe(false);
    expect(await a.releaseAffinity('n2', '100.64.0.0/26')).toBe(false);
  });
});

describe('recovery from interrupted claims', () => {
  beforeEach(async () => { await addPool(ds, 'p', { cidr: '100.64.0.0/24' }); });
  const affinity = (node: string, cidr: string, state: 'pending' | 'pendingDeletion') =>
    ds.create({ apiVersion: API_VERSION, kind: 'BlockAffinity', metadata: { name: `${node}-${cidr.replace('/', '-')}` }, spec: { node, cidr, state } });

  it('a claim adopts the node\'s own pending affinity left by a crash', async () => {
    await affinity('n1', '100.64.0.0/26', 'pending');
    const a = ipam();
    expect((await add(a, 'n1', 'c')).ipv4[0]?.block).toBe('100.64.0.0/26');
    expect((await ds.get('BlockAffinity', 'n1-100.64.0.0-26'))?.spec.state).toBe('confirmed');
    await checkConsistency(ds);
  });

  it('gc deletes the node\'s half-done affinities without a block and confirms those whose block is the node\'s', async () => {
    const a = ipam();
    await add(a, 'n1', 'c');
    const aff = (await ds.get('BlockAffinity', 'n1-100.64.0.0-26'))!;
    await ds.update({ ...aff, spec: { ...aff.spec, state: 'pendingDeletion' } }); // a release that died before deleting the block
    await affinity('n1', '100.64.0.128/26', 'pending'); // a claim that died before creating the block
    await affinity('n2', '100.64.0.192/26', 'pending'); // another node's: not ours to fix
    const r = await a.gc({ node: 'n1' });
    expect(r.repairedAffinities.sort()).toEqual(['n1-100.64.0.0-26', 'n1-100.64.0.128-26']);
    expect((await ds.get('BlockAffinity', 'n1-100.64.0.0-26'))?.spec.state).toBe('confirmed');
    expect(await ds.get('BlockAffinity', 'n1-100.64.0.128-26')).toBeUndefined();
    expect(await ds.get('BlockAffinity', 'n2-100.64.0.192-26')).toBeDefined();
    // the other node's claim may still be finishing: the CIDR is free to claim by block create
    expect(await a.claimAffinity('n1', 'p')).toBe('100.64.0.64/26');
  });
});

describe('dual stack and pool eligibility', () => {
  it('assigns one IPv4 and one IPv6 address from affine blocks', async () => {
    await addPool(ds, 'v4', { cidr: '100.64.0.0/24' });
    await addPool(ds, 'v6', { cidr: '2001:db8:1::/120' });
    const a = ipam();
    const r = await add(a, 'n1', 'c', 1, 1);
    expect(r.ipv4.map((x) => x.prefix)).toEqual(['100.64.0.0/32']);
    expect(r.ipv6).toEqual([{ address: '2001:db8:1::', family: 6, prefix: '2001:db8:1::/128', block: '2001:db8:1::/122', pool: 'v6', borrowed: false }]);
    const r2 = await add(a, 'n2', 'd', 1, 1);
    expect(r2.ipv6[0]?.block).toBe('2001:db8:1::40/122');
    expect(await ds.get('IPAMBlock', '2001-db8-1--40-122')).toBeDefined();
    expect((await a.blocksForNode('n2')).blocks.map((b) => b.cidr)).toEqual(['100.64.0.64/26', '2001:db8:1::40/122']);
    expect(await a.releaseByHandle('h.c')).toEqual(['100.64.0.0', '2001:db8:1::']);
  });

  it('uses only enabled pools whose nodeSelector matches the node, and explains when none does', async () => {
    await addPool(ds, 'za', { cidr: '100.64.0.0/24', nodeSelector: "zone == 'a'" });
    await addPool(ds, 'off', { cidr: '100.64.1.0/24', disabled: true });
    const a = ipam();
    expect((await add(a, 'n1', 'c')).ipv4[0]?.pool).toBe('za');
    await expect(add(a, 'n2', 'd')).rejects.toThrow('no IPv4 pool usable by node n2: pools 100.64.1.0/24 (disabled), 100.64.0.0/24 (nodeSelector "zone == \'a\'" does not match)');
    await expect(add(a, 'n1', 'e', 0, 1)).rejects.toThrow('no IPv6 pool usable by node n1: no IPv6 pool exists');
    await expect(a.autoAssign({ handleID: 'h', node: 'n1', num4: 1, pools: ['off'] })).rejects.toThrow('pools 100.64.1.0/24 (disabled)');
  });

  it('validates requests', async () => {
    const a = ipam();
    await expect(a.autoAssign({ handleID: 'h', node: 'n1', num4: -1 })).rejects.toThrow('autoAssign: num4 must be an integer ≥ 0, got -1');
    await expect(a.autoAssign({ handleID: '', node: 'n1', num4: 1 })).rejects.toThrow('handleID and node are required');
    await expect(a.autoAssign({ handleID: 'a/b', node: 'n1', num4: 1 })).rejects.toThrow('autoAssign: handleID "a/b" may hold only letters');
  });
});

describe('compare-and-swap', () => {
  it('gives up with a clear error when every write loses', async () => {
    await addPool(ds, 'p', { cidr: '100.64.0.0/24' });
    const losing: Datastore = Object.assign(Object.create(ds) as Datastore, {
      update: async (r: Resource) => {
        if (r.kind !== 'IPAMBlock') return ds.update(r as ResourceOf<'BlockAffinity'>);
        throw new DatastoreError('Conflict', 'IPAMBlock 100.64.0.0-26: resourceVersion 3 is stale');
      },
    });
    const a = new IpamAllocator(losing, { casAttempts: 5, sleep: async () => undefined });
    await expect(a.autoAssign({ handleID: 'h', node: 'n1', num4: 1 })).rejects.toThrow(
      'IPAM block 100.64.0.0/26: gave up after 5 attempts, each lost to a concurrent writer (last: IPAMBlock 100.64.0.0-26: resourceVersion 3 is stale)');
  });
});
