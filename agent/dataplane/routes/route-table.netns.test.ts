// RouteTable + rtnetlink against the real kernel, in a network namespace of
// our own (the netlink socket is opened inside it). What `ip` shows is the
// independent check: workload /32 and /128 dev-scope-link routes on veth
// `cali…` interfaces, blackholes, ECMP (IPv4, IPv6 global and link-local next
// hops), foreign routes untouched, a restarted manager reconciling its own
// routes (stale ones removed only after markInSync), an interface that
// appears later (interface monitor -> manager), and kill -9 of a writer in the
// middle of a big apply followed by a new manager converging with no
// duplicates or leaks.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, waitUntil } from '../../../test/netns/index.js';
import { ROUTE_PROTOCOL } from '../constants.js';
import { InterfaceMonitor } from '../links/monitor.js';
import { RtNetlink } from '../netlink/rtnetlink.js';
import { RouteTable } from './route-table.js';

interface IpRoute { dst: string; dev?: string; gateway?: string; protocol?: string; scope?: string; type?: string; metric?: number; nexthops?: { gateway: string; dev: string }[] }

let lab: Lab;
let ns: string;
const kernels: RtNetlink[] = [];

const ip = (...args: string[]) => lab.exec(ns, ['ip', ...args]);
async function routes(family: 4 | 6, ...filter: string[]): Promise<IpRoute[]> {
  return JSON.parse(await ip('-j', `-${family}`, 'route', 'show', 'table', 'main', ...filter)) as IpRoute[];
}
const oursIn = (family: 4 | 6) => routes(family, 'proto', String(ROUTE_PROTOCOL));
/** This kernel has no dummy driver: a veth pair inside the namespace, both ends up, stands in for an interface. */
async function mkif(name: string): Promise<void> {
  await ip('link', 'add', name, 'type', 'veth', 'peer', 'name', `x${name}`);
  await ip('link', 'set', `x${name}`, 'up');
  await ip('link', 'set', name, 'up');
}
const kernel = (acks: 'each' | 'last' = 'last'): RtNetlink => { const k = RtNetlink.open({ netns: ns, acks }); kernels.push(k); return k; };

beforeAll(async () => {
  lab = Lab.create('rtable');
  ns = await lab.namespace('node');
  for (const name of ['cali00000000a1', 'cali00000000a2', 'uplink']) await mkif(name);
  await lab.address(ns, 'uplink', '198.18.0.1/24');
  await lab.address(ns, 'uplink', '2001:db8:ff::1/64');
});

afterAll(() => {
  for (const k of kernels) k.close();
  lab?.teardown();
});

