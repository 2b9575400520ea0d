// The explicit transition table of the peer FSM (RFC 4271 §8.2.2, RFC 6608
// for unexpected messages, RFC 4271 §8.1.1 DelayOpen and IdleHold). Every
// (state, event) pair has exactly one row, ignored events included, so
// step() can only make a transition listed here: it classifies the event
// into a row key, looks the row up and takes its target state and reason.
//
// Where this differs from the letter of RFC 4271 §8.2.2 (simplified):
//  - Connect + TcpFailed goes to Active (as RFC 1771 and most speakers do),
//    Active + TcpFailed stays in Active; neither drops to Idle.
//  - OpenSent + TcpFailed goes to Active (RFC 4271 event 18), no back-off.
//  - The hold timer never runs in Idle, Connect or Active, so a hold expiry
//    there is stale and ignored (likewise every timer outside its states).
//  - Unexpected messages in Connect/Active (only possible during DelayOpen)
//    send FSM Error 5/0 Unspecified before dropping to Idle.
//  - Connection collisions (§6.8) are decided by the session layer, which
//    dispatches CollisionDump to the losing connection's FSM; a second
//    TcpConnected in OpenSent and later is ignored here.

import type { FsmEventType, FsmState, Transition } from './types.js';

type Key = Transition['event'];

const rows: Transition[] = [];

function row(from: FsmState | readonly FsmState[], event: Key, to: FsmState | 'same', reason: string): void {
  for (const f of typeof from === 'string' ? [from] : from) rows.push({ from: f, event, to: to === 'same' ? f : to, reason });
}

function ignore(from: FsmState | readonly FsmState[], events: readonly Key[], why: string): void {
  for (const e of events) row(from, e, 'same', `ignored: ${why}`);
}

const CONNECTING: readonly FsmState[] = ['Connect', 'Active'];
const OPEN_OR_UP: readonly FsmState[] = ['OpenSent', 'OpenConfirm', 'Established'];
const NOT_IDLE: readonly FsmState[] = ['Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'];
const MESSAGES: readonly Key[] = ['OpenReceived', 'KeepaliveReceived', 'UpdateReceived', 'RouteRefreshReceived', 'NotificationReceived', 'MessageError'];

// Idle: refuses everything but a start; ManualStop cancels a pending automatic restart.
row('Idle', 'ManualStart', 'Connect', 'manual start: dialing the peer');
row('Idle', 'ManualStart:passive', 'Active', 'manual start: passive, waiting for the peer to connect');
row('Idle', 'TimerExpired:idleHold', 'Connect', 'back-off over: automatic restart, dialing the peer');
row('Idle', 'TimerExpired:idleHold:passive', 'Active', 'back-off over: automatic restart, waiting for the peer to connect');
row('Idle', 'ManualStop', 'Idle', 'manual stop: automatic restart cancelled');
ignore('Idle', ['TimerExpired:connectRetry', 'TimerExpired:hold', 'TimerExpired:keepalive', 'TimerExpired:delayOpen'], 'stale timer, not running in Idle');
ignore('Idle', ['TcpConnected', 'TcpFailed', 'CollisionDump', ...MESSAGES], 'Idle refuses connections and messages until started');

// Every state but Idle.
ignore(NOT_IDLE, ['ManualStart'], 'already started');
row(NOT_IDLE, 'ManualStop', 'Idle', 'manual stop');
row(NOT_IDLE, 'NotificationReceived', 'Idle', 'received NOTIFICATION');
row(NOT_IDLE, 'MessageError', 'Idle', 'malformed message');
row(NOT_IDLE, 'CollisionDump', 'Idle', 'connection collision: this connection lost');
ignore(NOT_IDLE, ['TimerExpired:idleHold'], 'stale timer, runs in Idle only');

