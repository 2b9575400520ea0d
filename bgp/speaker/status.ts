// What the speaker reports about a peer (calicoctl node status / birdc show
// protocols): state and since when, why it last went down, route counts,
// and the graceful-restart phase while the peer's routes are kept as stale.

import type { FsmState } from '../fsm/index.js';

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
