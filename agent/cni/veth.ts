// The workload's veth pair, built with iproute2 through an injected Exec
// (REFERENCE.md "Workload plumbing"; Calico's CNI plugin does the same with
// netlink). Our netlink module (agent/dataplane/netlink) has routes and link
// dumps but no link/address creation, and its namespace switch only takes
// /var/run/netns names while CNI_NETNS may be any path (/proc/<pid>/ns/net),
// so the pod side runs as `nsenter --net=<path> ip -batch -`. Commands are
// batched: IPv4-only ADD is two processes, dual stack four (cni/README.md
// has the measured cost).
//   host:  link add caliX address ee:ee:ee:ee:ee:ee type veth peer name eth0 netns <pod>
//          link set caliX up
//   pod:   link set eth0 up; addr add <ip>/32 (v6: /128 nodad)
//          route add 169.254.1.1 dev eth0 scope link; route add <dst> via 169.254.1.1 dev eth0
//          -6 route add <dst> via <caliX's fe80::> dev eth0   (once the host side has its link-local)
import { WORKLOAD_MAC } from '../dataplane/constants.js';
import { type Exec, ExecError, mustRun } from './exec.js';

export const GATEWAY_V4 = '169.254.1.1';

export interface VethOptions {
  exec: Exec;
  /** argv prefix for host-side iproute2 (default ['ip']; tests: ['ip', '-n', '<node ns>']) */
  hostIp?: readonly string[];
  /** how long to wait for the host side's IPv6 link-local address (default 5 s) */
  linkLocalTimeoutMs?: number;
}

export interface VethSpec {
  hostIf: string;
  podNetns: string;
  podIf: string;
  mtu?: number;
  /** addresses without prefix length */
  ipv4: readonly string[];
  ipv6: readonly string[];
  /** pod route destinations per family (only used when the family has addresses) */
  routes4: readonly string[];
  routes6: readonly string[];
}

export interface VethCreated { hostIndex: number; podMac: string; hostLinkLocal?: string }

export interface PodState { addresses: string[]; routes: { dst: string; gateway?: string }[]; mac?: string }

const notFound = (r: { stderr: string }): boolean => /Cannot find device|does not exist|No such device/i.test(r.stderr);

export class VethDriver {
  private readonly exec: Exec;
  private readonly hostIp: readonly string[];
  private readonly llTimeoutMs: number;

  constructor(opts: VethOptions) {
    this.exec = opts.exec;
    this.hostIp = opts.hostIp ?? ['ip'];
    this.llTimeoutMs = opts.linkLocalTimeoutMs ?? 5000;
  }

  private podIp(netns: string): string[] { return ['nsenter', `--net=${netns}`, 'ip']; }

  /** Creates the pair and configures the pod side. Throws ExecError; the caller cleans up with remove(). */
  async create(s: VethSpec): Promise<VethCreated> {
    const mtu = s.mtu ? ` mtu ${s.mtu}` : '';
    const host = [
      `link add ${s.hostIf} address ${WORKLOAD_MAC}${mtu} type veth peer name ${s.podIf}${mtu} netns ${s.podNetns}`,
      `link set ${s.hostIf} up`,
      `link show dev ${s.hostIf}`,
    ].join('\n') + '\n';
    let r = await this.exec.run([...this.hostIp, '-o', '-batch', '-'], host);
    if (r.code !== 0 && /File exists/.test(r.stderr)) {
      // a stale host side from an earlier sandbox of the same pod (same name): replace it
      await this.exec.run([...this.hostIp, 'link', 'del', s.hostIf]);
      r = await this.exec.run([...this.hostIp, '-o', '-batch', '-'], host);
    }
    if (r.code !== 0) throw new ExecError([...this.hostIp, '-o', '-batch', '-'], r, host);
    const hostIndex = Number(/^(\d+):/m.exec(r.stdout)?.[1]);
    if (!Number.isInteger(hostIndex) || hostIndex <= 0) throw new Error(`cannot read the index of ${s.hostIf} from: ${r.stdout.trim()}`);

    const pod = [`link set ${s.podIf} up`];
    for (const a of s.ipv4) pod.push(`addr add ${a}/32 dev ${s.podIf}`);
    for (const a of s.ipv6) pod.push(`addr add ${a}/128 dev ${s.podIf} nodad`);
    if (s.ipv4.length) {
      pod.push(`route add ${GATEWAY_V4} dev ${s.podIf} scope link`);
      for (const d of s.routes4) pod.push(`route add ${d} via ${GATEWAY_V4} dev ${s.podIf}`);
    }
    pod.push(`link show dev ${s.podIf}`);
    const out = await mustRun(this.exec, [...this.podIp(s.podNetns), '-o', '-batch', '-'], pod.join('\n') + '\n');
    const podMac = /link\/ether ([0-9a-f:]{17})/.exec(out)?.[1];
    if (!podMac) throw new Error(`cannot read the MAC address of ${s.podIf} in ${s.podNetns} from: ${out.trim()}`);

    const created: VethCreated = { hostIndex, podMac };
    if (s.ipv6.length) {
      const ll = await this.hostLinkLocal(s.hostIf);
      created.hostLinkLocal = ll;
      if (s.routes6.length) {
        const v6 = s.routes6.map((d) => `route add ${d} via ${ll} dev ${s.podIf}`).join('\n') + '\n';
        await mustRun(this.exec, [...this.podIp(s.podNetns), '-batch', '-'], v6);
      }
    }
    return created;
  }

