// Interface monitor and workload sysctls against the real kernel in a
// namespace of our own: events for veths that appear, go down, are renamed
// and deleted; the workload settings written through /proc/sys inside the
// namespace and read back with sysctl(8) run there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, waitUntil } from '../../../test/netns/index.js';
import { InterfaceMonitor, type LinkInfo } from './monitor.js';
import { configureWorkloadInterface, procSysWriter } from './workload-sysctls.js';

let lab: Lab;
let ns: string;
const ip = (...args: string[]) => lab.exec(ns, ['ip', ...args]);

beforeAll(async () => {
  lab = Lab.create('links');
  ns = await lab.namespace('node');
});
afterAll(() => lab?.teardown());

describe('interface monitor (real kernel)', () => {
  it('lists interfaces at start and follows add, down, rename and delete', async () => {
    await ip('link', 'add', 'cali0000000001', 'type', 'veth', 'peer', 'name', 'peer1');
    const mon = new InterfaceMonitor({ netns: ns });
    const seen: [string, LinkInfo | undefined][] = [];
    mon.onLink((name, l) => seen.push([name, l]));
    await mon.start();
    try {
      expect(mon.get('lo')?.index).toBe(1);
      expect(mon.get('cali0000000001')).toMatchObject({ up: false });
      await ip('link', 'set', 'cali0000000001', 'up');
      await waitUntil('up event', () => mon.get('cali0000000001')?.up, Boolean, { intervalMs: 10 });
      await ip('link', 'set', 'cali0000000001', 'down');
      await waitUntil('down event', () => mon.get('cali0000000001')?.up === false, Boolean, { intervalMs: 10 });
      const index = mon.get('cali0000000001')?.index;
      await ip('link', 'set', 'cali0000000001', 'name', 'cali0000000002');
      await waitUntil('rename', () => mon.get('cali0000000002')?.index === index && mon.get('cali0000000001') === undefined, Boolean, { intervalMs: 10 });
      await ip('link', 'del', 'cali0000000002');
      await waitUntil('delete', () => mon.get('cali0000000002') === undefined && mon.get('peer1') === undefined, Boolean, { intervalMs: 10 });
      expect(seen.filter(([n, l]) => n === 'cali0000000001' && l === undefined)).toHaveLength(1);
      expect(mon.failure).toBeUndefined();
      expect(mon.stats.events).toBeGreaterThan(3);
    } finally {
      await mon.stop();
    }
  });
});

describe('interface monitor resync', () => {
  it('relists on its resync interval and stops cleanly', async () => {
    const mon = new InterfaceMonitor({ netns: ns, resyncIntervalMs: 50 });
    await mon.start();
    await waitUntil('three relists', () => mon.stats.relists, (n) => n >= 3, { intervalMs: 10 });
    await mon.stop();
    const after = mon.stats.relists;
    await new Promise((r) => setTimeout(r, 150));
    expect(mon.stats.relists).toBe(after);
  });
});

describe('workload interface sysctls (real kernel)', () => {
  it('writes proxy_arp, proxy_delay, forwarding, route_localnet, proxy_ndp inside the namespace only', async () => {
    await ip('link', 'add', 'calia1b2c3d4e5f', 'type', 'veth', 'peer', 'name', 'wl0');
    const get = async (key: string) => (await lab.exec(ns, ['sysctl', '-n', key])).trim();
    expect(await get('net.ipv4.conf.calia1b2c3d4e5f.proxy_arp')).toBe('0');
    configureWorkloadInterface('calia1b2c3d4e5f', procSysWriter(ns), { ipv6: true });
    expect(await get('net.ipv4.conf.calia1b2c3d4e5f.proxy_arp')).toBe('1');
    expect(await get('net.ipv4.neigh.calia1b2c3d4e5f.proxy_delay')).toBe('0');
    expect(await get('net.ipv4.conf.calia1b2c3d4e5f.forwarding')).toBe('1');
    expect(await get('net.ipv4.conf.calia1b2c3d4e5f.route_localnet')).toBe('1');
    expect(await get('net.ipv6.conf.calia1b2c3d4e5f.proxy_ndp')).toBe('1');
    expect(await get('net.ipv6.conf.calia1b2c3d4e5f.forwarding')).toBe('1');
    expect(procSysWriter(ns).read('net/ipv4/conf/calia1b2c3d4e5f/proxy_arp')).toBe('1');
    // an interface that does not exist: a readable error
    expect(() => configureWorkloadInterface('cali0notthere', procSysWriter(ns))).toThrow(/no such setting \(does the interface exist/);
  });
});
