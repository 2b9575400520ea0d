// What the speaker reports about a peer (calicoctl node status / birdc show
// protocols): state and since when, why it last went down, route counts,
// and the graceful-restart phase while the peer's routes are kept as stale.

import type { FsmState } from '../fsm/index.js';
import type { Peer } from './peer.js';

export interface PeerStatus {
  readonly name: string;
  readonly address: string;
  readonly asn: number;
  readonly type: 'ibgp' | 'ebgp';
  readonly state: FsmState;
  /** Epoch ms of the last state change. */
  readonly since: number;
  readonly lastError?: string;
  /** Prefixes received (accepted + rejected by import policy). */
  readonly received: number;
  readonly accepted: number;
  /** Prefixes in the Adj-RIB-Out (sent). */
  readonly advertised: number;
  readonly families: readonly string[];
  readonly messages: { readonly updatesIn: number; readonly updatesOut: number; readonly notificationsIn: number; readonly notificationsOut: number };
  /** Graceful restart helper state while the peer's routes are kept as stale. */
  readonly gracefulRestart?: { readonly phase: 'restart' | 'long-lived' | 'stale-path'; readonly staleRoutes: number };
}

export function peerStatusOf(p: Peer): PeerStatus {
  const snap = p.session.snapshot;
  return {
    name: p.cfg.name, address: p.cfg.address, asn: p.cfg.asn, type: p.ibgp ? 'ibgp' : 'ebgp', state: snap.state, since: p.session.since,
    ...(p.lastError ?? snap.lastError ? { lastError: p.lastError ?? snap.lastError } : {}),
    received: p.adjIn.size + p.rejected, accepted: p.adjIn.size, advertised: (p.group?.adjOut ?? p.adjOut).size,
    families: p.families, messages: { ...p.session.counters },
    ...(p.grPhase ? { gracefulRestart: { phase: p.grPhase, staleRoutes: p.stale.size } } : {}),
  };
}
