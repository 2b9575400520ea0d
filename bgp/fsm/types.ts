// Types of the BGP peer finite state machine (RFC 4271 §8): its states,
// timers, events and actions, the snapshot a step reads and returns, the
// session two OPENs negotiate, and the clock the driver runs timers on.
// The FSM is a pure step function (ARCHITECTURE.md rule 5): it never touches
// sockets or timers itself; it asks for them with actions.

import type { Capability, FamilyName, NegotiatedWire, NotificationMessage, OpenMessage, WireError } from '../wire/index.js';

export type FsmState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

export const FSM_STATES: readonly FsmState[] = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'];

/**
 * connectRetry, hold, keepalive, delayOpen: RFC 4271 §8 and §10.
 * idleHold: the back-off before an automatic restart after an error (the
 * IdleHoldTimer of RFC 4271 §8.1.1 peer oscillation damping).
 */
export type TimerName = 'connectRetry' | 'hold' | 'keepalive' | 'delayOpen' | 'idleHold';

export const TIMER_NAMES: readonly TimerName[] = ['connectRetry', 'hold', 'keepalive', 'delayOpen', 'idleHold'];

/** Hold time while waiting for the peer's OPEN: "a large value", 4 minutes (RFC 4271 §8.2.2). */
export const OPEN_SENT_HOLD_TIME = 240;

/** Suggested values for the timer fields of PeerFsmConfig (RFC 4271 §10; Calico's 5 s connect retry). */
export const DEFAULT_TIMERS = {
  holdTime: 90,
  connectRetryTime: 5,
  delayOpenTime: 0,
  idleHoldTime: 1,
  idleHoldMaxTime: 120,
} as const;

export interface PeerFsmConfig {
  readonly localAs: number;
  readonly routerId: string;
  /** The configured remote AS; the peer's OPEN must carry it. */
  readonly peerAs: number;
  /** Ours, 0 or >= 3 (default 90). The speaker puts the same value into localOpen. */
  readonly holdTime: number;
  /** Default: negotiated hold time / 3; never more than that. */
  readonly keepaliveTime?: number;
  /** Default 5 (Calico). */
  readonly connectRetryTime: number;
  /** 0 = DelayOpen off (RFC 4271 §8.1.1). */
  readonly delayOpenTime: number;
  /** Never dial; wait in Active for the peer to connect. */
  readonly passive: boolean;
  /** First back-off after an error, e.g. 1 s. */
  readonly idleHoldTime: number;
  /** Cap of the back-off, e.g. 120 s; it doubles per consecutive error. */
  readonly idleHoldMaxTime: number;
  /** The OPEN we send (built by the speaker). */
  readonly localOpen: OpenMessage;
  /**
   * Families the peer must support (Multiprotocol capability, RFC 4760 §8; a
   * peer announcing none supports ipv4-unicast only). Missing → NOTIFICATION
   * 2/7 Unsupported Capability with the capability as data (RFC 5492 §5).
   */
  readonly requiredFamilies?: readonly FamilyName[];
}

export interface NotificationToSend {
  readonly code: number;
  readonly subcode: number;
  readonly data: Buffer;
}

export type FsmEvent =
  | { readonly type: 'ManualStart' }
  /**
   * Sends Cease/Administrative Shutdown unless a notification is given; `silent` closes the
   * connection without any NOTIFICATION (graceful restart of this speaker, RFC 4724 §4.1).
   */
  | { readonly type: 'ManualStop'; readonly notification?: NotificationToSend; readonly silent?: boolean }
  | { readonly type: 'TimerExpired'; readonly timer: TimerName }
  /** Our outgoing connection succeeded, or an incoming one was accepted for this peer. */
  | { readonly type: 'TcpConnected' }
  /** Connect failed, or the connection closed or errored. */
  | { readonly type: 'TcpFailed'; readonly reason: string }
  | { readonly type: 'OpenReceived'; readonly open: OpenMessage }
  | { readonly type: 'KeepaliveReceived' }
  | { readonly type: 'UpdateReceived' }
  | { readonly type: 'RouteRefreshReceived' }
  | { readonly type: 'NotificationReceived'; readonly notification: NotificationMessage }
  /** A decode error with action 'session-reset' (header, OPEN and UPDATE errors). */
  | { readonly type: 'MessageError'; readonly error: WireError }
  /** This connection lost collision detection (RFC 4271 §6.8). */
  | { readonly type: 'CollisionDump' };

