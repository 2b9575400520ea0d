// Kernel settings the agent owns on host-side workload interfaces (`cali*`),
// as Calico's Felix writes them (REFERENCE.md "Workload plumbing"):
//   IPv4  conf/<if>/proxy_arp=1        answer the pod's ARP for 169.254.1.1
//         neigh/<if>/proxy_delay=0     ... without the default random delay
//         conf/<if>/forwarding=1
//         conf/<if>/route_localnet=1
//   IPv6  conf/<if>/proxy_ndp=1, conf/<if>/forwarding=1
// Values go through /proc/sys. A SysctlWriter is injected: procSysWriter()
// writes the files directly, in the agent's own namespace or — for tests and
// demos — inside a named one (the main thread enters the namespace for the
// synchronous write: /proc/sys/net resolves against the writing thread's
// namespace, see netlink/netns.ts). Unit tests use a recording fake.
import { readFileSync, writeFileSync } from 'node:fs';
import { WORKLOAD_IF_PREFIX } from '../constants.js';
import { withNetns } from '../netlink/netns.js';

export interface SysctlWriter {
  /** path relative to /proc/sys, e.g. "net/ipv4/conf/cali1234/proxy_arp" */
  write(path: string, value: string): void;
  read(path: string): string;
}

export function procSysWriter(netns?: string): SysctlWriter {
  const full = (p: string): string => `/proc/sys/${p}`;
  return {
    write(path, value) {
      try {
        withNetns(netns, () => writeFileSync(full(path), value));
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        const where = netns ? ` in network namespace ${netns}` : '';
        if (err.code === 'ENOENT') throw new Error(`sysctl ${path}${where}: no such setting (does the interface exist, is the address family enabled on it?)`, { cause: e });
        throw new Error(`sysctl ${path}=${value}${where}: ${err.message}`, { cause: e });
      }
    },
    read: (path) => withNetns(netns, () => readFileSync(full(path), 'utf8')).trim(),
  };
}

export interface WorkloadInterfaceOptions {
  ipv4?: boolean;   // default true
  ipv6?: boolean;   // default false
  prefix?: string;  // only interfaces with this prefix are touched (default "cali")
}

/** The settings for one workload interface, as [path, value] pairs in write order. */
export function workloadSysctls(ifname: string, opts: WorkloadInterfaceOptions = {}): [string, string][] {
  const prefix = opts.prefix ?? WORKLOAD_IF_PREFIX;
  if (!ifname.startsWith(prefix) || !/^[A-Za-z0-9_-]{1,15}$/.test(ifname)) {
    throw new Error(`refusing to configure ${JSON.stringify(ifname)}: not a workload interface (expected "${prefix}" + up to ${15 - prefix.length} characters)`);
  }
  const out: [string, string][] = [];
  if (opts.ipv4 ?? true) {
    out.push([`net/ipv4/conf/${ifname}/proxy_arp`, '1'], [`net/ipv4/neigh/${ifname}/proxy_delay`, '0'],
      [`net/ipv4/conf/${ifname}/forwarding`, '1'], [`net/ipv4/conf/${ifname}/route_localnet`, '1']);
  }
  if (opts.ipv6 ?? false) out.push([`net/ipv6/conf/${ifname}/proxy_ndp`, '1'], [`net/ipv6/conf/${ifname}/forwarding`, '1']);
  return out;
}

/** Writes the workload settings; throws naming the first setting that failed. */
export function configureWorkloadInterface(ifname: string, writer: SysctlWriter, opts: WorkloadInterfaceOptions = {}): void {
  for (const [path, value] of workloadSysctls(ifname, opts)) writer.write(path, value);
}
