// The transition table against the step function (ARCHITECTURE.md rule 5):
// the table is complete and unambiguous, and an exhaustive exploration of
// every reachable snapshot × every event type (representative payloads) ×
// every kind of configuration shows that step() never throws, only makes
// transitions listed in the table, uses every row, and keeps the invariants
// of RFC 4271 §8 as this FSM states them (timers per state, session-down
// exactly when leaving Established, NOTIFICATION before disconnect). Then a
// property test drives random event sequences through FsmDriver on a
// FakeClock and checks the same invariants on the running timers.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shutdownNotification, wireError } from '../wire/index.js';
import { eventTypeOf, isIgnored, TRANSITIONS } from './table.js';
import { initialSnapshot, step, TIMERS_OF } from './step.js';
import { Harness, LOCAL_AS, peerConfig, peerOpen } from './test-helpers.js';
import {
  FSM_EVENT_TYPES, FSM_STATES, TIMER_NAMES,
  type FsmAction, type FsmEvent, type FsmSnapshot, type PeerFsmConfig, type Transition,
} from './types.js';

const CONFIGS: PeerFsmConfig[] = [];
for (const passive of [false, true]) {
  for (const delayOpenTime of [0, 4]) {
    for (const holdTime of [90, 0]) CONFIGS.push(peerConfig({ passive, delayOpenTime, holdTime, idleHoldMaxTime: 16 }));
  }
}
CONFIGS.push(peerConfig({ peerAs: LOCAL_AS, requiredFamilies: ['ipv6-unicast'] }));

const EVENTS: FsmEvent[] = [
  { type: 'ManualStart' },
  { type: 'ManualStop' },
  { type: 'ManualStop', notification: shutdownNotification(2, 'maintenance') },
  ...TIMER_NAMES.map((timer): FsmEvent => ({ type: 'TimerExpired', timer })),
  { type: 'TcpConnected' },
  { type: 'TcpFailed', reason: 'connection reset by peer' },
  { type: 'OpenReceived', open: peerOpen() },
  { type: 'OpenReceived', open: peerOpen({ holdTime: 0 }) },
  { type: 'OpenReceived', open: peerOpen({ asn: LOCAL_AS }) }, // accepted by the iBGP config only
  { type: 'OpenReceived', open: peerOpen({ asn: 65535, routerId: '198.18.0.1' }) }, // bad peer AS
  { type: 'OpenReceived', open: peerOpen({ capabilities: [] }) }, // no ipv6-unicast
  { type: 'KeepaliveReceived' },
  { type: 'UpdateReceived' },
  { type: 'RouteRefreshReceived' },
  { type: 'NotificationReceived', notification: { kind: 'notification', code: 6, subcode: 4, data: Buffer.alloc(0) } },
  { type: 'MessageError', error: wireError(1, 1, 'session-reset', 'bad marker') },
  { type: 'CollisionDump' },
];

const UP = new Set(['OpenConfirm', 'Established']);