export type FsmEventType = FsmEvent['type'];

export const FSM_EVENT_TYPES: readonly FsmEventType[] = [
  'ManualStart', 'ManualStop', 'TimerExpired', 'TcpConnected', 'TcpFailed', 'OpenReceived', 'KeepaliveReceived',
  'UpdateReceived', 'RouteRefreshReceived', 'NotificationReceived', 'MessageError', 'CollisionDump',
];

export type FsmAction =
  /** Dial the peer (abandoning any attempt still pending). */
  | { readonly type: 'connect' }
  /** Close the connection (or abandon the attempt). */
  | { readonly type: 'disconnect' }
  | { readonly type: 'send-open' }
  | { readonly type: 'send-keepalive' }
  /** Sent only when a connection is open; otherwise dropped by the session. */
  | { readonly type: 'send-notification'; readonly notification: NotificationToSend }
  /** (Re)start: a running timer of that name is replaced. */
  | { readonly type: 'start-timer'; readonly timer: TimerName; readonly seconds: number }
  /** Stopping a timer that is not running is a no-op. */
  | { readonly type: 'stop-timer'; readonly timer: TimerName }
  | { readonly type: 'established'; readonly session: NegotiatedSession }
  /**
   * Only when leaving Established: the peer's routes must be flushed, or kept
   * as stale (graceful restart). `notification` is the NOTIFICATION that ended
   * the session, if one did (RFC 8538 decides on it); absent: the TCP
   * connection failed or was closed silently.
   */
  | { readonly type: 'session-down'; readonly reason: string; readonly notification?: SessionEndNotification };

export interface SessionEndNotification extends NotificationToSend {
  /** We sent it (true) or received it (false). */
  readonly sent: boolean;
}

export interface FsmSnapshot {
  readonly state: FsmState;
  /** Error-caused drops to Idle since the last ManualStart or ManualStop (RFC 4271 §8.1.1 ConnectRetryCounter). */
  readonly connectRetryCounter: number;
  /** Back-off to use after the next error (starts at idleHoldTime). */
  readonly idleHoldSeconds: number;
  /** The peer's last OPEN; kept in Idle to explain a rejection, cleared on the next start. */
  readonly peerOpen?: OpenMessage;
  /** Present in OpenConfirm and Established only. */
  readonly negotiated?: NegotiatedSession;
  /** Human words, e.g. 'received NOTIFICATION: Cease / Administrative Shutdown: "maintenance"' or 'hold timer expired'. */
  readonly lastError?: string;
}

export interface NegotiatedSession {
  /** The peer's real AS (4-octet AS capability when present). */
  readonly peerAs: number;
  readonly peerRouterId: string;
  readonly ibgp: boolean;
  /** min(ours, theirs); 0 = no keepalives, no hold timer. */
  readonly holdTime: number;
  /** holdTime / 3 (or configured, never more), 0 when holdTime is 0. */
  readonly keepaliveTime: number;
  /** Both announced Multiprotocol for it; no Multiprotocol capability at all means ipv4-unicast only (RFC 4760 §8). */
  readonly families: readonly FamilyName[];
  /** negotiateWire(localOpen, peerOpen). */
  readonly wire: NegotiatedWire;
  readonly routeRefresh: boolean;
  readonly enhancedRouteRefresh: boolean;
  readonly peerCapabilities: readonly Capability[];
}

/**
 * One row of the transition table. `event` is the event type, qualified
 * when the outcome depends on more than state and type, e.g.
 * 'TimerExpired:hold', 'OpenReceived:rejected', 'ManualStart:passive'.
 * Rows whose reason starts with 'ignored' are events a state ignores: the
 * step returns the same snapshot and no actions.
 */
export interface Transition {
  readonly from: FsmState;
  readonly event: FsmEventType | `${FsmEventType}:${string}`;
  readonly to: FsmState;
  readonly reason: string;
}

/** What the driver needs of time; a fake in tests (ARCHITECTURE.md rule 10). */
export interface Clock {
  /** Milliseconds. */
  now(): number;
  setTimer(ms: number, fn: () => void): unknown;
  clearTimer(handle: unknown): void;
}
