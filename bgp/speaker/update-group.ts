// Update groups (the route-reflector scaling issue; FRR's update-groups,
// GoBGP's and BIRD's shared export): iBGP peers that would receive identical
// UPDATEs share one Adj-RIB-Out and one encoding — compute once, write the
// same Buffers to every member's socket.
//   - Key: everything exportRoute and the encoder look at besides the path:
//     client flag, export policy, next-hop setting, our local address (next
//     hop self), families, the send-side wire options (4-octet AS, extended
//     messages; ADD-PATH senders are never grouped: their path IDs are per
//     peer), LLGR families, MRAI.
//   - Split horizon is not applied inside a group: a reflected route may go
//     back to its originating client, which drops it (ORIGINATOR_ID, RFC 4456
//     §8); a withdrawal of a route a member never got is harmless (RFC 4271
//     §9.1.3 receivers ignore unknown withdrawals).
//   - A peer joins once its own initial table has drained (it then holds what
//     the group's members hold, the group having flushed first); it leaves on
//     session down, and, taking over the group's sent state, when its export
//     settings change or it asks for a route refresh; it rejoins when drained.
//   - A slow member never stalls the others: each write goes to every member
//     at once; what a member cannot take stays in its socket's buffer, and a
//     member whose buffer grows past MEMBER_BACKLOG_LIMIT is reset (Cease/Out
//     of Resources) rather than allowed to grow memory forever.

import type { Logger } from 'pino';
import { AdjRibOut, type LocRib, type PathSource, type RibDelta } from '../rib/index.js';
import type { Policy } from '../policy/index.js';
import type { FamilyName, PathAttributes, WireOptions } from '../wire/index.js';
import type { PeerConfig } from './config.js';
import { EBGP_MRAI } from './config.js';
import type { GrView } from './graceful-restart.js';
import { DRAIN_BATCH, encodeBatch, exportRoute, type ExportTarget, type OutboundContext } from './outbound.js';
import type { Peer } from './peer.js';

/** Bytes a member may have waiting in its socket buffer before it is reset. */
export const MEMBER_BACKLOG_LIMIT = 32 * 1024 * 1024;

const NOBODY: PathSource = Object.freeze({ id: -1, address: '', peerAs: 0, routerId: '', ibgp: true, local: false });

/** The group a peer belongs in, or undefined when it gets UPDATEs of its own. */
export function groupKey(peer: Peer): string | undefined {
  const n = peer.session.negotiated;
  if (!n || !peer.ibgp || (peer.cfg.addPath?.send ?? 0) > 0) return undefined;
  const tx = n.wire.tx;
  return JSON.stringify([
    peer.cfg.routeReflectorClient === true, peer.cfg.export ?? '', peer.cfg.nextHop ?? '', peer.localAddress ?? '',
    n.families, tx.as4, tx.extendedMessage, [...tx.addPath].sort(), [...(peer.gr?.llgr.keys() ?? [])].sort(), peer.cfg.mrai ?? 0,
  ]);
}

export class UpdateGroup implements ExportTarget {
  readonly members = new Set<Peer>();
  readonly adjOut = new AdjRibOut();
  readonly source = NOBODY;
  readonly families: readonly FamilyName[];
  readonly ibgp = true;
  readonly cfg: Pick<PeerConfig, 'routeReflectorClient' | 'nextHop'>;
  readonly gr: GrView | undefined;
  readonly exportPolicy: Policy;
  readonly localAddress: string | undefined;
  readonly tx: WireOptions;
  readonly mrai: number;
  baseMemo: [WeakMap<PathAttributes, PathAttributes>, WeakMap<PathAttributes, PathAttributes>] = [new WeakMap(), new WeakMap()];
  reflectMemo = new WeakMap<PathAttributes, Map<string, PathAttributes>>();
  exportMemo = new WeakMap<PathAttributes, Map<string, PathAttributes>>();
  flushScheduled = false;
  lastFlush = 0;

  constructor(readonly key: string, rep: Peer) {
    this.families = rep.families;
    this.cfg = { ...(rep.cfg.routeReflectorClient !== undefined ? { routeReflectorClient: rep.cfg.routeReflectorClient } : {}), ...(rep.cfg.nextHop !== undefined ? { nextHop: rep.cfg.nextHop } : {}) };
    this.gr = rep.gr;
    this.exportPolicy = rep.exportPolicy;
    this.localAddress = rep.localAddress;
    this.tx = rep.session.negotiated!.wire.tx;
    this.mrai = rep.cfg.mrai ?? (rep.ibgp ? 0 : EBGP_MRAI);
  }

