// The FSM driven through FsmDriver on a FakeClock (ARCHITECTURE.md rule 12):
// session setup (RFC 4271 §8.2.2), DelayOpen in both orders (§8.1.1), a
// passive peer, hold timer and keepalive timing (§4.4, §10), back-off,
// ManualStop, NOTIFICATIONs sent and received, RFC 6608 FSM errors and
// collision dumps (§6.8).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CeaseSubcode, ErrorCode, FsmSubcode, shutdownNotification, wireError, type NotificationMessage } from '../wire/index.js';
import { FsmDriver, HISTORY_LENGTH } from './driver.js';
import { FakeClock } from './fake-clock.js';
import { Harness, LOCAL_AS, peerConfig, peerOpen } from './test-helpers.js';
import type { FsmAction, FsmEvent, NegotiatedSession } from './types.js';

const notificationOf = (actions: FsmAction[]) =>
  actions.flatMap((a) => (a.type === 'send-notification' ? [`${a.notification.code}/${a.notification.subcode}`] : []));

describe('session setup', () => {
  it('Idle → Connect → OpenSent → OpenConfirm → Established', () => {
    const h = new Harness();
    const d = h.driver;
    expect(d.state).toBe('Idle');
    d.dispatch({ type: 'ManualStart' });
    expect(d.state).toBe('Connect');
    expect(h.types()).toEqual(['connect']);
    expect(d.runningTimers).toEqual(['connectRetry']);

    d.dispatch({ type: 'TcpConnected' });
    expect(d.state).toBe('OpenSent');
    expect(h.types()).toEqual(['send-open']);
    expect(d.runningTimers).toEqual(['hold']);
    expect(h.clock.nextDue()).toBe(240_000); // "a large value" while waiting for the OPEN

    d.dispatch({ type: 'OpenReceived', open: peerOpen({ holdTime: 30 }) });
    expect(d.state).toBe('OpenConfirm');
    expect(h.types()).toEqual(['send-keepalive']);
    expect([...d.runningTimers].sort()).toEqual(['hold', 'keepalive']);
    expect(d.snapshot.negotiated).toMatchObject({ holdTime: 30, keepaliveTime: 10, peerAs: 64513 });
    expect(d.snapshot.peerOpen?.holdTime).toBe(30);

    d.dispatch({ type: 'KeepaliveReceived' });
    expect(d.state).toBe('Established');
    const actions = h.take();
    expect(actions).toHaveLength(1);
    const est = actions[0] as Extract<FsmAction, { type: 'established' }>;
    expect(est.type).toBe('established');
    expect(est.session).toBe(d.snapshot.negotiated);
    expect(h.states).toEqual(['Connect', 'OpenSent', 'OpenConfirm', 'Established']);
    expect(d.history.map((t) => t.event)).toEqual(['ManualStart', 'TcpConnected', 'OpenReceived:accepted', 'KeepaliveReceived']);
  });

  it('the OpenSent hold timer is 240 s; its expiry sends 4/0', () => {
    const h = new Harness();
    h.driver.dispatch({ type: 'ManualStart' });
    h.driver.dispatch({ type: 'TcpConnected' });
    h.take();
    h.clock.advance(239_999);
    expect(h.driver.state).toBe('OpenSent');
    h.clock.advance(1);
    expect(h.driver.state).toBe('Idle');
    expect(notificationOf(h.take())).toEqual(['4/0']);
  });

  it('connect failure: Connect → Active, retried after connectRetryTime', () => {
    const h = new Harness();
    h.driver.dispatch({ type: 'ManualStart' });
    h.take();
    h.driver.dispatch({ type: 'TcpFailed', reason: 'ECONNREFUSED' });
    expect(h.driver.state).toBe('Active');
    expect(h.driver.snapshot.lastError).toBe('TCP connection failed: ECONNREFUSED');
    h.clock.advance(4_999);
    expect(h.driver.state).toBe('Active');
    h.clock.advance(1);
    expect(h.driver.state).toBe('Connect');
    expect(h.types()).toEqual(['connect']);
    // a connect attempt that hangs is retried every connectRetryTime
    h.advanceSeconds(5);
    expect(h.driver.state).toBe('Connect');
    expect(h.types()).toEqual(['connect']);
  });

  it('OpenSent + TcpFailed goes back to Active without back-off (RFC 4271 event 18)', () => {
    const h = new Harness();
    h.driver.dispatch({ type: 'ManualStart' });
    h.driver.dispatch({ type: 'TcpConnected' });
    h.take();
    h.driver.dispatch({ type: 'TcpFailed', reason: 'connection reset' });
    expect(h.driver.state).toBe('Active');
    expect(h.driver.runningTimers).toEqual(['connectRetry']);
    expect(h.driver.snapshot.idleHoldSeconds).toBe(1);
  });

  it('events dispatched from an action callback run after the current step', () => {
    const h = new Harness(peerConfig(), (a, d) => {
      if (a.type === 'connect') d.dispatch({ type: 'TcpFailed', reason: 'no route' });
    });
    h.driver.dispatch({ type: 'ManualStart' });
    expect(h.driver.state).toBe('Active');
    expect(h.driver.runningTimers).toEqual(['connectRetry']);
    expect(h.states).toEqual(['Connect', 'Active']);
  });
});

