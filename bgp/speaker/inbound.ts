// Routes received from a peer, RFC 4271 §9.1 phase 1 and the RFC 7606
// actions the wire layer reported:
//   treat-as-withdraw   every NLRI of the UPDATE is withdrawn
//   afi-safi-disable    all of the family's routes from this peer are removed
//   attribute-discard   nothing to do (the attribute is already gone)
// Then per route: RFC 6793 merge on 2-octet sessions; eBGP hygiene (LOCAL_PREF,
// ORIGINATOR_ID, CLUSTER_LIST dropped, first AS must be the peer's); AS-path
// loop detection with allowas-in; reflection loops from iBGP peers (RFC 4456
// §8: ORIGINATOR_ID is our router ID, or CLUSTER_LIST holds our cluster ID;
// treated as withdraw and counted as rejected); import policy (eBGP without
// one: reject, RFC 8212); then Adj-RIB-In and Loc-RIB.

import { AttrInterner, LocRib, type Path, type RibDelta } from '../rib/index.js';
import { applyPolicy } from '../policy/index.js';
import { endOfRibFamily, findFamily, mergeAs4, strongestAction, type FamilyName, type PathAttributes, type Prefix, type UpdateMessage, type WireError } from '../wire/index.js';
import type { Peer } from './peer.js';

export interface InboundContext {
  readonly localAs: number;
  readonly routerId: string;
  /** RFC 4456 cluster ID (the router ID unless configured). */
  readonly clusterId: string;
  readonly locRib: LocRib;
  readonly interner: AttrInterner;
  /** Report every prefix whose path set changed in `touched` (some peer sends ADD-PATH). */
  readonly trackTouched?: boolean;
}

export interface InboundResult {
  deltas: RibDelta[];
  /** Families the peer signalled End-of-RIB for. */
  endOfRib: FamilyName[];
  disabled: FamilyName[];
  /** Prefixes (path ID 0) whose path set changed, when trackTouched. */
  touched: Prefix[];
}

function hygiene(peer: Peer, attrs: PathAttributes, as4: boolean): PathAttributes {
  let a = as4 ? attrs : mergeAs4(attrs);
  if (!peer.ibgp && (a.localPref !== undefined || a.originatorId !== undefined || a.clusterList !== undefined)) {
    const { localPref: _l, originatorId: _o, clusterList: _c, ...rest } = a;
    a = rest;
  }
  return a;
}

/** Why a path must not be accepted at all, or undefined. */
function loopOrFirstAs(peer: Peer, a: PathAttributes, ctx: InboundContext): string | undefined {
  const path = a.asPath ?? [];
  let own = 0;
  for (const s of path) for (const asn of s.asns) if (asn === ctx.localAs) own++;
  if (own > peer.cfg.allowasIn) return `AS path contains our AS ${ctx.localAs} ${own} time(s)`;
  if (!peer.ibgp) {
    const first = path[0];
    if (first && first.type === 2 && first.asns[0] !== peer.cfg.asn) return `first AS ${first.asns[0]} is not the peer's AS ${peer.cfg.asn}`;
  }
  return undefined;
}

/** RFC 4456 §8: a reflected route that has looped back to us (iBGP only; eBGP hygiene drops both attributes). */
function reflectionLoop(peer: Peer, a: PathAttributes, ctx: InboundContext): string | undefined {
  if (!peer.ibgp) return undefined;
  if (a.originatorId === ctx.routerId) return 'ORIGINATOR_ID is our router ID';
  if (a.clusterList?.includes(ctx.clusterId)) return `CLUSTER_LIST contains our cluster ID ${ctx.clusterId}`;
  return undefined;
}

function withdrawOne(peer: Peer, p: Prefix, ctx: InboundContext, out: RibDelta[], touched?: Prefix[]): void {
  if (peer.stale.size > 0) peer.stale.delete(p);
  const prev = peer.adjIn.delete(p);
  if (!prev) return;
  ctx.interner.release(prev.attrs);
  const d = ctx.locRib.withdraw(peer.source.id, p);
  if (d) out.push(d);
  else if (touched) touched.push(p);
}

