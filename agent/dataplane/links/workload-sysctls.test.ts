// Workload interface settings: the exact sysctls, in order, through a
// recording writer; refusal to touch interfaces without the workload prefix.
import { describe, expect, it } from 'vitest';
import { configureWorkloadInterface, type SysctlWriter, workloadSysctls } from './workload-sysctls.js';

describe('workload interface sysctls', () => {
  it('writes proxy_arp, proxy_delay, forwarding, route_localnet (and IPv6 proxy_ndp, forwarding)', () => {
    const written: string[] = [];
    const w: SysctlWriter = { write: (p, v) => { written.push(`${p}=${v}`); }, read: () => '' };
    configureWorkloadInterface('calia1b2c3d4e5f', w, { ipv6: true });
    expect(written).toEqual([
      'net/ipv4/conf/calia1b2c3d4e5f/proxy_arp=1', 'net/ipv4/neigh/calia1b2c3d4e5f/proxy_delay=0',
      'net/ipv4/conf/calia1b2c3d4e5f/forwarding=1', 'net/ipv4/conf/calia1b2c3d4e5f/route_localnet=1',
      'net/ipv6/conf/calia1b2c3d4e5f/proxy_ndp=1', 'net/ipv6/conf/calia1b2c3d4e5f/forwarding=1',
    ]);
    expect(workloadSysctls('cali1', { ipv4: false })).toEqual([]);
  });

  it('refuses interfaces that are not workload interfaces, and path tricks', () => {
    expect(() => workloadSysctls('eth0')).toThrow(/refusing to configure "eth0": not a workload interface/);
    expect(() => workloadSysctls('cali/../all')).toThrow(/refusing/);
    expect(() => workloadSysctls('tap1', { prefix: 'tap' })).not.toThrow();
  });
});