describe('transition table', () => {
  it('has exactly one row per state and event key, and a row for every state and event type', () => {
    const keys = TRANSITIONS.map((t) => `${t.from} ${t.event}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const from of FSM_STATES) {
      for (const type of FSM_EVENT_TYPES) {
        expect(TRANSITIONS.some((t) => t.from === from && eventTypeOf(t.event) === type), `${from} + ${type}`).toBe(true);
      }
      for (const timer of TIMER_NAMES) {
        expect(TRANSITIONS.some((t) => t.from === from && t.event.startsWith(`TimerExpired:${timer}`)), `${from} + ${timer}`).toBe(true);
      }
    }
  });
  it('every row has a reason; ignored rows are self-loops', () => {
    for (const t of TRANSITIONS) {
      expect(t.reason.length).toBeGreaterThan(0);
      expect(FSM_STATES).toContain(t.to);
      if (t.reason.startsWith('ignored')) expect(t.to).toBe(t.from);
    }
  });
});

/** Invariants of one step, whatever the state and event: the broken ones, in words. */
function violations(s: FsmSnapshot, e: FsmEvent, next: FsmSnapshot, actions: FsmAction[], reason: string, row: Transition): string[] {
  const bad: string[] = [];
  const check = (ok: boolean, what: string) => { if (!ok) bad.push(`${s.state} + ${row.event}: ${what}`); };
  check(TRANSITIONS.includes(row), 'row not in TRANSITIONS');
  check(row.from === s.state && row.to === next.state, `went ${s.state} → ${next.state} by row ${row.from} → ${row.to}`);
  check(eventTypeOf(row.event) === e.type, `row is for ${row.event}, event was ${e.type}`);
  check(reason.startsWith(row.reason), `reason ${reason} is not the row's`);
  if (isIgnored(row)) {
    check(actions.length === 0 && next === s, 'an ignored event changed something');
    return bad;
  }
  const types = actions.map((a) => a.type);
  for (const a of actions) if (a.type === 'start-timer') check(TIMERS_OF[next.state].includes(a.timer), `starts ${a.timer}`);
  const leavesEstablished = s.state === 'Established' && next.state !== 'Established';
  check(types.includes('session-down') === leavesEstablished, 'session-down exactly when leaving Established');
  if (leavesEstablished) check(types.indexOf('session-down') < types.indexOf('disconnect'), 'session-down before disconnect');
  check(types.includes('established') === (s.state === 'OpenConfirm' && next.state === 'Established'), 'established exactly on entering Established');
  if (next.state === 'Idle' && s.state !== 'Idle') check(types.includes('disconnect'), 'disconnect on dropping to Idle');
  if (types.includes('send-notification')) check(types.indexOf('send-notification') < types.indexOf('disconnect'), 'NOTIFICATION before disconnect');
  check((next.negotiated !== undefined) === UP.has(next.state), 'negotiated only in OpenConfirm and Established');
  if (s.state === 'Idle' && next.state !== 'Idle') check(types.includes('start-timer'), 'a start runs the connect retry timer');
  return bad;
}

describe('exhaustive exploration of step()', () => {
  it('only makes listed transitions, never throws, and uses every row', () => {
    const used = new Set<Transition>();
    const seen = new Set<string>();
    const keyOf = (s: FsmSnapshot) => `${s.state}|${s.idleHoldSeconds}|${s.negotiated?.holdTime ?? '-'}|${s.peerOpen ? 1 : 0}`;
    const queue: FsmSnapshot[] = CONFIGS.map(initialSnapshot);
    let steps = 0;
    const bad: string[] = [];
    while (queue.length > 0) {
      const s = queue.shift()!;
      if (seen.has(keyOf(s))) continue;
      seen.add(keyOf(s));
      for (const cfg of CONFIGS) {
        for (const e of EVENTS) {
          const r = step(s, e, cfg);
          steps++;
          bad.push(...violations(s, e, r.next, r.actions, r.reason, r.transition));
          used.add(r.transition);
          if (!seen.has(keyOf(r.next))) queue.push(r.next);
        }
      }
    }
    expect(bad.slice(0, 20)).toEqual([]);
    const unused = TRANSITIONS.filter((t) => !used.has(t)).map((t) => `${t.from} ${t.event}`);
    expect(unused).toEqual([]);
    expect(seen.size).toBeGreaterThan(FSM_STATES.length);
    expect(steps).toBeGreaterThan(1000);
  });

  it('never throws on hand-made snapshots without a negotiated session', () => {
    for (const state of FSM_STATES) {
      for (const cfg of CONFIGS) {
        for (const e of EVENTS) {
          const s: FsmSnapshot = { state, connectRetryCounter: 0, idleHoldSeconds: 1 };
          const r = step(s, e, cfg);
          expect(r.transition.from).toBe(state);
          expect(r.transition.to).toBe(r.next.state);
        }
      }
    }
  });
});

describe('random event sequences through the driver (fast-check)', () => {
  const op = fc.oneof(
    { arbitrary: fc.constantFrom(...EVENTS).map((e) => ({ kind: 'event' as const, e })), weight: 6 },
    { arbitrary: fc.integer({ min: 0, max: 300_000 }).map((ms) => ({ kind: 'advance' as const, ms })), weight: 2 },
    { arbitrary: fc.integer({ min: 0, max: CONFIGS.length - 1 }).map((i) => ({ kind: 'config' as const, i })), weight: 1 },
  );
  it('running timers belong to the state, and established/session-down alternate', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: CONFIGS.length - 1 }), fc.array(op, { maxLength: 60 }), (first, ops) => {
        let up = 0;
        const h = new Harness(CONFIGS[first]!, (a) => {
          if (a.type === 'established') up++;
          if (a.type === 'session-down') up--;
          if (up !== 0 && up !== 1) throw new Error('established and session-down do not alternate');
        });
        for (const o of ops) {
          if (o.kind === 'event') h.driver.dispatch(o.e);
          else if (o.kind === 'advance') h.clock.advance(o.ms);
          else h.driver.updateConfig(CONFIGS[o.i]!);
          const state = h.driver.state;
          for (const t of h.driver.runningTimers) if (!TIMERS_OF[state].includes(t)) return false;
          if (h.clock.pending() !== h.driver.runningTimers.length) return false;
          if (up !== (state === 'Established' ? 1 : 0)) return false;
          if ((h.driver.snapshot.negotiated !== undefined) !== UP.has(state)) return false;
        }
        return h.driver.history.every((r) => TRANSITIONS.some((t) => t.from === r.from && t.to === r.to && t.event === r.event));
      }),
      { numRuns: 300 },
    );
  });
});
