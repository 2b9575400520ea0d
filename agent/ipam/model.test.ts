// Property test: random interleavings of ADD, DEL, GC and clock steps by two
// nodes against one MemoryDatastore, compared with a simple model (which
// handles should hold an address). After every batch: no address held twice,
// each successful ADD's handle holds exactly what it was given until its DEL
// or collection, and the datastore invariants (testing/consistency.ts) hold.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryDatastore } from '../datastore/memory.js';
import { IpamAllocator } from './allocator.js';
import { IpamError } from './retry.js';
import { addNode, addPool, duplicates, FakeClock } from './testing/fixtures.js';
import { consistencyErrors } from './testing/consistency.js';

type Op =
  | { t: 'add'; id: number; v6: boolean }
  | { t: 'del'; id: number }
  | { t: 'gc'; node: 0 | 1; live: boolean }
  | { t: 'tick'; ms: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant('add' as const), id: fc.integer({ min: 0, max: 40 }), v6: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('del' as const), id: fc.integer({ min: 0, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('gc' as const), node: fc.constantFrom(0 as const, 1 as const), live: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 120_000 }) }) },
);

describe('IPAM model check', () => {
  it('random concurrent ADD/DEL/GC on two nodes never hands an address out twice and keeps the store consistent', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.array(op, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 12 }), fc.boolean(), async (batches, strictAffinity) => {
      const ds = new MemoryDatastore();
      const clock = new FakeClock();
      await addNode(ds, 'n0'); await addNode(ds, 'n1');
      // small pools: 3 blocks of 8 (IPv4) and 2 of 4 (IPv6), so exhaustion, borrowing and cooldown reuse happen
      await addPool(ds, 'v4', { cidr: '100.64.0.0/27', blockSize: 29 });
      await addPool(ds, 'v6', { cidr: '2001:db8::/125', blockSize: 126 });
      const cfg = { clock: clock.now, strictAffinity, leakGraceMs: 30_000, emptyBlockGraceMs: 60_000 };
      const nodes = [new IpamAllocator(ds, cfg), new IpamAllocator(ds, cfg)] as const;
      // model: handle → addresses it was given (absent: holds none); pods of handles still "alive"
      // a pod exists from its ADD being issued until its DEL is issued (the
      // API object precedes CNI ADD and is gone before CNI DEL); ids are not
      // reused after a DEL, as container IDs are not
      const held = new Map<number, string[]>();
      const alive = new Set<number>();
      const retired = new Set<number>();
      for (const batch of batches) {
        const pending = batch.map(async (o): Promise<void> => {
          switch (o.t) {
            case 'add': {
              if (retired.has(o.id)) return;
              alive.add(o.id);
              try {
                const node = o.id % 2 as 0 | 1; // a container lives on one node
                const r = await nodes[node].autoAssign({ handleID: `h.${o.id}`, node: `n${node}`, num4: 1, num6: o.v6 ? 1 : 0, attrs: { namespace: 'ns', pod: `p${o.id}` } });
                const got = [...r.ipv4, ...r.ipv6].map((a) => a.address);
                const before = held.get(o.id);
                // idempotent: what the handle held before is still part of the answer
                if (before !== undefined) for (const a of before) expect(got).toContain(a);
                held.set(o.id, got);
              } catch (e) {
                if (!(e instanceof IpamError) || !/^no (free|IPv[46] pool)/.test(e.message)) throw e;
              }
              return;
            }
            case 'del':
              retired.add(o.id);
              alive.delete(o.id);
              await nodes[o.id % 2 as 0 | 1].releaseByHandle(`h.${o.id}`);
              held.delete(o.id);
              return;
            case 'gc': {
              const live = o.live ? new Set([...alive].map((id) => `ns/p${id}`)) : undefined;
              const r = await nodes[o.node].gc({ node: `n${o.node}`, ...(live !== undefined ? { livePods: live } : {}) });
              // only dead pods' addresses may be collected
              const liveAddrs = new Set([...alive].flatMap((id) => held.get(id) ?? []));
              for (const a of r.releasedIPs) expect(liveAddrs.has(a)).toBe(false);
              const gone = new Set(r.releasedIPs);
              for (const [id, addrs] of held) if (addrs.some((a) => gone.has(a))) held.set(id, addrs.filter((a) => !gone.has(a)));
              return;
            }
            case 'tick':
              clock.advance(o.ms);
          }
        });
        await Promise.all(pending);
        // the datastore agrees with the model
        const stored = new Map<number, string[]>();
        for (const id of new Set([...held.keys()])) {
          const r = await nodes[0].addressesOfHandle(`h.${id}`);
          stored.set(id, [...r.ipv4, ...r.ipv6].map((a) => a.address).sort());
        }
        for (const [id, addrs] of held) expect(stored.get(id)).toEqual([...addrs].sort());
        expect(duplicates([...stored.values()].flat().map((address) => ({ address })))).toEqual([]);
        expect(await consistencyErrors(ds)).toEqual([]);
      }
    }), { numRuns: Number(process.env.IPAM_MODEL_RUNS ?? 60) });
  });
});
