// InterfaceMonitor: the kernel's interfaces (name, index, up, MAC) kept
// current from rtnetlink link events (RTMGRP_LINK, RFC 3549 §3.1.1), plus a
// full link dump at start, after a lost event (ENOBUFS on the event socket)
// and every resync interval (default 90 s, Calico's). Listeners get one call
// per change: (name, state) for an interface that appeared or changed,
// (name, undefined) when it went away (or was renamed away).
//
// Two sockets: the event socket joins the multicast group before the first
// dump, so nothing is missed; events queued during the dump are applied after
// it, in order, so the final state converges. The event socket is waited on
// with poll() on the thread pool (one pool thread is held while started),
// woken by an eventfd on stop().
import { type Clock, systemClock } from '../clock.js';
import { DEFAULT_RESYNC_INTERVAL_MS } from '../constants.js';
import { decodeLink, forEachMessage, IFF_LOWER_UP, IFF_UP, RTM_DELLINK, RTM_NEWLINK, RTMGRP_LINK } from '../netlink/codec.js';
import { RtNetlink } from '../netlink/rtnetlink.js';
import { NetlinkSocket } from '../netlink/socket.js';
import type { LinkMessage } from '../netlink/codec.js';

export interface LinkInfo { name: string; index: number; up: boolean; lowerUp: boolean; mac?: string }
export type LinkListener = (name: string, link: LinkInfo | undefined) => void;

export interface InterfaceMonitorOptions { netns?: string; resyncIntervalMs?: number; clock?: Clock }

const same = (a: LinkInfo, b: LinkInfo): boolean => a.index === b.index && a.up === b.up && a.lowerUp === b.lowerUp && a.mac === b.mac;

export class InterfaceMonitor {
  private readonly byName = new Map<string, LinkInfo>();
  private readonly listeners: LinkListener[] = [];
  private events: NetlinkSocket | undefined;
  private dumper: RtNetlink | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private resyncTimer: unknown;
  private relistNeeded = false;
  readonly stats = { events: 0, relists: 0, overflows: 0 };

  constructor(private readonly opts: InterfaceMonitorOptions = {}) {}

  onLink(fn: LinkListener): void { this.listeners.push(fn); }

  /** Current interfaces by name. */
  links(): Map<string, LinkInfo> { return new Map(this.byName); }
  get(name: string): LinkInfo | undefined { return this.byName.get(name); }

  /** Subscribes, lists the interfaces (listeners see every one), then follows events. */
  async start(): Promise<void> {
    if (this.running) return;
    this.events = NetlinkSocket.open({ netns: this.opts.netns, groups: RTMGRP_LINK, rcvbuf: 4 << 20 });
    this.dumper = RtNetlink.open({ netns: this.opts.netns });
    this.running = true;
    await this.relist();
    this.drain();
    this.loop = this.run();
    this.scheduleResync();
  }

  private scheduleResync(): void {
    const clock = this.opts.clock ?? systemClock;
    this.resyncTimer = clock.setTimeout(() => {
      if (!this.running) return;
      this.relist().catch(() => { this.relistNeeded = true; }).finally(() => { if (this.running) this.scheduleResync(); });
    }, this.opts.resyncIntervalMs ?? DEFAULT_RESYNC_INTERVAL_MS);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.resyncTimer !== undefined) (this.opts.clock ?? systemClock).clearTimeout(this.resyncTimer);
    this.events?.close();
    await this.loop;
    this.dumper?.close();
  }

  /** The error that stopped the event loop, if any. */
  failure: Error | undefined;

  private async run(): Promise<void> {
    try {
      while (this.running && this.events) {
        await this.events.waitReadable(-1);
        if (!this.running) break;
        this.drain();
        if (this.relistNeeded) await this.relist().catch(() => { this.relistNeeded = true; });
      }
    } catch (e) {
      if (this.running) { this.failure = e as Error; this.running = false; }
    }
  }

  private drain(): void {
    const sock = this.events;
    if (!sock || sock.isClosed) return;
    for (;;) {
      let b: Buffer | undefined;
      try {
        b = sock.recvNow();
      } catch (e) {
        if ((e as { code?: string }).code === 'ENOBUFS') { this.stats.overflows++; this.relistNeeded = true; continue; }
        throw e;
      }
      if (!b) return;
      forEachMessage(b, (h, p) => {
        if (h.type !== RTM_NEWLINK && h.type !== RTM_DELLINK) return;
        const l = decodeLink(p);
        if (!l) return;
        this.stats.events++;
        if (h.type === RTM_DELLINK) this.removeIndex(l.index);
        else this.update(l);
      });
    }
  }

  private async relist(): Promise<void> {
    if (!this.dumper) return;
    this.relistNeeded = false;
    this.stats.relists++;
    const all = await this.dumper.dumpLinks();
    const present = new Set(all.map((l) => l.index));
    for (const info of [...this.byName.values()]) if (!present.has(info.index)) this.removeIndex(info.index);
    for (const l of all) this.update(l);
  }

  private update(l: LinkMessage): void {
    if (!l.name) return;
    const info: LinkInfo = { name: l.name, index: l.index, up: (l.flags & IFF_UP) !== 0, lowerUp: (l.flags & IFF_LOWER_UP) !== 0 };
    if (l.mac) info.mac = l.mac;
    // renamed: the old name goes away
    for (const old of this.byName.values()) if (old.index === l.index && old.name !== l.name) this.removeIndex(l.index);
    const prev = this.byName.get(l.name);
    if (prev && same(prev, info)) return;
    this.byName.set(l.name, info);
    this.emit(l.name, info);
  }

  private removeIndex(index: number): void {
    for (const [name, info] of this.byName) {
      if (info.index !== index) continue;
      this.byName.delete(name);
      this.emit(name, undefined);
    }
  }

  private emit(name: string, info: LinkInfo | undefined): void {
    for (const fn of this.listeners) fn(name, info);
  }
}