describe('DelayOpen', () => {
  const cfg = peerConfig({ delayOpenTime: 3 });
  it('the timer expires first: OPEN sent then, OpenSent', () => {
    const h = new Harness(cfg);
    h.driver.dispatch({ type: 'ManualStart' });
    h.driver.dispatch({ type: 'TcpConnected' });
    expect(h.driver.state).toBe('Connect');
    expect(h.types()).toEqual(['connect']);
    expect(h.driver.runningTimers).toEqual(['delayOpen']);
    h.clock.advance(2_999);
    expect(h.types()).toEqual([]);
    h.clock.advance(1);
    expect(h.driver.state).toBe('OpenSent');
    expect(h.types()).toEqual(['send-open']);
    h.driver.dispatch({ type: 'OpenReceived', open: peerOpen() });
    expect(h.driver.state).toBe('OpenConfirm');
    expect(h.types()).toEqual(['send-keepalive']);
  });
  it('the peer\'s OPEN arrives first: OPEN and KEEPALIVE sent, OpenConfirm', () => {
    const h = new Harness(cfg);
    h.driver.dispatch({ type: 'ManualStart' });
    h.driver.dispatch({ type: 'TcpConnected' });
    h.take();
    h.clock.advance(1_000);
    h.driver.dispatch({ type: 'OpenReceived', open: peerOpen() });
    expect(h.driver.state).toBe('OpenConfirm');
    expect(h.types()).toEqual(['send-open', 'send-keepalive']);
    expect([...h.driver.runningTimers].sort()).toEqual(['hold', 'keepalive']);
    h.advanceSeconds(5); // the delay open timer is gone: no second OPEN
    expect(h.types()).toEqual([]);
    h.driver.dispatch({ type: 'KeepaliveReceived' });
    expect(h.driver.state).toBe('Established');
  });
  it('a rejected OPEN during DelayOpen sends the OPEN error and backs off', () => {
    const h = new Harness(cfg);
    h.driver.dispatch({ type: 'ManualStart' });
    h.driver.dispatch({ type: 'TcpConnected' });
    h.take();
    h.driver.dispatch({ type: 'OpenReceived', open: peerOpen({ asn: 65000 }) });
    expect(h.driver.state).toBe('Idle');
    expect(h.types()).toEqual(['send-notification', 'disconnect']);
    expect(h.driver.runningTimers).toEqual(['idleHold']);
  });
});

