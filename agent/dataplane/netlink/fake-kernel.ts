// An in-memory stand-in for the kernel's routing tables behind the
// RouteKernel interface, for fast unit tests of the route table manager (and
// of whatever drives it). It follows the kernel semantics the manager relies
// on: a route is identified by (family, prefix, metric); NLM_F_REPLACE
// overwrites whatever holds that identity (also a foreign route — which is why
// the manager must avoid it), NLM_F_EXCL refuses with EEXIST; a delete that
// names a protocol matches only routes with it (ESRCH otherwise); a dev route
// needs its interface to exist (ENODEV) and be up (ENETDOWN). Failures and
// lost acks can be injected per prefix.
import type { Family } from './addr.js';
import { IFF_UP, type LinkMessage, type RouteMessage, type RouteRequest, RTN_BLACKHOLE } from './codec.js';
import { EEXIST, ENETDOWN, ENODEV, ESRCH } from './errno.js';
import type { RouteKernel } from './rtnetlink.js';
import type { AckResult } from './socket.js';

const metricOf = (r: RouteMessage): number => r.priority ?? (r.family === 4 ? 0 : 1024);
const idOf = (r: RouteMessage): string => `${r.table}|${r.family}|${r.dst}/${r.dstLen}|${metricOf(r)}`;

export class FakeRouteKernel implements RouteKernel {
  readonly routes = new Map<string, RouteMessage>();
  readonly links = new Map<number, LinkMessage>();
  /** prefix ("100.64.0.1/32") -> errno to fail its next writes with (until cleared) */
  readonly failWith = new Map<string, number>();
  /** prefixes whose next write is applied but whose ack is lost (as on ENOBUFS) */
  readonly loseAck = new Set<string>();
  readonly calls = { dumps: 0, batches: 0, requests: 0, batchSizes: [] as number[] };

  addLink(name: string, index: number, up = true): void { this.links.set(index, { index, name, flags: up ? IFF_UP : 0 }); }
  setLinkUp(index: number, up: boolean): void {
    const l = this.links.get(index);
    if (!l) throw new Error(`no link ${index}`);
    l.flags = up ? l.flags | IFF_UP : l.flags & ~IFF_UP;
    // like IPv4: routes through a device that goes down are flushed
    if (!up) for (const [id, r] of this.routes) if (r.oif === index && r.family === 4) this.routes.delete(id);
  }
  removeLink(index: number): void {
    this.links.delete(index);
    for (const [id, r] of this.routes) if (r.oif === index || r.multipath?.some((h) => h.ifindex === index)) this.routes.delete(id);
  }

  /** Adds a route directly (as another program would). */
  inject(r: RouteMessage): void { this.routes.set(idOf(r), structuredClone(r)); }
  find(dst: string, family?: Family): RouteMessage[] {
    return [...this.routes.values()].filter((r) => `${r.dst}/${r.dstLen}` === dst && (family === undefined || r.family === family));
  }

  async dumpRoutes(family: Family, table: number): Promise<RouteMessage[]> {
    this.calls.dumps++;
    return [...this.routes.values()].filter((r) => r.family === family && r.table === table).map((r) => structuredClone(r));
  }

  async dumpLinks(): Promise<LinkMessage[]> {
    this.calls.dumps++;
    return [...this.links.values()].map((l) => ({ ...l }));
  }

  async applyRoutes(reqs: readonly RouteRequest[]): Promise<AckResult[]> {
    this.calls.batches++;
    this.calls.requests += reqs.length;
    this.calls.batchSizes.push(reqs.length);
    return reqs.map((q) => {
      const prefix = `${q.route.dst}/${q.route.dstLen}`;
      const fail = this.failWith.get(prefix);
      if (fail !== undefined) return { errno: fail, message: 'injected failure' };
      const errno = q.op === 'delete' ? this.del(q.route) : this.add(q.route, q.op === 'replace');
      if (this.loseAck.delete(prefix)) return { errno: undefined, message: 'ack lost (injected)' };
      return { errno };
    });
  }

  private add(r: RouteMessage, replace: boolean): number {
    const oifs = [r.oif, ...(r.multipath ?? []).map((h) => h.ifindex)].filter((i): i is number => i !== undefined && i !== 0);
    if (r.type !== RTN_BLACKHOLE) {
      for (const i of oifs) {
        const l = this.links.get(i);
        if (!l) return ENODEV;
        if (!(l.flags & IFF_UP) && r.family === 4) return ENETDOWN;
      }
    }
    const id = idOf(r);
    if (this.routes.has(id) && !replace) return EEXIST;
    this.routes.set(id, structuredClone(r));
    return 0;
  }

  private del(k: RouteMessage): number {
    for (const [id, r] of this.routes) {
      if (r.family !== k.family || r.dst !== k.dst || r.dstLen !== k.dstLen || r.table !== k.table) continue;
      if (k.protocol && r.protocol !== k.protocol) continue;
      if (k.priority && metricOf(r) !== k.priority) continue; // metric 0 matches any, as in the kernel
      this.routes.delete(id);
      return 0;
    }
    return ESRCH;
  }

  close(): void {}
}
