// The peer FSM as a pure step function (RFC 4271 §8.2.2; ARCHITECTURE.md
// rule 5): (snapshot, event, config) → (next snapshot, actions, reason).
// A handler per event type classifies the event into a row key of the
// transition table (table.ts) and proposes the actions; the row decides the
// target state and the reason, so no transition outside the table can
// happen, and an ignored event changes nothing and asks for nothing.
// Common to every transition:
//  - the timers of the state left that do not run in the state entered are
//    stopped first (TIMERS_OF);
//  - leaving Established emits session-down(reason) before anything else;
//  - an error-caused drop to Idle (fail()) sends its NOTIFICATION if any,
//    disconnects, starts the idleHold back-off with idleHoldSeconds and then
//    doubles it up to idleHoldMaxTime (reset when Established is reached);
//  - ManualStop and CollisionDump drop to Idle without a back-off timer: no
//    automatic restart (a collision's loser is the session layer's business).

import { CeaseSubcode, ErrorCode, FsmSubcode, describeNotification, type OpenMessage } from '../wire/index.js';
import { isWireError, negotiate } from './negotiate.js';
import { findTransition, isIgnored } from './table.js';
import {
  OPEN_SENT_HOLD_TIME,
  type FsmAction, type FsmEvent, type FsmEventType, type FsmSnapshot, type FsmState, type NegotiatedSession,
  type NotificationToSend, type PeerFsmConfig, type TimerName, type Transition,
} from './types.js';

export interface StepResult {
  readonly next: FsmSnapshot;
  readonly actions: FsmAction[];
  readonly reason: string;
  /** The table row this step followed. */
  readonly transition: Transition;
}

/** Timers that may run in each state; the others are stopped on entering it. */
export const TIMERS_OF: Readonly<Record<FsmState, readonly TimerName[]>> = {
  Idle: ['idleHold'],
  Connect: ['connectRetry', 'delayOpen'],
  Active: ['connectRetry', 'delayOpen'],
  OpenSent: ['hold'],
  OpenConfirm: ['hold', 'keepalive'],
  Established: ['hold', 'keepalive'],
};

export function initialSnapshot(cfg: PeerFsmConfig): FsmSnapshot {
  return { state: 'Idle', connectRetryCounter: 0, idleHoldSeconds: cfg.idleHoldTime };
}

/** What a handler proposes; the table row supplies the target state and the reason. */
interface Plan {
  readonly key: Transition['event'];
  /** Appended to the row's reason. */
  readonly detail?: string;
  readonly actions?: readonly FsmAction[];
  readonly patch?: Partial<FsmSnapshot>;
  /** The reason becomes lastError. */
  readonly error?: boolean;
}

type Handler<T extends FsmEventType> = (s: FsmSnapshot, e: Extract<FsmEvent, { type: T }>, cfg: PeerFsmConfig) => Plan;

const startTimer = (timer: TimerName, seconds: number): FsmAction => ({ type: 'start-timer', timer, seconds });
const stopTimer = (timer: TimerName): FsmAction => ({ type: 'stop-timer', timer });
const notify = (notification: NotificationToSend): FsmAction => ({ type: 'send-notification', notification });
const DISCONNECT: FsmAction = { type: 'disconnect' };
const NO_DATA = Buffer.alloc(0);
const notification = (code: number, subcode: number): NotificationToSend => ({ code, subcode, data: NO_DATA });

const connecting = (s: FsmSnapshot) => s.state === 'Connect' || s.state === 'Active';
const openOrUp = (s: FsmSnapshot) => s.state === 'OpenSent' || s.state === 'OpenConfirm' || s.state === 'Established';

/** Leave Idle: dial (or, passive, wait) under the connect retry timer. */
function start(key: 'ManualStart' | 'TimerExpired:idleHold', cfg: PeerFsmConfig, patch?: Partial<FsmSnapshot>): Plan {
  const retry = startTimer('connectRetry', cfg.connectRetryTime);
  return cfg.passive
    ? { key: `${key}:passive`, actions: [retry], ...(patch ? { patch } : {}) }
    : { key, actions: [retry, { type: 'connect' }], ...(patch ? { patch } : {}) };
}

/** Error-caused drop to Idle, with back-off. */
function fail(s: FsmSnapshot, cfg: PeerFsmConfig, key: Transition['event'], detail?: string, sent?: NotificationToSend): Plan {
  return {
    key,
    ...(detail !== undefined ? { detail } : {}),
    error: true,
    actions: [...(sent ? [notify(sent)] : []), DISCONNECT, startTimer('idleHold', s.idleHoldSeconds)],
    patch: {
      connectRetryCounter: s.connectRetryCounter + 1,
      idleHoldSeconds: Math.max(s.idleHoldSeconds, Math.min(s.idleHoldSeconds * 2, cfg.idleHoldMaxTime)),
    },
  };
}

