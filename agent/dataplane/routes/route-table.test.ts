// RouteTable against the in-memory fake kernel on a fake clock: route kinds,
// idempotence, foreign routes untouched, no cleanup before markInSync, the
// grace period, interfaces that appear later, retries with backoff, lost acks,
// restart recognition and periodic resync.
import { describe, expect, it } from 'vitest';
import { ROUTE_PROTOCOL } from '../constants.js';
import { RT_SCOPE_LINK, RTN_BLACKHOLE, RTN_UNICAST } from '../netlink/codec.js';
import { ENODEV } from '../netlink/errno.js';
import { FakeRouteKernel } from '../netlink/fake-kernel.js';
import { type Clock, RouteTable, type RouteTableOptions } from './route-table.js';

class FakeClock implements Clock {
  t = 1_000;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private ids = 0;
  now(): number { return this.t; }
  setTimeout(fn: () => void, ms: number): unknown { const id = ++this.ids; this.timers.push({ at: this.t + ms, fn, id }); return id; }
  clearTimeout(h: unknown): void { this.timers = this.timers.filter((x) => x.id !== h); }
  /** Advances time, firing due timers in order. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
      for (let i = 0; i < 20; i++) await Promise.resolve();
    }
    this.t = end;
  }
}

function setup(opts: Partial<RouteTableOptions> = {}) {
  const kernel = new FakeRouteKernel();
  kernel.addLink('lo', 1);
  kernel.addLink('cali0000000001', 10);
  kernel.addLink('eth0', 2);
  const clock = new FakeClock();
  const rt = new RouteTable({ kernel, clock, ...opts });
  return { kernel, clock, rt };
}

const ours = (k: FakeRouteKernel) => [...k.routes.values()].filter((r) => r.protocol === ROUTE_PROTOCOL);

describe('RouteTable', () => {
  it('programs workload, blackhole and ECMP routes with our protocol, and a second apply writes nothing', async () => {
    const { kernel, rt } = setup();
    rt.setRoute({ dst: '100.64.0.5/32', target: { kind: 'workload', ifname: 'cali0000000001' } });
    rt.setRoute({ dst: '100.64.1.0/26', target: { kind: 'blackhole' } });
    rt.setRoute({ dst: '100.64.2.0/26', target: { kind: 'via', nextHops: [{ gateway: '198.18.0.3' }, { gateway: '198.18.0.2' }] } });
    rt.setRoute({ dst: '2001:DB8:0:1::/122', target: { kind: 'via', nextHops: [{ gateway: 'fe80::1', ifname: 'eth0' }] } });
    const r1 = await rt.apply();
    expect(r1).toMatchObject({ programmed: 4, removed: 0, failures: [], resynced: true });
    const [wl] = kernel.find('100.64.0.5/32');
    expect(wl).toMatchObject({ protocol: ROUTE_PROTOCOL, scope: RT_SCOPE_LINK, type: RTN_UNICAST, oif: 10, table: 254 });
    expect(kernel.find('100.64.1.0/26')[0]?.type).toBe(RTN_BLACKHOLE);
    expect(kernel.find('100.64.2.0/26')[0]?.multipath?.map((h) => h.gateway)).toEqual(['198.18.0.2', '198.18.0.3']);
    expect(kernel.find('2001:db8:0:1::/122')[0]).toMatchObject({ gateway: 'fe80::1', oif: 2 });
    const before = kernel.calls.requests;
    const r2 = await rt.apply();
    expect(r2.programmed + r2.removed).toBe(0);
    expect(kernel.calls.requests).toBe(before);
    expect(rt.metrics.routesProgrammed).toBe(4);
  });

  it('rejects bad specs with readable errors', () => {
    const { rt } = setup();
    expect(() => rt.setRoute({ dst: '100.64.0.1/24', target: { kind: 'blackhole' } })).toThrow(/host bits are set \(did you mean 100.64.0.0\/24\?\)/);
    expect(() => rt.setRoute({ dst: '2001:db8::/64', target: { kind: 'via', nextHops: [{ gateway: 'fe80::1' }] } })).toThrow(/link-local next hop fe80::1 needs an interface/);
    expect(() => rt.setRoute({ dst: '2001:db8::/64', target: { kind: 'via', nextHops: [{ gateway: '198.18.0.1' }] } })).toThrow(/cannot have IPv4 next hop/);
    expect(() => rt.setRoute({ dst: '100.64.0.0/26', target: { kind: 'via', nextHops: [] } })).toThrow(/at least one next hop/);
    expect(() => rt.setRoute({ dst: 'nonsense', target: { kind: 'blackhole' } })).toThrow(/not an IPv4 or IPv6 address/);
  });

  it('never replaces or deletes a route that is not ours', async () => {
    const { kernel, rt } = setup();
    kernel.inject({ family: 4, dst: '100.64.9.0', dstLen: 26, table: 254, protocol: 4, scope: 0, type: RTN_UNICAST, gateway: '198.18.0.9' });
    kernel.inject({ family: 4, dst: '100.64.8.0', dstLen: 26, table: 254, protocol: 12, scope: 0, type: RTN_BLACKHOLE });
    rt.setRoute({ dst: '100.64.9.0/26', target: { kind: 'blackhole' } });
    rt.markInSync();
    const r = await rt.apply();
    expect(r.failures).toEqual([{ dst: '100.64.9.0/26', op: 'set', error: expect.stringMatching(/conflict: another route \(not ours/) }]);
    expect(rt.metrics.conflicts).toBe(1);
    expect(kernel.find('100.64.9.0/26')[0]).toMatchObject({ protocol: 4, gateway: '198.18.0.9' });
    rt.removeRoute('100.64.9.0/26');
    await rt.apply();
    expect(kernel.find('100.64.9.0/26')).toHaveLength(1);
    expect(kernel.find('100.64.8.0/26')).toHaveLength(1); // a foreign route we never wanted is no cleanup candidate
  });

  it('cleans up stale routes of ours only after markInSync and the grace period; removeRoute deletes at once', async () => {
    const { kernel, clock, rt } = setup({ gracePeriodMs: 10_000 });
    kernel.inject({ family: 4, dst: '100.64.0.99', dstLen: 32, table: 254, protocol: ROUTE_PROTOCOL, scope: RT_SCOPE_LINK, type: RTN_UNICAST, oif: 10 });
    rt.setRoute({ dst: '100.64.0.5/32', target: { kind: 'workload', ifname: 'cali0000000001' } });
    expect((await rt.apply()).deferredDeletions).toBe(1);
    await clock.advance(60_000);
    expect((await rt.apply()).removed).toBe(0);
    expect(kernel.find('100.64.0.99/32')).toHaveLength(1); // not in sync yet: nothing cleaned
    rt.markInSync();
    const r = await rt.apply();
    expect(r).toMatchObject({ removed: 0, deferredDeletions: 1 });
    await clock.advance(9_000);
    expect((await rt.apply()).removed).toBe(0);
    await clock.advance(1_000);
    expect((await rt.apply()).removed).toBe(1);
    expect(kernel.find('100.64.0.99/32')).toHaveLength(0);
    rt.removeRoute('100.64.0.5/32');
    expect((await rt.apply()).removed).toBe(1);
    expect(ours(kernel)).toHaveLength(0);
  });

  it('a stale route that becomes desired again within the grace period is kept', async () => {
    const { kernel, clock, rt } = setup();
    kernel.inject({ family: 4, dst: '100.64.0.7', dstLen: 32, table: 254, protocol: ROUTE_PROTOCOL, scope: RT_SCOPE_LINK, type: RTN_UNICAST, oif: 10 });
    rt.markInSync();
    await rt.apply();
    await clock.advance(5_000);
    rt.setRoute({ dst: '100.64.0.7/32', target: { kind: 'workload', ifname: 'cali0000000001' } });
    const r = await rt.apply();
    expect(r).toMatchObject({ programmed: 0, removed: 0 });
    expect(kernel.find('100.64.0.7/32')).toHaveLength(1);
  });

  it('waits for an interface that is unknown or down, then programs the route when it appears', async () => {
    const { kernel, rt } = setup();
    rt.setRoute({ dst: '100.64.0.6/32', target: { kind: 'workload', ifname: 'cali0000000002' } });
    const r1 = await rt.apply();
    expect(r1).toMatchObject({ programmed: 0, failures: [], waitingForLink: 1 });
    expect(rt.waitingForLink()).toEqual(new Map([['100.64.0.6/32', 'cali0000000002']]));
    kernel.addLink('cali0000000002', 11, false);
    rt.linkUpdate('cali0000000002', 11, false);
    expect((await rt.apply()).waitingForLink).toBe(1);
    kernel.setLinkUp(11, true);
    rt.linkUpdate('cali0000000002', 11, true);
    expect(await rt.apply()).toMatchObject({ programmed: 1, waitingForLink: 0 });
    expect(kernel.find('100.64.0.6/32')[0]?.oif).toBe(11);
    // recreated with a new index: the route follows
    kernel.removeLink(11);
    rt.linkUpdate('cali0000000002', undefined);
    expect((await rt.apply()).waitingForLink).toBe(1);
    kernel.addLink('cali0000000002', 12);
    rt.linkUpdate('cali0000000002', 12, true);
    expect((await rt.apply()).programmed).toBe(1);
    expect(kernel.find('100.64.0.6/32')[0]?.oif).toBe(12);
  });

  it('finds an interface through the periodic link dump even without link events', async () => {
    const { kernel, clock, rt } = setup({ resyncIntervalMs: 90_000 });
    rt.setRoute({ dst: '100.64.0.8/32', target: { kind: 'workload', ifname: 'cali0000000003' } });
    await rt.apply();
    kernel.addLink('cali0000000003', 13);
    await clock.advance(90_000);
    expect(await rt.apply()).toMatchObject({ resynced: true, programmed: 1 });
  });

  it('retries failed writes with backoff and reports them per route', async () => {
    const { kernel, clock, rt } = setup({ retryMinMs: 100 });
    kernel.failWith.set('100.64.0.5/32', ENODEV);
    rt.setRoute({ dst: '100.64.0.5/32', target: { kind: 'workload', ifname: 'cali0000000001' } });
    rt.setRoute({ dst: '100.64.1.0/26', target: { kind: 'blackhole' } });
    const r1 = await rt.apply();
    expect(r1.programmed).toBe(1);
    expect(r1.failures).toEqual([{ dst: '100.64.0.5/32', op: 'set', error: 'programming 100.64.0.5/32: ENODEV (No such device): injected failure' }]);
    expect(rt.metrics.routeErrors).toBe(1);
    const n = kernel.calls.requests;
    await rt.apply(); // inside the backoff: not retried
    expect(kernel.calls.requests).toBe(n);
    kernel.failWith.delete('100.64.0.5/32');
    await clock.advance(100);
    expect(await rt.apply()).toMatchObject({ programmed: 1, failures: [] });
  });

  it('re-reads the kernel after a lost ack and converges', async () => {
    const { kernel, rt } = setup();
    kernel.loseAck.add('100.64.1.0/26');
    rt.setRoute({ dst: '100.64.1.0/26', target: { kind: 'blackhole' } });
    const r1 = await rt.apply();
    expect(r1.failures[0]?.error).toMatch(/ack lost/);
    const dumps = kernel.calls.dumps;
    const r2 = await rt.apply();
    expect(kernel.calls.dumps).toBeGreaterThan(dumps);
    expect(r2).toMatchObject({ resynced: true, programmed: 0, failures: [] }); // the write had landed
    expect(rt.pendingUpdates).toBe(0);
  });

  it('a restarted manager recognises its routes: nothing rewritten, stale ones removed after in-sync', async () => {
    const { kernel, clock, rt } = setup({ gracePeriodMs: 0 });
    rt.setRoute({ dst: '100.64.0.5/32', target: { kind: 'workload', ifname: 'cali0000000001' } });
    rt.setRoute({ dst: '100.64.1.0/26', target: { kind: 'blackhole' } });
    rt.setRoute({ dst: '2001:db8:1::/122', target: { kind: 'blackhole' } });
    await rt.apply();
    const rt2 = new RouteTable({ kernel, clock, gracePeriodMs: 0 });
    rt2.setRoute({ dst: '100.64.0.5/32', target: { kind: 'workload', ifname: 'cali0000000001' } });
    rt2.setRoute({ dst: '2001:db8:1::/122', target: { kind: 'blackhole' } });
    expect(await rt2.apply()).toMatchObject({ programmed: 0, removed: 0, deferredDeletions: 1 });
    rt2.markInSync();
    expect(await rt2.apply()).toMatchObject({ programmed: 0, removed: 1 });
    expect(ours(kernel).map((r) => `${r.dst}/${r.dstLen}`).sort()).toEqual(['100.64.0.5/32', '2001:db8:1::/122']);
  });

  it('periodic resync (started) repairs a route removed behind its back and rewrites a changed one', async () => {
    const { kernel, clock, rt } = setup({ resyncIntervalMs: 90_000 });
    rt.setRoute({ dst: '100.64.2.0/26', target: { kind: 'via', nextHops: [{ gateway: '198.18.0.2' }] } });
    rt.start();
    await clock.advance(0);
    expect(kernel.find('100.64.2.0/26')).toHaveLength(1);
    kernel.routes.clear();
    await clock.advance(89_000);
    expect(kernel.find('100.64.2.0/26')).toHaveLength(0);
    await clock.advance(1_000);
    expect(kernel.find('100.64.2.0/26')[0]?.gateway).toBe('198.18.0.2');
    rt.setRoute({ dst: '100.64.2.0/26', target: { kind: 'via', nextHops: [{ gateway: '198.18.0.2' }, { gateway: '198.18.0.4' }] } });
    await rt.apply();
    expect(kernel.find('100.64.2.0/26')[0]?.multipath).toHaveLength(2);
    expect(rt.metrics.resyncs).toBe(2);
    rt.stop();
  });

  it('changes a route\'s metric without leaving the old route behind, and removes duplicates of ours', async () => {
    const { kernel, rt } = setup({ gracePeriodMs: 0 });
    rt.setRoute({ dst: '2001:db8:7::/122', target: { kind: 'blackhole' }, metric: 100 });
    await rt.apply();
    rt.setRoute({ dst: '2001:db8:7::/122', target: { kind: 'blackhole' }, metric: 200 });
    expect(await rt.apply()).toMatchObject({ programmed: 1, failures: [] });
    expect(kernel.find('2001:db8:7::/122').map((r) => r.priority)).toEqual([200]);
    // another copy of ours at the same prefix (e.g. left by a crash during a metric change)
    kernel.inject({ family: 6, dst: '2001:db8:7::', dstLen: 122, table: 254, protocol: ROUTE_PROTOCOL, scope: 0, type: RTN_BLACKHOLE, priority: 50 });
    rt.markInSync();
    rt.requestResync();
    expect(await rt.apply()).toMatchObject({ removed: 1, programmed: 0 });
    expect(kernel.find('2001:db8:7::/122').map((r) => r.priority)).toEqual([200]);
    expect(rt.routeCount).toBe(1);
  });

  it('hands big applies to the kernel in chunks of 1024, a metric change\'s delete with its set', async () => {
    const { kernel, rt } = setup();
    for (let i = 0; i < 1023; i++) rt.setRoute({ dst: `100.64.${i >> 8}.${i & 255}/32`, target: { kind: 'blackhole' } });
    await rt.apply();
    rt.setRoute({ dst: '2001:db8:8::/122', target: { kind: 'blackhole' } }); // one plain add first: the pairs start at index 1
    for (let i = 0; i < 1023; i++) rt.setRoute({ dst: `100.64.${i >> 8}.${i & 255}/32`, target: { kind: 'blackhole' }, metric: 5 });
    kernel.calls.batchSizes.length = 0;
    const r = await rt.apply();
    expect(r).toMatchObject({ programmed: 1024, failures: [] });
    // 1 + 2 x 1023 requests; request 1023 is a delete whose set is request 1024: they go together
    expect(kernel.calls.batchSizes).toEqual([1025, 1022]);
    expect(kernel.routes.size).toBe(1024);
    expect(kernel.find('100.64.3.254/32').map((x) => x.priority)).toEqual([5]);
  });

  it('serialises concurrent apply calls', async () => {
    const { kernel, rt } = setup();
    rt.setRoute({ dst: '100.64.1.0/26', target: { kind: 'blackhole' } });
    const a = rt.apply();
    rt.setRoute({ dst: '100.64.1.64/26', target: { kind: 'blackhole' } });
    const b = rt.apply();
    const c = rt.apply();
    const [ra, rb, rc] = await Promise.all([a, b, c]);
    expect(ra.programmed + rb.programmed).toBe(2);
    expect(rb).toBe(rc);
    expect(ours(kernel)).toHaveLength(2);
  });
});