  /** The host side's fe80:: address (appears once both ends are up; polled). */
  async hostLinkLocal(hostIf: string): Promise<string> {
    const deadline = Date.now() + this.llTimeoutMs;
    for (let wait = 2; ; wait = Math.min(wait * 2, 100)) {
      const out = await mustRun(this.exec, [...this.hostIp, '-j', '-6', 'addr', 'show', 'dev', hostIf, 'scope', 'link']);
      const info = (JSON.parse(out || '[]') as { addr_info?: { local?: string }[] }[])[0]?.addr_info ?? [];
      const ll = info.find((a) => a.local?.startsWith('fe80:'))?.local;
      if (ll) return ll;
      if (Date.now() > deadline) throw new Error(`${hostIf} has no IPv6 link-local address after ${this.llTimeoutMs} ms (is IPv6 disabled on the host?)`);
      await new Promise((res) => setTimeout(res, wait));
    }
  }

  /**
   * Deletes the pod side in its namespace (which removes the pair) and, when
   * named, the host side. Missing interfaces or a gone namespace are not errors.
   */
  async remove(p: { podNetns?: string | undefined; podIf: string; hostIf?: string | undefined }): Promise<void> {
    if (p.podNetns) {
      const r = await this.exec.run([...this.podIp(p.podNetns), 'link', 'del', p.podIf]);
      // nsenter fails when the namespace is already gone: the pair went with it
      if (r.code !== 0 && !notFound(r) && !/nsenter: (cannot open|reassociate)/.test(r.stderr)) throw new ExecError([...this.podIp(p.podNetns), 'link', 'del', p.podIf], r);
    }
    if (p.hostIf) {
      const r = await this.exec.run([...this.hostIp, 'link', 'del', p.hostIf]);
      if (r.code !== 0 && !notFound(r)) throw new ExecError([...this.hostIp, 'link', 'del', p.hostIf], r);
    }
  }

  async hostLinkExists(hostIf: string): Promise<boolean> {
    const r = await this.exec.run([...this.hostIp, 'link', 'show', 'dev', hostIf]);
    if (r.code === 0) return true;
    if (notFound(r)) return false;
    throw new ExecError([...this.hostIp, 'link', 'show', 'dev', hostIf], r);
  }

  /** The device of the host's route to exactly dst, or undefined when there is none. */
  async hostRouteDev(dst: string): Promise<string | undefined> {
    const out = await mustRun(this.exec, [...this.hostIp, '-j', dst.includes(':') ? '-6' : '-4', 'route', 'show', 'exact', dst]);
    return (JSON.parse(out || '[]') as { dev?: string }[])[0]?.dev;
  }

  /** The pod interface's addresses (CIDR) and routes, for CHECK; undefined when the interface is missing. */
  async inspectPod(podNetns: string, podIf: string): Promise<PodState | undefined> {
    const base = this.podIp(podNetns);
    const link = await this.exec.run([...base, '-j', 'addr', 'show', 'dev', podIf]);
    if (link.code !== 0) {
      if (notFound(link) || /nsenter/.test(link.stderr)) return undefined;
      throw new ExecError([...base, '-j', 'addr', 'show', 'dev', podIf], link);
    }
    const l = (JSON.parse(link.stdout || '[]') as { address?: string; addr_info?: { local: string; prefixlen: number; scope?: string }[] }[])[0];
    const addresses = (l?.addr_info ?? []).filter((a) => a.scope !== 'link').map((a) => `${a.local}/${a.prefixlen}`);
    const routes: PodState['routes'] = [];
    for (const fam of ['-4', '-6']) {
      const out = await mustRun(this.exec, [...base, '-j', fam, 'route', 'show', 'dev', podIf]);
      for (const r of JSON.parse(out || '[]') as { dst: string; gateway?: string }[]) {
        routes.push(r.gateway ? { dst: r.dst, gateway: r.gateway } : { dst: r.dst });
      }
    }
    const st: PodState = { addresses, routes };
    if (l?.address) st.mac = l.address;
    return st;
  }
}