  /** Export rules changed (route reflection settings): computed attributes are stale. */
  resetMemos(): void {
    this.baseMemo = [new WeakMap(), new WeakMap()];
    this.reflectMemo = new WeakMap();
    this.exportMemo = new WeakMap();
  }
}

export interface UpdateGroupsDeps {
  readonly locRib: LocRib;
  /** The current export context (it changes on reconfiguration). */
  out(): OutboundContext;
  readonly log: Logger;
  /** Bytes a member may leave unread (MEMBER_BACKLOG_LIMIT by default). */
  readonly backlogLimit: number;
  /** A member that fell too far behind: reset its session (it has left its group already). */
  resetMember(peer: Peer): void;
}

/** The speaker's update groups: membership, export into the shared queue, one encoding per flush. */
export class UpdateGroups {
  private readonly groups = new Map<string, UpdateGroup>();

  constructor(private readonly d: UpdateGroupsDeps) {}

  list(): { members: string[]; advertised: number; pending: number }[] {
    return [...this.groups.values()].map((g) => ({ members: [...g.members].map((m) => m.cfg.name).sort(), advertised: g.adjOut.size, pending: g.adjOut.pending }));
  }

  /** Best-path changes into every group's queue. */
  distribute(deltas: readonly RibDelta[]): void {
    for (const g of this.groups.values()) {
      for (const d of deltas) {
        const r = exportRoute(g, d.best, this.d.out());
        if (r) g.adjOut.announce(r);
        else g.adjOut.withdraw(d.prefix, d.family);
      }
      if (g.adjOut.pending > 0) this.schedule(g);
    }
  }

  /** Export rules changed (route reflection settings): recompute every group from the Loc-RIB. */
  reexport(): void {
    for (const g of this.groups.values()) {
      g.resetMemos();
      for (const e of this.d.locRib.entries()) {
        const r = exportRoute(g, e.best, this.d.out());
        if (r) g.adjOut.announce(r);
        else g.adjOut.withdraw(e.prefix, e.best.family);
      }
      this.schedule(g);
    }
  }

  /** A peer whose own queue drained joins the group of peers that get the same UPDATEs. */
  join(peer: Peer): void {
    if (peer.group) return;
    const key = groupKey(peer);
    if (key === undefined) return;
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = new UpdateGroup(key, peer)));
    // the group's queue goes out first, so that the joining peer holds what the members hold
    else if (g.adjOut.pending > 0) this.flush(g);
    if (g.members.size === 0) {
      for (const e of this.d.locRib.entries()) {
        const r = peer.adjOut.sent(e.prefix);
        if (r) g.adjOut.adopt(r);
      }
    }
    g.members.add(peer);
    peer.group = g;
    peer.adjOut.clear();
  }

  /**
   * Leave the group; `keepState`: the peer continues on its own from what the
   * group sent (the group's queue is flushed first), else it starts empty
   * (session down, or a refresh that sends everything again).
   */
  leave(peer: Peer, keepState: boolean): void {
    const g = peer.group;
    if (!g) return;
    if (keepState) {
      if (g.adjOut.pending > 0) this.flush(g);
      peer.adjOut.clear();
      for (const e of this.d.locRib.entries()) {
        const r = g.adjOut.sent(e.prefix);
        if (r) peer.adjOut.adopt(r);
      }
    }
    g.members.delete(peer);
    peer.group = undefined;
    if (g.members.size === 0) this.groups.delete(g.key);
  }

  private schedule(g: UpdateGroup): void {
    if (g.flushScheduled) return;
    g.flushScheduled = true;
    const wait = g.mrai > 0 ? Math.max(0, g.lastFlush + g.mrai * 1000 - Date.now()) : 0;
    const run = () => {
      g.flushScheduled = false;
      if (this.groups.get(g.key) !== g) return;
      g.lastFlush = Date.now();
      this.flush(g);
    };
    if (wait > 0) setTimeout(run, wait).unref();
    else setImmediate(run);
  }

  /** Encode the group's queue once and write it to every member; reset members that fall too far behind. */
  private flush(g: UpdateGroup): void {
    while (g.adjOut.pending > 0) {
      const bufs = encodeBatch(g.adjOut.drain(DRAIN_BATCH), g.tx);
      for (const m of [...g.members]) {
        m.session.send(bufs);
        if (m.session.backlog > this.d.backlogLimit) {
          this.d.log.warn({ peer: m.cfg.name, backlog: m.session.backlog }, `peer ${m.cfg.name} fell too far behind its update group (${m.session.backlog} bytes unsent); resetting it`);
          this.leave(m, false);
          this.d.resetMember(m);
        }
      }
    }
  }
}