describe('passive peer', () => {
  it('waits in Active, never dials, and answers an incoming connection', () => {
    const h = new Harness(peerConfig({ passive: true }));
    h.driver.dispatch({ type: 'ManualStart' });
    expect(h.driver.state).toBe('Active');
    h.advanceSeconds(60);
    expect(h.driver.state).toBe('Active');
    expect(h.types()).toEqual([]);
    h.driver.dispatch({ type: 'TcpConnected' });
    expect(h.driver.state).toBe('OpenSent');
    expect(h.types()).toEqual(['send-open']);
    h.driver.dispatch({ type: 'TcpFailed', reason: 'reset' });
    expect(h.driver.state).toBe('Active');
    expect(h.types()).toEqual(['disconnect']);
    h.advanceSeconds(60);
    expect(h.types()).toEqual([]);
    expect(h.driver.state).toBe('Active');
  });
  it('restarts passive after a back-off', () => {
    const h = new Harness(peerConfig({ passive: true }));
    h.establish();
    h.driver.dispatch({ type: 'TcpFailed', reason: 'reset' });
    h.advanceSeconds(1);
    expect(h.driver.state).toBe('Active');
    expect(h.types()).not.toContain('connect');
  });
});

describe('hold and keepalive timers', () => {
  it('the hold timer expires at exactly the negotiated hold time, not earlier', () => {
    const h = new Harness();
    h.establish(peerOpen({ holdTime: 9 }));
    h.clock.advance(8_999);
    expect(h.driver.state).toBe('Established');
    h.clock.advance(1);
    expect(h.driver.state).toBe('Idle');
    const actions = h.take();
    const i = actions.findIndex((a) => a.type === 'session-down');
    expect(i).toBeGreaterThanOrEqual(0);
    expect(actions.slice(i).map((a) => a.type)).toEqual(['session-down', 'send-notification', 'disconnect']);
    expect(notificationOf(actions)).toEqual([`${ErrorCode.HOLD_TIMER_EXPIRED}/0`]);
    expect(h.driver.snapshot.lastError).toBe('hold timer expired');
  });
  it('messages from the peer restart the hold timer', () => {
    const h = new Harness();
    h.establish(peerOpen({ holdTime: 9 }));
    for (const type of ['KeepaliveReceived', 'UpdateReceived', 'RouteRefreshReceived'] as const) {
      h.clock.advance(8_000);
      h.driver.dispatch({ type });
    }
    h.clock.advance(8_999);
    expect(h.driver.state).toBe('Established');
    h.clock.advance(1);
    expect(h.driver.state).toBe('Idle');
  });
  it('expires exactly hold seconds after the last message, however they are spaced (fast-check)', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 8_999 }), { maxLength: 30 }), (gaps) => {
      const h = new Harness();
      h.establish(peerOpen({ holdTime: 9 }));
      for (const g of gaps) {
        h.clock.advance(g);
        h.driver.dispatch({ type: 'UpdateReceived' });
      }
      h.clock.advance(8_999);
      const before = h.driver.state;
      h.clock.advance(1);
      return before === 'Established' && h.driver.state === 'Idle' && h.driver.snapshot.lastError === 'hold timer expired';
    }), { numRuns: 200 });
  });
  it('a flood of UPDATEs does not churn clock timers', () => {
    class CountingClock extends FakeClock {
      sets = 0;
      override setTimer(ms: number, fn: () => void): number {
        this.sets++;
        return super.setTimer(ms, fn);
      }
    }
    const clock = new CountingClock();
    const d = new FsmDriver(peerConfig(), clock, () => {});
    for (const e of [{ type: 'ManualStart' }, { type: 'TcpConnected' }, { type: 'OpenReceived', open: peerOpen() }, { type: 'KeepaliveReceived' }] as const) d.dispatch(e);
    const before = clock.sets;
    for (let i = 0; i < 10_000; i++) {
      if (i % 100 === 0) clock.advance(10);
      d.dispatch({ type: 'UpdateReceived' });
    }
    expect(clock.sets - before).toBeLessThanOrEqual(1);
    expect(clock.pending()).toBe(2);
  });
  it('sends a KEEPALIVE every hold/3 seconds', () => {
    const h = new Harness();
    h.establish(peerOpen({ holdTime: 90 }));
    const sentAt: number[] = [];
    for (let t = 0; t < 120; t++) {
      h.advanceSeconds(1);
      if (t % 20 === 19) h.driver.dispatch({ type: 'KeepaliveReceived' });
      for (const a of h.take()) if (a.type === 'send-keepalive') sentAt.push(h.clock.now() / 1000);
    }
    expect(sentAt).toEqual([30, 60, 90, 120]);
  });
  it('uses a configured shorter keepalive', () => {
    const h = new Harness(peerConfig({ keepaliveTime: 5 }));
    h.establish();
    h.advanceSeconds(20);
    expect(h.types()).toEqual(['send-keepalive', 'send-keepalive', 'send-keepalive', 'send-keepalive']);
  });
  it('hold time 0: no hold timer, no keepalives', () => {
    const h = new Harness();
    h.driver.dispatch({ type: 'ManualStart' });
    h.driver.dispatch({ type: 'TcpConnected' });
    h.driver.dispatch({ type: 'OpenReceived', open: peerOpen({ holdTime: 0 }) });
    expect(h.driver.runningTimers).toEqual([]);
    h.driver.dispatch({ type: 'KeepaliveReceived' });
    expect(h.driver.state).toBe('Established');
    h.take();
    h.advanceSeconds(3600);
    expect(h.driver.state).toBe('Established');
    expect(h.types()).toEqual([]);
    expect(h.clock.pending()).toBe(0);
  });
});

