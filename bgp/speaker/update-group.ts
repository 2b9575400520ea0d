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

import { AdjRibOut, type PathSource } from '../rib/index.js';
import type { Policy } from '../policy/index.js';
import type { FamilyName, PathAttributes, WireOptions } from '../wire/index.js';
import type { PeerConfig } from './config.js';
import { EBGP_MRAI } from './config.js';
import type { GrView } from './graceful-restart.js';
import type { ExportTarget } from './outbound.js';
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
