// The route driver's view of the kernel: dump routes and links, apply route
// requests in batches. RouteKernel is the narrow interface the route table
// manager depends on (ARCHITECTURE.md rule 10); RtNetlink implements it over a
// NetlinkSocket, and tests substitute a fake.
import type { Family } from './addr.js';
import {
  decodeLink, decodeRoute, encodeLinkDump, encodeRouteBatch, encodeRouteDump, type LinkMessage, type RouteMessage,
  type RouteRequest, RTM_NEWLINK, RTM_NEWROUTE,
} from './codec.js';
import { type AckResult, NetlinkSocket, type NetlinkSocketOptions } from './socket.js';

export interface RouteKernel {
  dumpRoutes(family: Family, table: number): Promise<RouteMessage[]>;
  dumpLinks(): Promise<LinkMessage[]>;
  /** Applies requests in order; one result per request (errno 0 = done, undefined = unknown, re-read). */
  applyRoutes(reqs: readonly RouteRequest[]): Promise<AckResult[]>;
  close(): void;
}

export interface RtNetlinkOptions extends NetlinkSocketOptions {
  /** requests per sendto (default 1024; bounded so their acks fit the receive buffer) */
  batchSize?: number;
  /** 'last' (default): only a batch's final request asks for an ack, errors still come per request; 'each': every request is acked */
  acks?: 'each' | 'last';
}

export class RtNetlink implements RouteKernel {
  private readonly batchSize: number;
  private queue: Promise<unknown> = Promise.resolve();
  /** statistics: sendto calls and messages sent */
  readonly stats = { sends: 0, requests: 0, dumps: 0 };

  constructor(private readonly sock: NetlinkSocket, batchSize = 1024, private readonly acks: 'each' | 'last' = 'last') {
    // an ack costs ~1 KiB of receive buffer (skb truesize), keep a margin
    this.batchSize = Math.max(1, Math.min(batchSize, Math.floor(sock.rcvbuf / 2048)));
  }

  static open(opts: RtNetlinkOptions = {}): RtNetlink {
    return new RtNetlink(NetlinkSocket.open(opts), opts.batchSize, opts.acks);
  }

  /** One exchange at a time on the socket: a dump must not read a batch's acks, nor the reverse. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  dumpRoutes(family: Family, table: number): Promise<RouteMessage[]> { return this.exclusive(() => this.dumpRoutesNow(family, table)); }
  dumpLinks(): Promise<LinkMessage[]> { return this.exclusive(() => this.dumpLinksNow()); }
  applyRoutes(reqs: readonly RouteRequest[]): Promise<AckResult[]> { return this.exclusive(() => this.applyRoutesNow(reqs)); }

  private async dumpRoutesNow(family: Family, table: number): Promise<RouteMessage[]> {
    let out: RouteMessage[] = [];
    this.stats.dumps++;
    await this.sock.dump((seq) => encodeRouteDump(family, table, seq), (h, p) => {
      if (h.type !== RTM_NEWROUTE) return;
      const r = decodeRoute(p);
      if (r && r.table === table && r.family === family) out.push(r);
    }, () => { out = []; });
    return out;
  }

  private async dumpLinksNow(): Promise<LinkMessage[]> {
    let out: LinkMessage[] = [];
    this.stats.dumps++;
    await this.sock.dump((seq) => encodeLinkDump(seq), (h, p) => {
      if (h.type !== RTM_NEWLINK) return;
      const l = decodeLink(p);
      if (l) out.push(l);
    }, () => { out = []; });
    return out;
  }

  private async applyRoutesNow(reqs: readonly RouteRequest[]): Promise<AckResult[]> {
    const results: AckResult[] = [];
    for (let i = 0; i < reqs.length; i += this.batchSize) {
      const chunk = reqs.slice(i, i + this.batchSize);
      const seq = this.sock.nextSeq(chunk.length);
      const buf = encodeRouteBatch(chunk, seq, this.acks);
      this.stats.sends++;
      this.stats.requests += chunk.length;
      for (const r of await this.sock.transact(buf, seq, chunk.length, this.acks)) results.push(r);
    }
    return results;
  }

  close(): void { this.sock.close(); }
}