/** Drop to Idle sending `sent`, without back-off or automatic restart. */
function close(key: Transition['event'], sent: NotificationToSend, detail?: string, patch?: Partial<FsmSnapshot>): Plan {
  return { key, ...(detail !== undefined ? { detail } : {}), actions: [notify(sent), DISCONNECT], ...(patch ? { patch } : {}) };
}

/** Hold and keepalive timers of a negotiated session; none when the hold time is 0. */
function sessionTimers(n: NegotiatedSession): FsmAction[] {
  if (n.holdTime <= 0) return [stopTimer('hold'), stopTimer('keepalive')];
  return [...(n.keepaliveTime > 0 ? [startTimer('keepalive', n.keepaliveTime)] : []), startTimer('hold', n.holdTime)];
}

const restartHold = (s: FsmSnapshot): FsmAction[] =>
  s.negotiated && s.negotiated.holdTime > 0 ? [startTimer('hold', s.negotiated.holdTime)] : [];

/** FSM Error NOTIFICATION for a message the state does not expect (RFC 6608 §3). */
function unexpected(s: FsmSnapshot, cfg: PeerFsmConfig, key: Transition['event']): Plan {
  const subcode = s.state === 'OpenSent' ? FsmSubcode.UNEXPECTED_IN_OPENSENT
    : s.state === 'OpenConfirm' ? FsmSubcode.UNEXPECTED_IN_OPENCONFIRM
      : s.state === 'Established' ? FsmSubcode.UNEXPECTED_IN_ESTABLISHED : FsmSubcode.UNSPECIFIED;
  return fail(s, cfg, key, undefined, notification(ErrorCode.FSM, subcode));
}

/** The peer's OPEN where one is expected: negotiate, then OpenConfirm or Idle. */
function openReceived(s: FsmSnapshot, cfg: PeerFsmConfig, open: OpenMessage, sendOpen: boolean): Plan {
  const n = negotiate(cfg, open);
  if (isWireError(n)) {
    const p = fail(s, cfg, 'OpenReceived:rejected', n.reason, { code: n.code, subcode: n.subcode, data: n.data });
    return { ...p, patch: { ...p.patch, peerOpen: open } };
  }
  const sends: FsmAction[] = sendOpen ? [{ type: 'send-open' }, { type: 'send-keepalive' }] : [{ type: 'send-keepalive' }];
  return { key: 'OpenReceived:accepted', actions: [...sends, ...sessionTimers(n)], patch: { peerOpen: open, negotiated: n } };
}

/** KEEPALIVE, UPDATE and ROUTE-REFRESH. */
function message(s: FsmSnapshot, cfg: PeerFsmConfig, key: 'KeepaliveReceived' | 'UpdateReceived' | 'RouteRefreshReceived'): Plan {
  if (s.state === 'Established') return { key, actions: restartHold(s) };
  if (s.state === 'OpenConfirm' && key === 'KeepaliveReceived') {
    const n = s.negotiated;
    return { key, actions: n ? [...restartHold(s), { type: 'established', session: n }] : [], patch: { idleHoldSeconds: cfg.idleHoldTime } };
  }
  return s.state === 'Idle' ? { key } : unexpected(s, cfg, key);
}