describe('back-off', () => {
  it('doubles 1, 2, 4, … up to the cap, and resets once Established', () => {
    const h = new Harness(peerConfig({ idleHoldTime: 1, idleHoldMaxTime: 60 }));
    h.driver.dispatch({ type: 'ManualStart' });
    const waits: number[] = [];
    for (let i = 0; i < 9; i++) {
      h.driver.dispatch({ type: 'TcpConnected' });
      h.driver.dispatch({ type: 'NotificationReceived', notification: { kind: 'notification', code: 6, subcode: 5, data: Buffer.alloc(0) } });
      expect(h.driver.state).toBe('Idle');
      expect(h.driver.runningTimers).toEqual(['idleHold']);
      const wait = h.clock.nextDue()!;
      waits.push(wait / 1000);
      h.clock.advance(wait - 1);
      expect(h.driver.state).toBe('Idle');
      h.clock.advance(1);
      expect(h.driver.state).toBe('Connect'); // automatic restart
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 60, 60, 60]);
    expect(h.driver.snapshot.connectRetryCounter).toBe(9);
    h.establish();
    expect(h.driver.snapshot.idleHoldSeconds).toBe(1);
    h.driver.dispatch({ type: 'TcpFailed', reason: 'reset' });
    expect(h.clock.nextDue()).toBe(1_000);
    expect(h.driver.snapshot.idleHoldSeconds).toBe(2);
  });
});

describe('ManualStop', () => {
  it('from Established: session-down, Cease/Administrative Shutdown, disconnect, and no restart', () => {
    const h = new Harness();
    h.establish();
    h.driver.dispatch({ type: 'ManualStop' });
    expect(h.driver.state).toBe('Idle');
    const actions = h.take();
    expect(actions.map((a) => a.type)).toEqual(['session-down', 'send-notification', 'disconnect']);
    expect(notificationOf(actions)).toEqual([`6/${CeaseSubcode.ADMINISTRATIVE_SHUTDOWN}`]);
    expect(h.clock.pending()).toBe(0);
    h.advanceSeconds(3600);
    expect(h.driver.state).toBe('Idle');
    expect(h.types()).toEqual([]);
    expect(h.driver.snapshot.negotiated).toBeUndefined();
  });
  it('sends the given NOTIFICATION', () => {
    const h = new Harness();
    h.establish();
    const n = shutdownNotification(CeaseSubcode.ADMINISTRATIVE_RESET, 'reconfiguring');
    h.driver.dispatch({ type: 'ManualStop', notification: n });
    const sent = h.take().find((a) => a.type === 'send-notification');
    expect(sent).toEqual({ type: 'send-notification', notification: n });
  });
  it('in Idle cancels a pending automatic restart', () => {
    const h = new Harness();
    h.establish();
    h.driver.dispatch({ type: 'TcpFailed', reason: 'reset' });
    expect(h.driver.runningTimers).toEqual(['idleHold']);
    h.driver.dispatch({ type: 'ManualStop' });
    expect(h.clock.pending()).toBe(0);
    h.advanceSeconds(600);
    expect(h.driver.state).toBe('Idle');
    h.driver.dispatch({ type: 'ManualStart' });
    expect(h.driver.state).toBe('Connect');
  });
});

