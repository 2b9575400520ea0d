// The agent's link to the node's speaker (bgpd), over the speaker's gRPC API
// on its unix socket (proto/bgp/v1; the client comes from bgp/index.ts):
//   - out: the peer set and the prefixes to originate, kept as desired state
//     and reconciled by difference (AddPeer/UpdatePeer/DeletePeer, AddPath/
//     DeletePath); everything is re-applied after a reconnect, since a
//     restarted speaker knows nothing of what the agent asked before;
//   - in: the best paths (Watch): a snapshot, in-sync, then changes; each
//     (re)connection's snapshot is diffed against what was reported before, so
//     the consumer sees only real changes (and removals after a speaker restart).
// The speaker's own originated routes are not reported as learned.
// Calls fail while the speaker is down; the link retries every second.

import type { Logger } from 'pino';
import { ApiFamily, connectApi, type ApiClient, type PeerConf } from '../bgp/index.js';
import type { PeerIntent } from './calc/derive.js';

export interface LearnedRoute {
  readonly prefix: string;
  /** ECMP next hops, best first. */
  readonly nextHops: readonly string[];
}

export interface SpeakerLinkEvents {
  /** A learned best path appeared or changed (nextHops) or went away (undefined). */
  onRoute(prefix: string, route: LearnedRoute | undefined): void;
  /** The learned set is complete (after each (re)connection's snapshot). */
  onInSync(): void;
}

const RETRY_MS = 1000;

export class SpeakerLink {
  private client: ApiClient | undefined;
  private desiredPeers = new Map<string, PeerIntent>();
  private appliedPeers = new Map<string, string>();
  /** prefix → next hop to announce ('' = the session's own address). */
  private desiredPaths = new Map<string, string>();
  private appliedPaths = new Map<string, string>();
  private learned = new Map<string, LearnedRoute>();
  private stopped = false;
  private syncing = false;
  private resync = true;
  connected = false;
  inSync = false;
  errors = 0;

  constructor(private readonly socket: string, private readonly events: SpeakerLinkEvents, private readonly log: Logger) {}

  start(): void {
    this.client = connectApi(this.socket, { deadlineMs: 5000 });
    void this.watchLoop();
    void this.reconcileLoop();
  }

  stop(): void {
    this.stopped = true;
    this.client?.close();
  }

  setPeers(peers: readonly PeerIntent[]): void {
    this.desiredPeers = new Map(peers.map((p) => [p.name, p]));
    this.kick();
  }

  /**
   * Prefixes to originate. IPv6 ones carry `nextHop6` (the node's IPv6
   * address): over an IPv4 session the speaker has no IPv6 address of its
   * own to put in MP_REACH_NLRI.
   */
  setOriginated(prefixes: readonly string[], nextHop6?: string): void {
    this.desiredPaths = new Map(prefixes.map((p) => [p, p.includes(':') ? (nextHop6 ?? '') : '']));
    this.kick();
  }

  private wake: (() => void) | undefined;
  private kick(): void {
    this.wake?.();
  }

  private async reconcileLoop(): Promise<void> {
    while (!this.stopped) {
      if (this.connected) {
        try {
          await this.reconcile();
        } catch (e) {
          this.errors++;
          this.log.warn({ err: (e as Error).message }, 'speaker API call failed; retrying');
          this.resync = true;
          await sleep(RETRY_MS);
          continue;
        }
      }
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, RETRY_MS).unref();
      });
      this.wake = undefined;
    }
  }

  private async reconcile(): Promise<void> {
    const c = this.client!;
    if (this.resync) {
      // after a (re)connect: learn what the speaker has, so stale peers/paths of an earlier agent go too
      const { peers } = await c.call('listPeers', {});
      this.appliedPeers = new Map(peers.filter((p) => p.conf && isOurs(p.conf.name)).map((p) => [p.conf!.name, '?']));
      this.appliedPaths = new Map();
      for await (const p of c.listPaths({})) if (p.source?.local) this.appliedPaths.set(p.prefix, '?');
      this.resync = false;
    }
    for (const [name, intent] of this.desiredPeers) {
      const conf = toConf(intent);
      const sig = JSON.stringify(conf);
      const had = this.appliedPeers.get(name);
      if (had === sig) continue;
      if (had === undefined) await c.call('addPeer', { peer: conf });
      else await c.call('updatePeer', { peer: conf });
      this.appliedPeers.set(name, sig);
    }
    for (const name of [...this.appliedPeers.keys()]) {
      if (this.desiredPeers.has(name)) continue;
      await c.call('deletePeer', { name });
      this.appliedPeers.delete(name);
    }
    for (const [prefix, nextHop] of this.desiredPaths) {
      if (this.appliedPaths.get(prefix) === nextHop) continue;
      await c.call('addPath', { prefix, communities: [], largeCommunities: [], nextHop });
      this.appliedPaths.set(prefix, nextHop);
    }
    for (const prefix of [...this.appliedPaths.keys()]) {
      if (this.desiredPaths.has(prefix)) continue;
      await c.call('deletePath', { prefix });
      this.appliedPaths.delete(prefix);
    }
  }

  private async watchLoop(): Promise<void> {
    while (!this.stopped) {
      const snapshot = new Map<string, LearnedRoute>();
      let live = false;
      try {
        const w = this.client!.watch({ noPeers: true });
        for await (const ev of w) {
          if (!this.connected) {
            this.connected = true;
            this.resync = true;
            this.kick();
            this.log.info({ socket: this.socket }, 'connected to the speaker');
          }
          if (ev.inSync) {
            live = true;
            for (const [prefix] of this.learned) if (!snapshot.has(prefix)) this.report(prefix, undefined);
            for (const [prefix, r] of snapshot) this.report(prefix, r);
            this.inSync = true;
            this.events.onInSync();
            continue;
          }
          const b = ev.bestPath;
          if (!b) continue;
          const route = b.best && !b.best.source?.local ? { prefix: b.prefix, nextHops: b.multipathNextHops.length ? b.multipathNextHops : b.best.nextHops } : undefined;
          if (!live) {
            if (route) snapshot.set(b.prefix, route);
            else snapshot.delete(b.prefix);
          } else this.report(b.prefix, route);
        }
      } catch (e) {
        if (this.stopped) return;
        if (this.connected) this.log.warn({ err: (e as Error).message }, 'lost the speaker; reconnecting');
      }
      this.connected = false;
      this.inSync = false;
      await sleep(RETRY_MS);
    }
  }

  private report(prefix: string, r: LearnedRoute | undefined): void {
    const had = this.learned.get(prefix);
    if (!r) {
      if (!had) return;
      this.learned.delete(prefix);
      this.events.onRoute(prefix, undefined);
      return;
    }
    if (had && had.nextHops.join(',') === r.nextHops.join(',')) return;
    this.learned.set(prefix, r);
    this.events.onRoute(prefix, r);
  }
}

/** Peers the agent manages: mesh-* and peer-* (the speaker may have others from its own YAML). */
const isOurs = (name: string) => name.startsWith('mesh-') || name.startsWith('peer-');

function toConf(p: PeerIntent): PeerConf {
  return {
    name: p.name, address: p.address, asn: p.asn, port: p.port === 179 ? 0 : p.port, localAddress: '', passive: p.passive, holdTime: 0,
    connectRetryTime: 0, families: [ApiFamily.FAMILY_IPV4_UNICAST, ApiFamily.FAMILY_IPV6_UNICAST], importPolicy: 'accept-all', exportPolicy: 'accept-all', nextHop: '',
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