export function removeFamily(peer: Peer, family: FamilyName, ctx: InboundContext, out: RibDelta[]): void {
  const gone: Prefix[] = [];
  for (const path of peer.adjIn.values()) if (path.family === family) gone.push(path.prefix);
  for (const p of gone) withdrawOne(peer, p, ctx, out);
}

export function processUpdate(peer: Peer, u: UpdateMessage, errors: readonly WireError[], ctx: InboundContext): InboundResult {
  const deltas: RibDelta[] = [];
  const res: InboundResult = { deltas, endOfRib: [], disabled: [], touched: [] };
  const touched = ctx.trackTouched ? res.touched : undefined;
  const session = peer.session.negotiated;
  if (!session) return res;
  const negotiated = session.families;
  const action = strongestAction(errors);
  for (const e of errors) {
    if (e.action === 'afi-safi-disable' && e.family && !res.disabled.includes(e.family as FamilyName)) {
      res.disabled.push(e.family as FamilyName);
      removeFamily(peer, e.family as FamilyName, ctx, deltas);
    }
  }
  const withdrawAll = action === 'treat-as-withdraw';

  // End-of-RIB (RFC 4724 §2)
  const eor = endOfRibFamily(u);
  const eorFamily = eor && findFamily(eor.afi, eor.safi);
  if (eorFamily) {
    res.endOfRib.push(eorFamily.name);
    return res;
  }

  for (const p of u.withdrawn) withdrawOne(peer, p, ctx, deltas, touched);
  if (u.mpUnreach) {
    const f = findFamily(u.mpUnreach.afi, u.mpUnreach.safi);
    if (f && negotiated.includes(f.name)) for (const p of u.mpUnreach.withdrawn) withdrawOne(peer, p, ctx, deltas, touched);
  }

  const groups: { family: FamilyName; nlri: readonly Prefix[]; nextHop: readonly string[] }[] = [];
  if (u.nlri.length) groups.push({ family: 'ipv4-unicast', nlri: u.nlri, nextHop: u.attrs.nextHop ? [u.attrs.nextHop] : [] });
  if (u.mpReach && u.mpReach.nlri.length) {
    const f = findFamily(u.mpReach.afi, u.mpReach.safi);
    if (f && negotiated.includes(f.name) && !res.disabled.includes(f.name)) groups.push({ family: f.name, nlri: u.mpReach.nlri, nextHop: u.mpReach.nextHop });
  }
  if (groups.length === 0) return res;

  const attrs = hygiene(peer, u.attrs, session.wire.rx.as4);
  const rrLoop = withdrawAll ? undefined : reflectionLoop(peer, attrs, ctx);
  const refuse = withdrawAll ? 'malformed UPDATE (RFC 7606 treat-as-withdraw)' : (loopOrFirstAs(peer, attrs, ctx) ?? rrLoop);
  for (const g of groups) {
    for (const prefix of g.nlri) {
      if (refuse) {
        if (refuse === rrLoop) peer.rejected++;
        withdrawOne(peer, prefix, ctx, deltas, touched);
        continue;
      }
      const r = applyPolicy(peer.importPolicy, { prefix, family: g.family, attrs, nextHop: g.nextHop }, { localAs: ctx.localAs, direction: 'import' });
      if (!r.accept) {
        peer.rejected++;
        withdrawOne(peer, prefix, ctx, deltas, touched);
        continue;
      }
      const nextHop = Array.isArray(r.nextHop) ? r.nextHop : g.nextHop;
      const path: Path = { prefix, family: g.family, attrs: ctx.interner.intern(r.attrs), nextHop, source: peer.source };
      if (peer.stale.size > 0) peer.stale.delete(prefix);
      const prev = peer.adjIn.set(path);
      if (prev) ctx.interner.release(prev.attrs);
      const d = ctx.locRib.update(path);
      if (d) deltas.push(d);
      else if (touched) touched.push(prefix);
    }
  }
  return res;
}
