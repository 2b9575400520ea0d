// The Datastore contract as one test suite, run against every backend
// (memory.test.ts, file.test.ts): CRUD with compare-and-swap, validation,
// frozen copies, and watch semantics (snapshot → in-sync → changes,
// asynchronous, in order, per-kind filtering, stop).
import { afterEach, describe, expect, it } from 'vitest';
import { DatastoreError, type Datastore, type ResourceOf } from '../types.js';
import { counter, EventLog, ipPool, networkPolicy, node, workloadEndpoint } from './fixtures.js';

export interface Backend {
  readonly ds: Datastore;
  /** Releases files etc. (close() is called by the suite first). */
  cleanup?(): Promise<void>;
}

async function reason(p: Promise<unknown>): Promise<string> {
  try { await p; } catch (e) { if (e instanceof DatastoreError) return e.reason; throw e; }
  return 'resolved';
}

export function datastoreContract(name: string, make: () => Promise<Backend>): void {
  describe(`Datastore contract: ${name}`, () => {
    let backend: Backend | undefined;
    const open = async (): Promise<Datastore> => { backend = await make(); return backend.ds; };
    afterEach(async () => {
      if (backend === undefined) return;
      await backend.ds.close();
      await backend.cleanup?.();
      backend = undefined;
    });

    it('create stamps resourceVersion and creationTimestamp, returns a frozen copy, keeps no reference to the input', async () => {
      const ds = await open();
      const input = ipPool('pool-a', '100.64.0.0/16') as { spec: { cidr: string } } & ResourceOf<'IPPool'>;
      const stored = await ds.create(input);
      expect(stored.metadata.resourceVersion).toMatch(/^\d+$/);
      expect(stored.metadata.creationTimestamp).toBeTypeOf('string');
      expect(Object.isFrozen(stored)).toBe(true);
      expect(Object.isFrozen(stored.spec)).toBe(true);
      (input.spec as { cidr: string }).cidr = '100.65.0.0/16';
      expect((await ds.get('IPPool', 'pool-a'))?.spec.cidr).toBe('100.64.0.0/16');
      expect(input.metadata.resourceVersion).toBeUndefined();
    });

    it('create of an existing resource fails with AlreadyExists', async () => {
      const ds = await open();
      await ds.create(ipPool('pool-a', '100.64.0.0/16'));
      expect(await reason(ds.create(ipPool('pool-a', '100.65.0.0/16')))).toBe('AlreadyExists');
      expect((await ds.get('IPPool', 'pool-a'))?.spec.cidr).toBe('100.64.0.0/16');
    });

    it('get and list by kind; namespaced resources are keyed by namespace too', async () => {
      const ds = await open();
      await ds.create(ipPool('pool-a', '100.64.0.0/16'));
      await ds.create(ipPool('pool-b', '100.65.0.0/16'));
      await ds.create(networkPolicy('ns-a', 'deny'));
      await ds.create(networkPolicy('ns-b', 'deny'));
      expect((await ds.list('IPPool')).map((r) => r.metadata.name).sort()).toEqual(['pool-a', 'pool-b']);
      expect((await ds.list('NetworkPolicy')).map((r) => r.metadata.namespace).sort()).toEqual(['ns-a', 'ns-b']);
      expect(await ds.get('NetworkPolicy', 'deny', 'ns-b')).toMatchObject({ metadata: { name: 'deny', namespace: 'ns-b' } });
      expect(await ds.get('NetworkPolicy', 'deny', 'ns-c')).toBeUndefined();
      expect(await ds.get('IPPool', 'nope')).toBeUndefined();
      expect(await ds.list('BGPPeer')).toEqual([]);
    });

    it('update is compare-and-swap on resourceVersion', async () => {
      const ds = await open();
      const v1 = await ds.create(ipPool('pool-a', '100.64.0.0/16'));
      const v2 = await ds.update({ ...v1, spec: { ...v1.spec, natOutgoing: true } });
      expect(Number(v2.metadata.resourceVersion)).toBeGreaterThan(Number(v1.metadata.resourceVersion));
      expect(v2.metadata.creationTimestamp).toBe(v1.metadata.creationTimestamp);
      expect(v2.spec.natOutgoing).toBe(true);
      // a writer holding the old version loses
      expect(await reason(ds.update({ ...v1, spec: { ...v1.spec, disabled: true } }))).toBe('Conflict');
      // no version at all is not a blind write
      const { resourceVersion: _rv, ...noVersion } = v2.metadata;
      expect(await reason(ds.update({ ...v2, metadata: noVersion }))).toBe('Conflict');
      expect(await reason(ds.update(ipPool('pool-z', '100.66.0.0/16')))).toBe('NotFound');
      expect((await ds.get('IPPool', 'pool-a'))?.spec).toEqual({ cidr: '100.64.0.0/16', natOutgoing: true });
    });

    it('delete checks resourceVersion when given', async () => {
      const ds = await open();
      const v1 = await ds.create(ipPool('pool-a', '100.64.0.0/16'));
      const v2 = await ds.update({ ...v1, spec: { ...v1.spec, disabled: true } });
      expect(await reason(ds.delete('IPPool', 'pool-a', undefined, v1.metadata.resourceVersion))).toBe('Conflict');
      await ds.delete('IPPool', 'pool-a', undefined, v2.metadata.resourceVersion);
      expect(await ds.get('IPPool', 'pool-a')).toBeUndefined();
      expect(await reason(ds.delete('IPPool', 'pool-a'))).toBe('NotFound');
      await ds.create(ipPool('pool-b', '100.65.0.0/16'));
      await ds.delete('IPPool', 'pool-b');
      expect(await ds.list('IPPool')).toEqual([]);
    });

    it('rejects invalid resources with Invalid and a message naming kind, name and field', async () => {
      const ds = await open();
      const bad = ipPool('pool-a', '100.64.0.0/16', { blockSize: 40 });
      await expect(ds.create(bad)).rejects.toThrow(/IPPool pool-a: spec\.blockSize must be 20\.\.32 for IPv4 \(got 40\)/);
      expect(await reason(ds.create({ ...bad, apiVersion: 'v9' } as ResourceOf<'IPPool'>))).toBe('Invalid');
      expect(await reason(ds.create({ ...node('n1'), kind: 'Gadget' } as unknown as ResourceOf<'Node'>))).toBe('Invalid');
      expect(await ds.list('IPPool')).toEqual([]);
    });

    it('watch: snapshot sets, then in-sync, then changes in order, never synchronously', async () => {
      const ds = await open();
      await ds.create(ipPool('pool-a', '100.64.0.0/16'));
      await ds.create(node('node-a', '198.18.0.1/24'));
      await ds.create(workloadEndpoint('ns-a', 'pod-1', '100.64.0.5/32'));
      const log = new EventLog();
      const stop = ds.watch(['IPPool', 'WorkloadEndpoint'], log.handler);
      expect(log.events).toEqual([]);
      // a change made right after watch() comes after in-sync, exactly once
      const b = await ds.create(ipPool('pool-b', '100.65.0.0/16'));
      await ds.create(node('node-b'));
      await ds.update({ ...b, spec: { ...b.spec, disabled: true } });
      await ds.delete('WorkloadEndpoint', 'node-a-k8s-pod-1-eth0', 'ns-a');
      await log.until((ev) => ev.some((e) => e.type === 'delete'), 10_000, 'the delete');
      const s = log.summary();
      const sync = s.indexOf('in-sync');
      expect(s.slice(0, sync).sort()).toEqual(['set:IPPool/pool-a', 'set:WorkloadEndpoint/ns-a/node-a-k8s-pod-1-eth0']);
      expect(s.slice(sync)).toEqual(['in-sync', 'set:IPPool/pool-b', 'set:IPPool/pool-b', 'delete:WorkloadEndpoint/ns-a/node-a-k8s-pod-1-eth0']);
      const last = log.events[sync + 2];
      expect(last?.type === 'set' && last.resource.spec).toEqual({ cidr: '100.65.0.0/16', disabled: true });
      const del = log.events.at(-1);
      expect(del).toEqual({ type: 'delete', kind: 'WorkloadEndpoint', name: 'node-a-k8s-pod-1-eth0', namespace: 'ns-a' });
      stop();
      await ds.create(ipPool('pool-c', '100.66.0.0/16'));
      await new Promise((r) => setTimeout(r, 50));
      expect(log.summary()).not.toContain('set:IPPool/pool-c');
    });

    it('watch of an empty store gives in-sync alone; several watchers each get everything', async () => {
      const ds = await open();
      const a = new EventLog(); const b = new EventLog();
      const stopA = ds.watch(['IPAMHandle'], a.handler);
      const stopB = ds.watch(['IPAMHandle', 'IPPool'], b.handler);
      await a.until((ev) => ev.length >= 1, 10_000, 'in-sync');
      expect(a.summary()).toEqual(['in-sync']);
      await ds.create(counter('h1'));
      await ds.create(ipPool('pool-a', '100.64.0.0/16'));
      await b.until((ev) => ev.length >= 3, 10_000, 'two sets');
      await a.until((ev) => ev.length >= 2, 10_000, 'one set');
      expect(a.summary()).toEqual(['in-sync', 'set:IPAMHandle/h1']);
      expect(b.summary()).toEqual(['in-sync', 'set:IPAMHandle/h1', 'set:IPPool/pool-a']);
      stopA(); stopB();
    });

    it('concurrent read-modify-write with retry on Conflict loses no update', async () => {
      const ds = await open();
      await ds.create(counter('c'));
      let conflicts = 0;
      const increment = async (): Promise<void> => {
        for (;;) {
          const cur = await ds.get('IPAMHandle', 'c');
          if (cur === undefined) throw new Error('counter vanished');
          try {
            await ds.update({ ...cur, spec: { ...cur.spec, block: { n: (cur.spec.block.n ?? 0) + 1 } } });
            return;
          } catch (e) {
            if (!(e instanceof DatastoreError && e.reason === 'Conflict')) throw e;
            conflicts++;
          }
        }
      };
      await Promise.all(Array.from({ length: 40 }, increment));
      expect((await ds.get('IPAMHandle', 'c'))?.spec.block.n).toBe(40);
      // all 40 read the same version first, so most of them had to retry
      expect(conflicts).toBeGreaterThan(0);
    });

    it('operations after close fail with Unavailable', async () => {
      const ds = await open();
      await ds.close();
      expect(await reason(ds.list('IPPool'))).toBe('Unavailable');
    });
  });
}