// Connect and Active: dialing or waiting, then (with DelayOpen) holding our OPEN back.
row(CONNECTING, 'TimerExpired:connectRetry', 'Connect', 'connect retry timer expired: dialing the peer');
row(CONNECTING, 'TimerExpired:connectRetry:passive', 'Active', 'connect retry timer expired: passive, waiting for the peer');
row(CONNECTING, 'TcpConnected', 'OpenSent', 'TCP connection up: OPEN sent');
row(CONNECTING, 'TcpConnected:delayOpen', 'same', 'TCP connection up: delaying our OPEN');
row(CONNECTING, 'TimerExpired:delayOpen', 'OpenSent', 'delay open timer expired: OPEN sent');
row(CONNECTING, 'TcpFailed', 'Active', 'TCP connection failed');
row(CONNECTING, 'OpenReceived:accepted', 'OpenConfirm', 'OPEN received during DelayOpen and accepted: OPEN and KEEPALIVE sent');
row(CONNECTING, 'OpenReceived:rejected', 'Idle', 'OPEN received during DelayOpen and rejected');
row(CONNECTING, 'OpenReceived:unexpected', 'Idle', 'unexpected OPEN before ours (DelayOpen is off)');
row(CONNECTING, 'KeepaliveReceived', 'Idle', 'unexpected KEEPALIVE before OPEN');
row(CONNECTING, 'UpdateReceived', 'Idle', 'unexpected UPDATE before OPEN');
row(CONNECTING, 'RouteRefreshReceived', 'Idle', 'unexpected ROUTE-REFRESH before OPEN');
ignore(CONNECTING, ['TimerExpired:hold', 'TimerExpired:keepalive'], 'stale timer, not running before OpenSent');

// OpenSent: our OPEN is out, waiting for the peer's.
row('OpenSent', 'OpenReceived:accepted', 'OpenConfirm', 'OPEN received and accepted: KEEPALIVE sent');
row('OpenSent', 'OpenReceived:rejected', 'Idle', 'OPEN received and rejected');
row('OpenSent', 'TcpFailed', 'Active', 'TCP connection failed in OpenSent');
row('OpenSent', 'KeepaliveReceived', 'Idle', 'unexpected KEEPALIVE in OpenSent');
row('OpenSent', 'UpdateReceived', 'Idle', 'unexpected UPDATE in OpenSent');
row('OpenSent', 'RouteRefreshReceived', 'Idle', 'unexpected ROUTE-REFRESH in OpenSent');
ignore('OpenSent', ['TimerExpired:keepalive'], 'stale timer, not running in OpenSent');

// OpenConfirm: OPENs exchanged, waiting for the peer's KEEPALIVE.
row('OpenConfirm', 'KeepaliveReceived', 'Established', 'KEEPALIVE received: session established');
row('OpenConfirm', 'OpenReceived', 'Idle', 'unexpected OPEN in OpenConfirm');
row('OpenConfirm', 'UpdateReceived', 'Idle', 'unexpected UPDATE in OpenConfirm');
row('OpenConfirm', 'RouteRefreshReceived', 'Idle', 'unexpected ROUTE-REFRESH in OpenConfirm');
row('OpenConfirm', 'TcpFailed', 'Idle', 'TCP connection lost in OpenConfirm');

// Established.
row('Established', 'KeepaliveReceived', 'Established', 'KEEPALIVE received: hold timer restarted');
row('Established', 'UpdateReceived', 'Established', 'UPDATE received: hold timer restarted');
row('Established', 'RouteRefreshReceived', 'Established', 'ROUTE-REFRESH received: hold timer restarted');
row('Established', 'OpenReceived', 'Idle', 'unexpected OPEN in Established');
row('Established', 'TcpFailed', 'Idle', 'TCP connection lost in Established');

// OpenSent, OpenConfirm and Established: the hold timer runs, the connection is ours.
row(OPEN_OR_UP, 'TimerExpired:hold', 'Idle', 'hold timer expired');
row(['OpenConfirm', 'Established'], 'TimerExpired:keepalive', 'same', 'keepalive timer expired: KEEPALIVE sent');
ignore(OPEN_OR_UP, ['TimerExpired:connectRetry', 'TimerExpired:delayOpen'], 'stale timer, not running after OpenSent');
ignore(OPEN_OR_UP, ['TcpConnected'], 'a second connection is for the session layer\'s collision detection (RFC 4271 §6.8)');

export const TRANSITIONS: readonly Transition[] = Object.freeze(rows.map((r) => Object.freeze(r)));

const byKey = new Map<string, Transition>();
for (const t of TRANSITIONS) {
  const k = `${t.from} ${t.event}`;
  if (byKey.has(k)) throw new Error(`transition table: duplicate row ${k}`);
  byKey.set(k, t);
}

/** The row for `event` (a row key) in state `from`, or undefined when the table has none. */
export function findTransition(from: FsmState, event: Key): Transition | undefined {
  return byKey.get(`${from} ${event}`);
}

export function isIgnored(t: Transition): boolean {
  return t.from === t.to && t.reason.startsWith('ignored');
}

/** The event type of a row key: 'TimerExpired:hold' → 'TimerExpired'. */
export function eventTypeOf(key: Key): FsmEventType {
  const i = key.indexOf(':');
  return (i < 0 ? key : key.slice(0, i)) as FsmEventType;
}