describe('errors', () => {
  const cease = (text: string): NotificationMessage => shutdownNotification(2, text);

  it('a received NOTIFICATION is described in lastError', () => {
    const h = new Harness();
    h.establish();
    h.driver.dispatch({ type: 'NotificationReceived', notification: cease('maintenance') });
    expect(h.driver.state).toBe('Idle');
    expect(h.driver.snapshot.lastError).toBe('received NOTIFICATION: Cease / Administrative Shutdown: "maintenance"');
    expect(h.types()).toEqual(['session-down', 'disconnect']);
  });

  const cases: { name: string; before: FsmEvent[]; event: FsmEvent; subcode: number }[] = [
    { name: 'KEEPALIVE in OpenSent', before: [{ type: 'TcpConnected' }], event: { type: 'KeepaliveReceived' }, subcode: FsmSubcode.UNEXPECTED_IN_OPENSENT },
    { name: 'UPDATE in OpenSent', before: [{ type: 'TcpConnected' }], event: { type: 'UpdateReceived' }, subcode: FsmSubcode.UNEXPECTED_IN_OPENSENT },
    { name: 'ROUTE-REFRESH in OpenSent', before: [{ type: 'TcpConnected' }], event: { type: 'RouteRefreshReceived' }, subcode: FsmSubcode.UNEXPECTED_IN_OPENSENT },
    { name: 'UPDATE in OpenConfirm', before: [{ type: 'TcpConnected' }, { type: 'OpenReceived', open: peerOpen() }], event: { type: 'UpdateReceived' }, subcode: FsmSubcode.UNEXPECTED_IN_OPENCONFIRM },
    { name: 'OPEN in OpenConfirm', before: [{ type: 'TcpConnected' }, { type: 'OpenReceived', open: peerOpen() }], event: { type: 'OpenReceived', open: peerOpen() }, subcode: FsmSubcode.UNEXPECTED_IN_OPENCONFIRM },
    {
      name: 'OPEN in Established',
      before: [{ type: 'TcpConnected' }, { type: 'OpenReceived', open: peerOpen() }, { type: 'KeepaliveReceived' }],
      event: { type: 'OpenReceived', open: peerOpen() }, subcode: FsmSubcode.UNEXPECTED_IN_ESTABLISHED,
    },
  ];
  for (const c of cases) {
    it(`unexpected ${c.name}: FSM Error 5/${c.subcode}, disconnect, Idle with back-off`, () => {
      const h = new Harness();
      h.driver.dispatch({ type: 'ManualStart' });
      for (const e of c.before) h.driver.dispatch(e);
      h.take();
      h.driver.dispatch(c.event);
      expect(h.driver.state).toBe('Idle');
      const actions = h.take();
      expect(notificationOf(actions)).toEqual([`${ErrorCode.FSM}/${c.subcode}`]);
      expect(actions.at(-1)).toEqual({ type: 'disconnect' });
      expect(h.driver.runningTimers).toEqual(['idleHold']);
      expect(h.driver.snapshot.lastError).toMatch(/^unexpected /);
    });
  }

  it('a message error sends its NOTIFICATION', () => {
    const h = new Harness();
    h.establish();
    const error = wireError(3, 11, 'session-reset', 'AS_PATH segment runs past the attribute', Buffer.from([1, 2]));
    h.driver.dispatch({ type: 'MessageError', error });
    const actions = h.take();
    expect(actions.map((a) => a.type)).toEqual(['session-down', 'send-notification', 'disconnect']);
    expect(actions[1]).toEqual({ type: 'send-notification', notification: { code: 3, subcode: 11, data: Buffer.from([1, 2]) } });
    expect(h.driver.snapshot.lastError).toBe('malformed message: AS_PATH segment runs past the attribute');
  });

  it('a rejected OPEN sends the OPEN error and keeps the peer\'s OPEN for diagnosis', () => {
    const h = new Harness();
    h.driver.dispatch({ type: 'ManualStart' });
    h.driver.dispatch({ type: 'TcpConnected' });
    h.take();
    const open = peerOpen({ asn: 65001 });
    h.driver.dispatch({ type: 'OpenReceived', open });
    expect(h.driver.state).toBe('Idle');
    expect(notificationOf(h.take())).toEqual(['2/2']);
    expect(h.driver.snapshot.peerOpen).toBe(open);
    expect(h.driver.snapshot.lastError).toBe('OPEN received and rejected: peer AS 65001 is not the configured 64513');
    h.advanceSeconds(1); // the automatic restart forgets it
    expect(h.driver.snapshot.peerOpen).toBeUndefined();
  });

  it('an iBGP peer with our router ID is refused with 2/3', () => {
    const h = new Harness(peerConfig({ peerAs: LOCAL_AS }));
    h.driver.dispatch({ type: 'ManualStart' });
    h.driver.dispatch({ type: 'TcpConnected' });
    h.take();
    h.driver.dispatch({ type: 'OpenReceived', open: peerOpen({ asn: LOCAL_AS, routerId: '198.18.0.1' }) });
    expect(notificationOf(h.take())).toEqual(['2/3']);
  });
});

