// Shared fixtures of the FSM tests: a peer configuration, the peer's OPEN,
// and a harness that runs an FsmDriver on a FakeClock and records what it
// asks of the session layer. Addresses from 198.18.0.0/15 (ARCHITECTURE.md).

import { makeOpen, type Capability, type OpenMessage } from '../wire/index.js';
import { FsmDriver } from './driver.js';
import { FakeClock } from './fake-clock.js';
import type { FsmAction, FsmState, PeerFsmConfig } from './types.js';

export const LOCAL_AS = 64512;
export const PEER_AS = 64513;
export const LOCAL_ID = '198.18.0.1';
export const PEER_ID = '198.18.0.2';

export const MP_V4: Capability = { kind: 'multiprotocol', afi: 1, safi: 1 };
export const MP_V6: Capability = { kind: 'multiprotocol', afi: 2, safi: 1 };
export const RR: Capability = { kind: 'route-refresh' };
export const ERR: Capability = { kind: 'enhanced-route-refresh' };
export const as4 = (asn: number): Capability => ({ kind: 'as4', asn });

export function peerConfig(over: Partial<PeerFsmConfig> = {}): PeerFsmConfig {
  const localAs = over.localAs ?? LOCAL_AS;
  const holdTime = over.holdTime ?? 90;
  const routerId = over.routerId ?? LOCAL_ID;
  return {
    localAs, routerId, peerAs: PEER_AS, holdTime,
    connectRetryTime: 5, delayOpenTime: 0, passive: false, idleHoldTime: 1, idleHoldMaxTime: 120,
    localOpen: makeOpen({ asn: localAs, holdTime, routerId, capabilities: [MP_V4, MP_V6, RR, ERR, as4(localAs)] }),
    ...over,
  };
}

export function peerOpen(o: { asn?: number; holdTime?: number; routerId?: string; capabilities?: readonly Capability[] } = {}): OpenMessage {
  const asn = o.asn ?? PEER_AS;
  return makeOpen({ asn, holdTime: o.holdTime ?? 90, routerId: o.routerId ?? PEER_ID, capabilities: o.capabilities ?? [MP_V4, MP_V6, RR, as4(asn)] });
}

/** An FsmDriver on a FakeClock, recording the actions handed to the session layer. */
export class Harness {
  readonly clock = new FakeClock();
  readonly driver: FsmDriver;
  readonly log: FsmAction[] = [];
  readonly states: FsmState[] = [];

  constructor(cfg: PeerFsmConfig = peerConfig(), onAction?: (a: FsmAction, d: FsmDriver) => void) {
    this.driver = new FsmDriver(cfg, this.clock, (a, d) => {
      this.log.push(a);
      onAction?.(a, d);
    }, (t) => this.states.push(t.to));
  }

  /** The actions recorded since the last take(), then forgets them. */
  take(): FsmAction[] {
    return this.log.splice(0);
  }

  types(): string[] {
    return this.take().map((a) => a.type);
  }

  advanceSeconds(s: number): void {
    this.clock.advance(s * 1000);
  }

  /** ManualStart, TCP up, the peer's OPEN and KEEPALIVE: Established. */
  establish(open: OpenMessage = peerOpen()): void {
    if (this.driver.state === 'Idle') this.driver.dispatch({ type: 'ManualStart' });
    this.driver.dispatch({ type: 'TcpConnected' });
    this.driver.dispatch({ type: 'OpenReceived', open });
    this.driver.dispatch({ type: 'KeepaliveReceived' });
    if (this.driver.state !== 'Established') throw new Error(`could not establish: ${this.driver.snapshot.lastError ?? this.driver.state}`);
    this.take();
  }
}