describe('RouteTable on the real kernel', () => {
  it('adds and removes workload, blackhole and ECMP routes (IPv4 and IPv6) with protocol 201 (every request acked)', async () => {
    const rt = new RouteTable({ kernel: kernel('each'), gracePeriodMs: 0 });
    rt.setRoute({ dst: '100.64.0.5/32', target: { kind: 'workload', ifname: 'cali00000000a1' } });
    rt.setRoute({ dst: '2001:db8:1::5/128', target: { kind: 'workload', ifname: 'cali00000000a2' } });
    rt.setRoute({ dst: '100.64.1.0/26', target: { kind: 'blackhole' } });
    rt.setRoute({ dst: '2001:db8:1::/122', target: { kind: 'blackhole' } });
    rt.setRoute({ dst: '100.64.2.0/26', target: { kind: 'via', nextHops: [{ gateway: '198.18.0.2' }, { gateway: '198.18.0.3' }] } });
    rt.setRoute({ dst: '2001:db8:2::/122', target: { kind: 'via', nextHops: [{ gateway: '2001:db8:ff::2' }, { gateway: '2001:db8:ff::3' }] } });
    rt.setRoute({ dst: '2001:db8:3::/122', target: { kind: 'via', nextHops: [{ gateway: 'fe80::2', ifname: 'uplink' }, { gateway: 'fe80::3', ifname: 'uplink' }] } });
    rt.setRoute({ dst: '2001:db8:4::/122', target: { kind: 'via', nextHops: [{ gateway: 'fe80::4', ifname: 'uplink' }] } });
    rt.markInSync();
    const r = await rt.apply();
    expect(r.failures).toEqual([]);
    expect(r.programmed).toBe(8);

    const v4 = await oursIn(4);
    expect(v4.find((x) => x.dst === '100.64.0.5')).toMatchObject({ dev: 'cali00000000a1', scope: 'link' });
    expect(v4.find((x) => x.dst === '100.64.1.0/26')).toMatchObject({ type: 'blackhole' });
    expect(v4.find((x) => x.dst === '100.64.2.0/26')?.nexthops?.map((h) => h.gateway).sort()).toEqual(['198.18.0.2', '198.18.0.3']);
    const v6 = await oursIn(6);
    expect(v6.find((x) => x.dst === '2001:db8:1::5')).toMatchObject({ dev: 'cali00000000a2' });
    expect(v6.find((x) => x.dst === '2001:db8:1::/122')).toMatchObject({ type: 'blackhole' });
    expect(v6.find((x) => x.dst === '2001:db8:2::/122')?.nexthops?.map((h) => h.gateway).sort()).toEqual(['2001:db8:ff::2', '2001:db8:ff::3']);
    expect(v6.find((x) => x.dst === '2001:db8:3::/122')?.nexthops).toEqual([
      expect.objectContaining({ gateway: 'fe80::2', dev: 'uplink' }), expect.objectContaining({ gateway: 'fe80::3', dev: 'uplink' })]);
    expect(v6.find((x) => x.dst === '2001:db8:4::/122')).toMatchObject({ gateway: 'fe80::4', dev: 'uplink' });

    // what the kernel reports back equals what we asked for: nothing to do
    rt.requestResync();
    expect(await rt.apply()).toMatchObject({ resynced: true, programmed: 0, removed: 0 });

    for (const dst of ['100.64.0.5/32', '2001:db8:1::5/128', '100.64.1.0/26', '2001:db8:1::/122', '100.64.2.0/26', '2001:db8:2::/122', '2001:db8:3::/122', '2001:db8:4::/122']) rt.removeRoute(dst);
    expect(await rt.apply()).toMatchObject({ removed: 8, failures: [] });
    expect([...await oursIn(4), ...await oursIn(6)]).toEqual([]);
  });

  it('changes routes in place: next hops 1 -> 2 -> 1 (IPv4, IPv6), kind, and metric, with one route per prefix throughout', async () => {
    const rt = new RouteTable({ kernel: kernel(), gracePeriodMs: 0 });
    const one4 = { kind: 'via' as const, nextHops: [{ gateway: '198.18.0.2' }] };
    const two4 = { kind: 'via' as const, nextHops: [{ gateway: '198.18.0.2' }, { gateway: '198.18.0.3' }] };
    const one6 = { kind: 'via' as const, nextHops: [{ gateway: 'fe80::2', ifname: 'uplink' }] };
    const two6 = { kind: 'via' as const, nextHops: [{ gateway: 'fe80::2', ifname: 'uplink' }, { gateway: '2001:db8:ff::3' }] };
    const check = async (want4: string[], want6: string[]) => {
      const [r4] = await routes(4, '100.64.7.0/26');
      const [r6, extra] = await routes(6, '2001:db8:7::/122');
      expect(extra).toBeUndefined();
      expect(r4?.nexthops?.map((h) => h.gateway).sort() ?? [r4?.gateway]).toEqual(want4);
      expect(r6?.nexthops?.map((h) => h.gateway).sort() ?? [r6?.gateway]).toEqual(want6);
      rt.requestResync();
      expect(await rt.apply()).toMatchObject({ programmed: 0, removed: 0 }); // the kernel reads back as desired
    };
    rt.setRoute({ dst: '100.64.7.0/26', target: one4 });
    rt.setRoute({ dst: '2001:db8:7::/122', target: one6 });
    await rt.apply();
    await check(['198.18.0.2'], ['fe80::2']);
    rt.setRoute({ dst: '100.64.7.0/26', target: two4 });
    rt.setRoute({ dst: '2001:db8:7::/122', target: two6 });
    expect(await rt.apply()).toMatchObject({ programmed: 2, failures: [] });
    await check(['198.18.0.2', '198.18.0.3'], ['2001:db8:ff::3', 'fe80::2']);
    rt.setRoute({ dst: '100.64.7.0/26', target: one4 });
    rt.setRoute({ dst: '2001:db8:7::/122', target: one6 });
    expect(await rt.apply()).toMatchObject({ programmed: 2, failures: [] });
    await check(['198.18.0.2'], ['fe80::2']);
    rt.setRoute({ dst: '2001:db8:7::/122', target: { kind: 'blackhole' }, metric: 300 });
    expect(await rt.apply()).toMatchObject({ programmed: 1, failures: [] });
    const v6 = await routes(6, '2001:db8:7::/122');
    expect(v6).toHaveLength(1);
    expect(v6[0]).toMatchObject({ type: 'blackhole', metric: 300 });
    rt.removeRoute('100.64.7.0/26');
    rt.removeRoute('2001:db8:7::/122');
    await rt.apply();
    expect([...await oursIn(4), ...await oursIn(6)]).toEqual([]);
  });

  it('leaves foreign routes alone: a conflicting prefix is reported, nothing of theirs is replaced or deleted', async () => {
    await ip('route', 'add', 'blackhole', '100.64.9.0/26', 'proto', 'static');
    await ip('route', 'add', '100.64.9.64/26', 'via', '198.18.0.9', 'proto', 'bird');
    await ip('-6', 'route', 'add', '2001:db8:9::/122', 'dev', 'cali00000000a1', 'proto', 'zebra');
    const rt = new RouteTable({ kernel: kernel(), gracePeriodMs: 0 });
    rt.setRoute({ dst: '100.64.9.0/26', target: { kind: 'via', nextHops: [{ gateway: '198.18.0.2' }] } });
    rt.markInSync();
    const r = await rt.apply();
    expect(r.failures.map((f) => f.dst)).toEqual(['100.64.9.0/26']);
    expect(r.failures[0]?.error).toMatch(/conflict/);
    rt.removeRoute('100.64.9.0/26');
    await rt.apply();
    expect((await routes(4, '100.64.9.0/26'))[0]).toMatchObject({ type: 'blackhole', protocol: 'static' });
    expect((await routes(4, '100.64.9.64/26'))[0]).toMatchObject({ gateway: '198.18.0.9', protocol: 'bird' });
    expect((await routes(6, '2001:db8:9::/122'))[0]).toMatchObject({ dev: 'cali00000000a1', protocol: 'zebra' });
    await ip('route', 'del', '100.64.9.0/26');
    await ip('route', 'del', '100.64.9.64/26');
    await ip('-6', 'route', 'del', '2001:db8:9::/122');
  });

  it.each(['each', 'last'] as const)('reports the kernel\'s own error text per route and keeps the rest of the batch (acks: %s)', async (acks) => {
    const rt = new RouteTable({ kernel: kernel(acks), gracePeriodMs: 0, retryMinMs: 50 });
    rt.setRoute({ dst: '100.64.6.0/26', target: { kind: 'blackhole' } });
    rt.setRoute({ dst: '100.64.6.64/26', target: { kind: 'via', nextHops: [{ gateway: '198.19.5.5' }] } }); // not on-link
    rt.setRoute({ dst: '100.64.6.128/26', target: { kind: 'blackhole' } });
    const r = await rt.apply();
    expect(r.programmed).toBe(2);
    expect(r.failures).toEqual([{ dst: '100.64.6.64/26', op: 'set', error: expect.stringMatching(/^programming 100.64.6.64\/26: ENETUNREACH \(Network is unreachable\): Nexthop has invalid gateway/) }]);
    expect((await oursIn(4)).map((x) => x.dst).sort()).toEqual(['100.64.6.0/26', '100.64.6.128/26']);
    for (const d of ['100.64.6.0/26', '100.64.6.64/26', '100.64.6.128/26']) rt.removeRoute(d);
    expect(await rt.apply()).toMatchObject({ removed: 2, failures: [] });
    expect(await oursIn(4)).toEqual([]);
  });

  it('a restarted manager adopts its routes and removes stale ones only after markInSync', async () => {
    const first = new RouteTable({ kernel: kernel() });
    for (let i = 1; i <= 20; i++) first.setRoute({ dst: `100.64.4.${i}/32`, target: { kind: 'workload', ifname: 'cali00000000a1' } });
    first.setRoute({ dst: '2001:db8:5::/122', target: { kind: 'blackhole' } });
    await first.apply();
    expect(await oursIn(4)).toHaveLength(20);

    const second = new RouteTable({ kernel: kernel(), gracePeriodMs: 0 });
    for (let i = 1; i <= 10; i++) second.setRoute({ dst: `100.64.4.${i}/32`, target: { kind: 'workload', ifname: 'cali00000000a1' } });
    second.setRoute({ dst: '2001:db8:5::/122', target: { kind: 'blackhole' } });
    const before = await second.apply();
    expect(before).toMatchObject({ programmed: 0, removed: 0, deferredDeletions: 10 });
    expect(await oursIn(4)).toHaveLength(20);
    second.markInSync();
    expect(await second.apply()).toMatchObject({ programmed: 0, removed: 10 });
    expect((await oursIn(4)).map((r) => r.dst).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `100.64.4.${i + 1}`).sort());
    for (let i = 1; i <= 10; i++) second.removeRoute(`100.64.4.${i}/32`);
    second.removeRoute('2001:db8:5::/122');
    await second.apply();
    expect([...await oursIn(4), ...await oursIn(6)]).toEqual([]);
  });

  it('programs a route for an interface that appears later, as soon as the monitor sees it', async () => {
    const monitor = new InterfaceMonitor({ netns: ns });
    const rt = new RouteTable({ kernel: kernel() });
    monitor.onLink((name, link) => rt.linkUpdate(name, link?.index, link?.up ?? false));
    await monitor.start();
    try {
      rt.setRoute({ dst: '100.64.0.77/32', target: { kind: 'workload', ifname: 'cali00000000b7' } });
      rt.setRoute({ dst: '2001:db8:1::77/128', target: { kind: 'workload', ifname: 'cali00000000b7' } });
      rt.start();
      await waitUntil('route table started', () => rt.metrics.applies > 0);
      expect(rt.waitingForLink().size).toBe(2);
      await mkif('cali00000000b7');
      await waitUntil('routes on cali00000000b7', async () => [...await routes(4, 'dev', 'cali00000000b7'), ...await routes(6, 'dev', 'cali00000000b7')]
        .filter((r) => r.protocol === String(ROUTE_PROTOCOL)).length, (n) => n === 2, { timeoutMs: 10_000, intervalMs: 20 });
      expect(rt.waitingForLink().size).toBe(0);
      // the interface goes away and comes back: the routes follow
      await ip('link', 'del', 'cali00000000b7');
      await waitUntil('routes waiting again', () => rt.waitingForLink().size, (n) => n === 2, { timeoutMs: 10_000, intervalMs: 20 });
      await mkif('cali00000000b7');
      await waitUntil('routes back on cali00000000b7', async () => (await routes(4, 'dev', 'cali00000000b7')).length, (n) => n === 1,
        { timeoutMs: 10_000, intervalMs: 20 });
      expect(monitor.failure).toBeUndefined();
    } finally {
      rt.stop();
      await monitor.stop();
    }
    await ip('link', 'del', 'cali00000000b7');
  });

  it('kill -9 of a writer in the middle of a big apply: a new manager converges with no duplicates or leaks', async () => {
    const N = 30_000;
    const writer = fileURLToPath(new URL('./testdata/bulk-writer.ts', import.meta.url));
    const proc = await lab.spawn(ns, 'bulk-writer', [process.execPath, '--import', 'tsx', writer, String(N), 'cali00000000a1', 'cali00000000a2']);
    const partial = await waitUntil('writer half way', async () => Number((await lab.exec(ns, ['sh', '-c', `ip -4 route show proto ${ROUTE_PROTOCOL} | wc -l`])).trim()),
      (n) => n >= 2_000 || !proc.alive(), { timeoutMs: 60_000, intervalMs: 10, diagnose: () => proc.logTail() });
    expect(proc.alive(), `writer finished before it could be killed (${partial} routes)\n${proc.logTail()}`).toBe(true);
    process.kill(proc.pid, 'SIGKILL');
    await waitUntil('writer gone', () => !proc.alive());
    const atKill = (await oursIn(4)).length;
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(N);

    // the new agent wants every even route of the set (on the other interface for some), nothing else
    const rt = new RouteTable({ kernel: kernel(), gracePeriodMs: 0 });
    const want = new Map<string, string>();
    for (let i = 0; i < N; i += 2) {
      const dst = `100.64.${100 + (i >> 8)}.${i & 255}`;
      const dev = i % 4 === 0 ? 'cali00000000a1' : 'cali00000000a2';
      want.set(dst, dev);
      rt.setRoute({ dst: `${dst}/32`, target: { kind: 'workload', ifname: dev } });
    }
    rt.markInSync();
    const r = await rt.apply();
    expect(r.failures).toEqual([]);
    const have = await oursIn(4);
    const seen = new Map<string, number>();
    for (const x of have) seen.set(x.dst, (seen.get(x.dst) ?? 0) + 1);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(have.length).toBe(want.size);
    expect(have.every((x) => want.get(x.dst) === x.dev && x.scope === 'link')).toBe(true);
    for (const dst of want.keys()) rt.removeRoute(`${dst}/32`);
    await rt.apply();
    expect(await oursIn(4)).toEqual([]);
  });
});