describe('collision dump (RFC 4271 §6.8)', () => {
  it('sends Cease/Connection Collision Resolution and goes Idle without back-off', () => {
    const h = new Harness();
    h.driver.dispatch({ type: 'ManualStart' });
    h.driver.dispatch({ type: 'TcpConnected' });
    h.driver.dispatch({ type: 'OpenReceived', open: peerOpen() });
    h.take();
    h.driver.dispatch({ type: 'CollisionDump' });
    expect(h.driver.state).toBe('Idle');
    const actions = h.take();
    expect(actions.map((a) => a.type)).toEqual(['send-notification', 'disconnect']);
    expect(notificationOf(actions)).toEqual([`6/${CeaseSubcode.CONNECTION_COLLISION_RESOLUTION}`]);
    expect(h.clock.pending()).toBe(0);
    expect(h.driver.snapshot.idleHoldSeconds).toBe(1);
    expect(h.driver.snapshot.connectRetryCounter).toBe(0);
  });
  it('from Established it also takes the session down', () => {
    const h = new Harness();
    h.establish();
    h.driver.dispatch({ type: 'CollisionDump' });
    expect(h.types()).toEqual(['session-down', 'send-notification', 'disconnect']);
  });
});

describe('driver bookkeeping', () => {
  it('keeps the last 64 state changes with their clock times', () => {
    const h = new Harness();
    for (let i = 0; i < 40; i++) {
      h.driver.dispatch({ type: 'ManualStart' });
      h.clock.advance(10);
      h.driver.dispatch({ type: 'ManualStop' });
    }
    const hist = h.driver.history;
    expect(hist).toHaveLength(HISTORY_LENGTH);
    expect(hist.at(-1)).toMatchObject({ from: 'Connect', to: 'Idle', event: 'ManualStop', at: 400 });
    expect(hist.at(-1)?.reason).toBe('manual stop: sent NOTIFICATION Cease / Administrative Shutdown');
  });
  it('updateConfig takes effect from the next event', () => {
    const h = new Harness();
    h.driver.updateConfig(peerConfig({ passive: true }));
    h.driver.dispatch({ type: 'ManualStart' });
    expect(h.driver.state).toBe('Active');
  });
  it('dispose stops every timer', () => {
    const h = new Harness();
    h.establish();
    h.driver.dispose();
    expect(h.clock.pending()).toBe(0);
    expect(h.driver.runningTimers).toEqual([]);
  });
  it('the established session is the snapshot\'s', () => {
    let session: NegotiatedSession | undefined;
    const h = new Harness(peerConfig(), (a) => { if (a.type === 'established') session = a.session; });
    h.establish();
    expect(session).toBeDefined();
    expect(session).toBe(h.driver.snapshot.negotiated);
  });
});