const HANDLERS: { readonly [T in FsmEventType]: Handler<T> } = {
  ManualStart: (s, _e, cfg) => (s.state === 'Idle' ? start('ManualStart', cfg, { connectRetryCounter: 0 }) : { key: 'ManualStart' }),

  ManualStop: (s, e, cfg) => {
    const patch = { connectRetryCounter: 0, idleHoldSeconds: cfg.idleHoldTime };
    if (s.state === 'Idle') return { key: 'ManualStop', actions: [stopTimer('idleHold')], patch };
    if (e.silent) return { key: 'ManualStop', detail: 'closed without NOTIFICATION (graceful restart)', actions: [DISCONNECT], patch };
    const sent = e.notification ?? notification(ErrorCode.CEASE, CeaseSubcode.ADMINISTRATIVE_SHUTDOWN);
    return close('ManualStop', sent, `sent NOTIFICATION ${describeNotification(sent)}`, patch);
  },

  TimerExpired: (s, e, cfg) => {
    const key = `TimerExpired:${e.timer}` as const;
    switch (e.timer) {
      case 'idleHold':
        return s.state === 'Idle' ? start('TimerExpired:idleHold', cfg) : { key };
      case 'connectRetry': {
        if (!connecting(s)) return { key };
        const retry = [stopTimer('delayOpen'), startTimer('connectRetry', cfg.connectRetryTime)];
        return cfg.passive ? { key: `${key}:passive`, actions: retry } : { key, actions: [...retry, { type: 'connect' }] };
      }
      case 'delayOpen':
        return connecting(s) ? { key, actions: [{ type: 'send-open' }, startTimer('hold', OPEN_SENT_HOLD_TIME)] } : { key };
      case 'hold':
        return openOrUp(s) ? fail(s, cfg, key, undefined, notification(ErrorCode.HOLD_TIMER_EXPIRED, 0)) : { key };
      case 'keepalive': {
        const n = s.negotiated;
        const again = n && n.keepaliveTime > 0 ? [startTimer('keepalive', n.keepaliveTime)] : [];
        return { key, actions: [{ type: 'send-keepalive' }, ...again] };
      }
    }
  },

  TcpConnected: (s, _e, cfg) => {
    if (!connecting(s)) return { key: 'TcpConnected' };
    if (cfg.delayOpenTime > 0) {
      return { key: 'TcpConnected:delayOpen', actions: [stopTimer('connectRetry'), startTimer('delayOpen', cfg.delayOpenTime)] };
    }
    return { key: 'TcpConnected', actions: [{ type: 'send-open' }, startTimer('hold', OPEN_SENT_HOLD_TIME)] };
  },

  TcpFailed: (s, e, cfg) => {
    if (s.state === 'OpenConfirm' || s.state === 'Established') return fail(s, cfg, 'TcpFailed', e.reason);
    const retry = startTimer('connectRetry', cfg.connectRetryTime);
    if (connecting(s)) return { key: 'TcpFailed', detail: e.reason, error: true, actions: [stopTimer('delayOpen'), retry] };
    if (s.state === 'OpenSent') return { key: 'TcpFailed', detail: e.reason, error: true, actions: [DISCONNECT, retry] };
    return { key: 'TcpFailed' };
  },

  OpenReceived: (s, e, cfg) => {
    if (s.state === 'OpenSent') return openReceived(s, cfg, e.open, false);
    if (connecting(s)) {
      return cfg.delayOpenTime > 0
        ? openReceived(s, cfg, e.open, true)
        : fail(s, cfg, 'OpenReceived:unexpected', undefined, notification(ErrorCode.FSM, FsmSubcode.UNSPECIFIED));
    }
    return s.state === 'Idle' ? { key: 'OpenReceived' } : unexpected(s, cfg, 'OpenReceived');
  },

  KeepaliveReceived: (s, _e, cfg) => message(s, cfg, 'KeepaliveReceived'),
  UpdateReceived: (s, _e, cfg) => message(s, cfg, 'UpdateReceived'),
  RouteRefreshReceived: (s, _e, cfg) => message(s, cfg, 'RouteRefreshReceived'),

  NotificationReceived: (s, e, cfg) =>
    s.state === 'Idle' ? { key: 'NotificationReceived' } : fail(s, cfg, 'NotificationReceived', describeNotification(e.notification)),

  MessageError: (s, e, cfg) =>
    s.state === 'Idle'
      ? { key: 'MessageError' }
      : fail(s, cfg, 'MessageError', e.error.reason, { code: e.error.code, subcode: e.error.subcode, data: e.error.data }),

  CollisionDump: (s) =>
    s.state === 'Idle' ? { key: 'CollisionDump' } : close('CollisionDump', notification(ErrorCode.CEASE, CeaseSubcode.CONNECTION_COLLISION_RESOLUTION)),
};

/** session-down with the NOTIFICATION that ended the session, sent or received, if any. */
function sessionDown(reason: string, e: FsmEvent, plan: Plan): FsmAction {
  if (e.type === 'NotificationReceived') {
    const n = e.notification;
    return { type: 'session-down', reason, notification: { code: n.code, subcode: n.subcode, data: n.data, sent: false } };
  }
  const sent = plan.actions?.find((a) => a.type === 'send-notification');
  return sent ? { type: 'session-down', reason, notification: { ...sent.notification, sent: true } } : { type: 'session-down', reason };
}

export function step(s: FsmSnapshot, e: FsmEvent, cfg: PeerFsmConfig): StepResult {
  const plan = (HANDLERS[e.type] as Handler<FsmEventType>)(s, e as never, cfg);
  const row = findTransition(s.state, plan.key);
  if (!row) throw new Error(`peer FSM: no transition for ${plan.key} in ${s.state}`); // a bug: the table is complete
  if (isIgnored(row)) return { next: s, actions: [], reason: row.reason, transition: row };

  const reason = plan.detail ? `${row.reason}: ${plan.detail}` : row.reason;
  const actions: FsmAction[] = [];
  if (row.to !== s.state) {
    for (const t of TIMERS_OF[s.state]) if (!TIMERS_OF[row.to].includes(t)) actions.push(stopTimer(t));
  }
  if (s.state === 'Established' && row.to !== 'Established') actions.push(sessionDown(reason, e, plan));
  if (plan.actions) actions.push(...plan.actions);

  const { negotiated, peerOpen, ...rest } = { ...s, ...plan.patch };
  const next: FsmSnapshot = {
    ...rest,
    state: row.to,
    ...(plan.error ? { lastError: reason } : {}),
    // the peer's OPEN outlives the session (to explain a rejection) until the next start
    ...(peerOpen && !(s.state === 'Idle' && row.to !== 'Idle') ? { peerOpen } : {}),
    ...(negotiated && (row.to === 'OpenConfirm' || row.to === 'Established') ? { negotiated } : {}),
  };
  return { next, actions, reason, transition: row };
}
