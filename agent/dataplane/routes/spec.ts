// What the route table manager is asked to program, and how that maps to
// rtnetlink. A RouteSpec is keyed by its destination prefix and has one of
// three kinds (agent-context.md; REFERENCE.md "Workload plumbing"):
//   workload   <pod>/32 (/128) dev caliX scope link
//   blackhole  blackhole <local IPAM block>
//   via        <block> via <node> — several equal next hops become one ECMP
//              route (RTA_MULTIPATH); an IPv6 link-local next hop needs its
//              interface; an IPv4 route may use an IPv6 next hop (RFC 5549, RTA_VIA)
// resolve() turns a spec into the kernel message once the interfaces it names
// are known and up; routesEqual() compares desired with a dumped route on the
// fields we write only (the kernel adds its own: cache info, preference, ...).
import { type Family, formatAddress, formatPrefix, isLinkLocalV6, parseAddress, parsePrefix } from '../netlink/addr.js';
import {
  type NextHop, type RouteMessage, RT_SCOPE_LINK, RT_SCOPE_UNIVERSE, RTN_BLACKHOLE, RTN_UNICAST,
} from '../netlink/codec.js';

export interface ViaHop { gateway: string; ifname?: string }

export type RouteTarget =
  | { kind: 'workload'; ifname: string }
  | { kind: 'blackhole' }
  | { kind: 'via'; nextHops: readonly ViaHop[] };

export interface RouteSpec {
  /** destination prefix, e.g. "100.64.1.5/32", "2001:db8:1::/122"; host bits must be zero */
  dst: string;
  target: RouteTarget;
  /** route metric (RTA_PRIORITY); kernel default when absent (IPv4 0, IPv6 1024) */
  metric?: number;
}

export interface LinkState { index: number; up: boolean }

const IFNAME = /^[A-Za-z0-9_.:@-]{1,15}$/;

/** Checks a spec and returns it normalised (canonical dst, sorted unique next hops). Throws a readable error. */
export function normaliseSpec(spec: RouteSpec, families: readonly Family[]): { key: string; family: Family; spec: RouteSpec } {
  const p = parsePrefix(spec.dst);
  const key = formatPrefix(p.addr, p.len, p.family);
  const where = `route ${key}`;
  if (!families.includes(p.family)) throw new Error(`${where}: IPv${p.family} is not managed by this route table`);
  if (spec.metric !== undefined && !(Number.isInteger(spec.metric) && spec.metric >= 0 && spec.metric <= 0xffffffff)) {
    throw new Error(`${where}: metric must be an integer 0..4294967295`);
  }
  const t = spec.target;
  let target: RouteTarget;
  if (t.kind === 'workload') {
    if (!IFNAME.test(t.ifname)) throw new Error(`${where}: bad interface name ${JSON.stringify(t.ifname)}`);
    target = { kind: 'workload', ifname: t.ifname };
  } else if (t.kind === 'blackhole') {
    target = { kind: 'blackhole' };
  } else if (t.kind === 'via') {
    if (t.nextHops.length === 0) throw new Error(`${where}: a via route needs at least one next hop`);
    const seen = new Map<string, ViaHop>();
    for (const h of t.nextHops) {
      const gw = parseAddress(h.gateway);
      if (p.family === 6 && gw.family === 4) throw new Error(`${where}: an IPv6 route cannot have IPv4 next hop ${h.gateway}`);
      if (h.ifname !== undefined && !IFNAME.test(h.ifname)) throw new Error(`${where}: bad interface name ${JSON.stringify(h.ifname)}`);
      if (isLinkLocalV6(gw.addr) && h.ifname === undefined) throw new Error(`${where}: link-local next hop ${h.gateway} needs an interface (ifname)`);
      const hop: ViaHop = { gateway: formatAddress(gw.addr, gw.family) };
      if (h.ifname !== undefined) hop.ifname = h.ifname;
      seen.set(`${hop.gateway}%${hop.ifname ?? ''}`, hop);
    }
    target = { kind: 'via', nextHops: [...seen.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, h]) => h) };
  } else {
    throw new Error(`${where}: unknown route kind ${JSON.stringify((t as { kind: unknown }).kind)}`);
  }
  const out: RouteSpec = { dst: key, target };
  if (spec.metric !== undefined) out.metric = spec.metric;
  return { key, family: p.family, spec: out };
}

/** Interface names a spec depends on. */
export function specInterfaces(spec: RouteSpec): string[] {
  const t = spec.target;
  if (t.kind === 'workload') return [t.ifname];
  if (t.kind === 'via') return t.nextHops.flatMap((h) => (h.ifname === undefined ? [] : [h.ifname]));
  return [];
}

/** The kernel message for a normalised spec, or the name of a missing/down interface. */
export function resolve(spec: RouteSpec, links: ReadonlyMap<string, LinkState>, table: number, protocol: number):
  RouteMessage | { missing: string } {
  const p = parsePrefix(spec.dst);
  const msg: RouteMessage = {
    family: p.family, dst: formatAddress(p.addr, p.family), dstLen: p.len, table, protocol,
    scope: RT_SCOPE_UNIVERSE, type: RTN_UNICAST,
  };
  if (spec.metric !== undefined) msg.priority = spec.metric;
  const t = spec.target;
  const link = (name: string): LinkState | undefined => { const l = links.get(name); return l?.up ? l : undefined; };
  if (t.kind === 'workload') {
    const l = link(t.ifname);
    if (!l) return { missing: t.ifname };
    msg.scope = RT_SCOPE_LINK;
    msg.oif = l.index;
  } else if (t.kind === 'blackhole') {
    msg.type = RTN_BLACKHOLE;
  } else {
    const hops: NextHop[] = [];
    for (const h of t.nextHops) {
      const hop: NextHop = { gateway: h.gateway };
      if (h.ifname !== undefined) {
        const l = link(h.ifname);
        if (!l) return { missing: h.ifname };
        hop.ifindex = l.index;
      }
      hops.push(hop);
    }
    if (hops.length === 1) {
      const [h] = hops as [NextHop];
      msg.gateway = h.gateway;
      if (h.ifindex !== undefined) msg.oif = h.ifindex;
    } else {
      msg.multipath = hops;
    }
  }
  return msg;
}

/** Does the kernel route `actual` carry everything `desired` asks for? */
export function routesEqual(desired: RouteMessage, actual: RouteMessage): boolean {
  if (desired.type !== actual.type || desired.family !== actual.family || desired.dstLen !== actual.dstLen) return false;
  if (desired.family === 4 && desired.scope !== actual.scope) return false; // IPv6 routes have no scope
  if (desired.priority !== undefined && desired.priority !== actual.priority) return false;
  if (desired.type === RTN_BLACKHOLE) return true;
  if (desired.multipath) {
    if (!actual.multipath || actual.multipath.length !== desired.multipath.length) return false;
    // compared as sets; an interface index only where we asked for one
    const want = new Set(desired.multipath.map((h) => (h.ifindex !== undefined ? `${h.gateway}%${h.ifindex}` : h.gateway)));
    return actual.multipath.every((h) => want.has(`${h.gateway}%${h.ifindex ?? 0}`) || want.has(h.gateway));
  }
  if (actual.multipath) return false;
  if (desired.gateway !== actual.gateway) return false;
  if (desired.oif !== undefined && desired.oif !== actual.oif) return false;
  return true;
}
