// Graceful restart, helper role, per peer: the timers and phases around the
// RIB operations of graceful-restart.ts (RFC 4724 §4.2, RFC 9494 §4):
//   session down, routes kept → 'restart' phase for the peer's restart time;
//   peer back → families it cannot refresh flushed at once, the rest
//   'stale-path' until its End-of-RIB (at most STALE_PATH_TIME);
//   restart time over → 'long-lived' (LLGR_STALE) when agreed, else flushed.
// Every change goes out through `distribute`; a timer of a peer that was
// removed meanwhile does nothing.

import type { Logger } from 'pino';
import type { AttrInterner, LocRib, RibDelta } from '../rib/index.js';
import { describeNotification, type FamilyName } from '../wire/index.js';
import type { SessionEndNotification } from '../fsm/index.js';
import { STALE_PATH_TIME, enterLongLived, markStale, sweepStale } from './graceful-restart.js';
import type { Peer } from './peer.js';

export interface GrHelperDeps {
  readonly locRib: LocRib;
  readonly interner: AttrInterner;
  readonly log: Logger;
  distribute(deltas: readonly RibDelta[]): void;
  /** The peer is still configured (timers of removed peers do nothing). */
  isCurrent(peer: Peer): boolean;
}

export class GracefulRestartHelper {
  constructor(private readonly d: GrHelperDeps) {}

  private get ctx() {
    return { locRib: this.d.locRib, interner: this.d.interner };
  }

  /** Session down, routes not kept: everything the peer sent leaves the RIBs. */
  flushAll(peer: Peer): void {
    this.stopTimer(peer);
    peer.grPhase = undefined;
    peer.stale.clear();
    for (const path of peer.adjIn.clear()) this.d.interner.release(path.attrs);
    this.d.distribute(this.d.locRib.removeSource(peer.source.id));
  }

  /** Keep the peer's routes as stale for its restart time. */
  beginStale(peer: Peer, n: SessionEndNotification | undefined): void {
    const gr = peer.gr!;
    this.d.distribute(markStale(peer, (f) => gr.peerFamilies.has(f), this.ctx));
    const secs = gr.peerRestartTime;
    peer.grPhase = 'restart';
    this.d.log.warn({ peer: peer.cfg.name, routes: peer.stale.size, seconds: secs, notification: n ? describeNotification(n) : undefined },
      `graceful restart: keeping ${peer.stale.size} routes of ${peer.cfg.name} as stale for up to ${secs} s`);
    this.setTimer(peer, secs, () => this.restartTimerExpired(peer));
  }

  /** The peer is back: flush what it cannot refresh, wait for End-of-RIB for the rest. */
  resumeStale(peer: Peer, families: readonly FamilyName[]): void {
    const gr = peer.gr;
    this.sweep(peer, (f) => !families.includes(f) || gr?.peerFamilies.get(f) !== true, 'not preserved across the restart (F bit clear, family not negotiated or no GR)');
    if (peer.stale.size === 0) return;
    peer.grPhase = 'stale-path';
    this.setTimer(peer, STALE_PATH_TIME, () => this.restartTimerExpired(peer));
  }

  /** BoRR (RFC 7313): the family's routes are stale until EoRR. */
  markFamilyStale(peer: Peer, family: FamilyName): void {
    this.d.distribute(markStale(peer, () => true, this.ctx, family));
  }

  /** Removes the stale routes of the families `which` selects (End-of-RIB, EoRR, timers). */
  sweep(peer: Peer, which: (f: FamilyName) => boolean, why: string): void {
    const before = peer.stale.size;
    const deltas = sweepStale(peer, which, this.ctx);
    if (before !== peer.stale.size) this.d.log.info({ peer: peer.cfg.name, removed: before - peer.stale.size, why }, `stale routes of ${peer.cfg.name} removed: ${why}`);
    if (peer.stale.size === 0) {
      this.stopTimer(peer);
      peer.grPhase = undefined;
    }
    this.d.distribute(deltas);
  }

  /** The peer did not come back within its restart time: long-lived stale (RFC 9494) or flush. */
  private restartTimerExpired(peer: Peer): void {
    const llgr = peer.gr?.llgr;
    if (llgr && llgr.size > 0 && !peer.established) {
      this.d.distribute(enterLongLived(peer, llgr, this.ctx));
      const secs = Math.min(...llgr.values());
      peer.grPhase = 'long-lived';
      this.d.log.warn({ peer: peer.cfg.name, routes: peer.stale.size, seconds: secs }, `graceful restart: ${peer.cfg.name} did not return; its routes are long-lived stale (LLGR_STALE) for up to ${secs} s`);
      this.setTimer(peer, secs, () => this.sweep(peer, () => true, 'long-lived stale time expired'));
      return;
    }
    this.sweep(peer, () => true, peer.established ? 'stale-path time expired before End-of-RIB' : 'restart time expired');
  }

  private setTimer(peer: Peer, seconds: number, fn: () => void): void {
    this.stopTimer(peer);
    peer.grTimer = setTimeout(() => {
      peer.grTimer = undefined;
      if (this.d.isCurrent(peer)) fn();
    }, seconds * 1000);
    peer.grTimer.unref();
  }

  private stopTimer(peer: Peer): void {
    if (peer.grTimer) clearTimeout(peer.grTimer);
    peer.grTimer = undefined;
  }
}
