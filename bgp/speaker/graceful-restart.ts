// Graceful restart, receiving-speaker ("helper") side, for one peer:
// RFC 4724 §4.2, long-lived GR (RFC 9494 §4) and GR on NOTIFICATION (RFC 8538).
//   - grView: what the last OPENs agreed: the peer's restart time, its
//     families with the F bit, whether both sent the N bit, and the families
//     both announced LLGR for with the peer's long-lived stale time.
//   - keepsRoutes: whether a session end keeps the peer's routes as stale:
//     both sides announced GR; no NOTIFICATION ended it, or both announced N
//     and it was not a Hard Reset (Cease 9).
//   - The stale set is a table of the peer's (prefix, path ID)s. Every route
//     the peer sends again (or withdraws) leaves it; End-of-RIB for a family,
//     or EoRR of enhanced route refresh (RFC 7313 §4), sweeps what is left.
//     A second drop during the stale phase marks everything stale again.
//   - On re-establishment: families the new session did not negotiate, or
//     whose F bit is clear or which are missing from the new capability, are
//     flushed at once (we would wait for an End-of-RIB that never comes).
//   - Restart timer expiry: families with LLGR move to the long-lived phase
//     (routes get LLGR_STALE, become least preferred, and are advertised only
//     to LLGR peers; routes with NO_LLGR are dropped); the rest is flushed.
// The speaker owns the timers; these functions only change the RIBs and
// return the deltas.

import type { AttrInterner, LocRib, Path, RibDelta } from '../rib/index.js';
import { familyOf, makePath } from '../rib/index.js';
import { CeaseSubcode, ErrorCode, findFamily, type Capability, type FamilyName, type OpenMessage, type Prefix } from '../wire/index.js';
import type { SessionEndNotification } from '../fsm/index.js';
import type { Peer } from './peer.js';

export const LLGR_STALE = 0xffff0006;
export const NO_LLGR = 0xffff0007;
/** How long stale routes wait for End-of-RIB once the session is back (FRR's stalepath-time). */
export const STALE_PATH_TIME = 360;

export interface GrView {
  readonly peerRestartTime: number;
  /** Families in the peer's GR capability → its F bit. */
  readonly peerFamilies: ReadonlyMap<FamilyName, boolean>;
  readonly peerRestarting: boolean;
  /** Both sent the N bit (RFC 8538 §2). */
  readonly notification: boolean;
  /** Families both announced LLGR for → the peer's long-lived stale time (s). */
  readonly llgr: ReadonlyMap<FamilyName, number>;
}

function cap<K extends Capability['kind']>(caps: readonly Capability[], kind: K): Extract<Capability, { kind: K }> | undefined {
  return caps.find((c) => c.kind === kind) as Extract<Capability, { kind: K }> | undefined;
}

/** The GR agreement of a session, or undefined when either side did not announce graceful restart. */
export function grView(local: OpenMessage, peerCaps: readonly Capability[]): GrView | undefined {
  const mine = cap(local.capabilities, 'graceful-restart');
  const theirs = cap(peerCaps, 'graceful-restart');
  if (!mine || !theirs) return undefined;
  const peerFamilies = new Map<FamilyName, boolean>();
  for (const f of theirs.families) {
    const row = findFamily(f.afi, f.safi);
    if (row) peerFamilies.set(row.name, f.forwarding);
  }
  const llgr = new Map<FamilyName, number>();
  const myLl = cap(local.capabilities, 'long-lived-graceful-restart');
  const theirLl = cap(peerCaps, 'long-lived-graceful-restart');
  if (myLl && theirLl) {
    for (const f of theirLl.families) {
      const row = findFamily(f.afi, f.safi);
      if (row && myLl.families.some((m) => m.afi === f.afi && m.safi === f.safi)) llgr.set(row.name, f.staleTime);
    }
  }
  return { peerRestartTime: theirs.restartTime, peerFamilies, peerRestarting: theirs.restarting, notification: mine.notification && theirs.notification, llgr };
}

/** Whether the end of a session with this agreement keeps the peer's routes (RFC 4724 §4.2, RFC 8538 §4). */
export function keepsRoutes(gr: GrView | undefined, n: SessionEndNotification | undefined): boolean {
  if (!gr) return false;
  if (!n) return true;
  return gr.notification && !(n.code === ErrorCode.CEASE && n.subcode === CeaseSubcode.HARD_RESET);
}

export interface StaleContext {
  readonly locRib: LocRib;
  readonly interner: AttrInterner;
}

function drop(peer: Peer, prefix: Prefix, ctx: StaleContext, out: RibDelta[]): void {
  peer.stale.delete(prefix);
  const prev = peer.adjIn.delete(prefix);
  if (!prev) return;
  ctx.interner.release(prev.attrs);
  const d = ctx.locRib.withdraw(peer.source.id, prefix);
  if (d) out.push(d);
}

/** Marks the peer's routes stale (all families, or one); families outside `keep` are removed now. */
export function markStale(peer: Peer, keep: (f: FamilyName) => boolean, ctx: StaleContext, family?: FamilyName): RibDelta[] {
  const out: RibDelta[] = [];
  const gone: Prefix[] = [];
  for (const p of peer.adjIn.values()) {
    if (family !== undefined && p.family !== family) continue;
    if (keep(p.family)) peer.stale.set(p.prefix, p.prefix);
    else gone.push(p.prefix);
  }
  for (const p of gone) drop(peer, p, ctx, out);
  return out;
}

/** Removes the stale routes of the families `which` selects (End-of-RIB, EoRR, timers). */
export function sweepStale(peer: Peer, which: (f: FamilyName) => boolean, ctx: StaleContext): RibDelta[] {
  const out: RibDelta[] = [];
  if (peer.stale.size === 0) return out;
  const gone: Prefix[] = [];
  for (const p of peer.stale.values()) if (which(familyOfPrefix(peer, p))) gone.push(p);
  for (const p of gone) drop(peer, p, ctx, out);
  return out;
}

function familyOfPrefix(peer: Peer, p: Prefix): FamilyName {
  return peer.adjIn.get(p)?.family ?? familyOf(p);
}

/**
 * RFC 9494 §4.2: the restart time ran out; routes of LLGR families stay with
 * LLGR_STALE added (NO_LLGR ones go), other families are flushed.
 */
export function enterLongLived(peer: Peer, llgr: ReadonlyMap<FamilyName, number>, ctx: StaleContext): RibDelta[] {
  const out: RibDelta[] = [];
  const gone: Prefix[] = [];
  const restamp: Path[] = [];
  for (const prefix of peer.stale.values()) {
    const path = peer.adjIn.get(prefix);
    if (!path) { peer.stale.delete(prefix); continue; }
    const comms = path.attrs.communities;
    if (!llgr.has(path.family) || comms?.includes(NO_LLGR)) gone.push(prefix);
    else if (!comms?.includes(LLGR_STALE)) restamp.push(path);
  }
  for (const p of gone) drop(peer, p, ctx, out);
  for (const path of restamp) {
    const attrs = ctx.interner.intern({ ...path.attrs, communities: [...(path.attrs.communities ?? []), LLGR_STALE] });
    const next = makePath(path.prefix, attrs, path.source, path.nextHop, path.igpCost, path.family);
    const prev = peer.adjIn.set(next);
    if (prev) ctx.interner.release(prev.attrs);
    const d = ctx.locRib.update(next);
    if (d) out.push(d);
  }
  return out;
}
