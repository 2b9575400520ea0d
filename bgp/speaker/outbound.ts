// Routes sent to a peer (RFC 4271 §9.1.3, §5.1): which best paths a peer gets
// and with which attributes, then packing and sending with backpressure.
//   - never back to the peer it came from; NO_ADVERTISE to nobody,
//     NO_EXPORT / NO_EXPORT_SUBCONFED not to eBGP peers (RFC 1997)
//   - iBGP-learned to iBGP peers only by route reflection (RFC 4456 §6):
//     from a client to the other clients (unless client-to-client reflection
//     is off) and to non-clients; from a non-client to clients only. With no
//     client configured this is plain iBGP: never iBGP to iBGP. A reflected
//     route gets ORIGINATOR_ID (the originating peer's router ID, if absent)
//     and our cluster ID prepended to CLUSTER_LIST; its next hop and other
//     attributes stay as received (the peer's nextHop setting does not apply;
//     an explicit export-policy next hop still does)
//   - eBGP: our AS prepended, LOCAL_PREF, ORIGINATOR_ID and CLUSTER_LIST
//     removed, MED only for routes we originate (not passed across ASes),
//     next hop self unless configured otherwise
//   - iBGP: LOCAL_PREF set (100 when absent), next hop unchanged unless
//     configured, self for our own routes
//   - export policy (eBGP without one: nothing, RFC 8212)
//   - long-lived stale routes (LLGR_STALE) only to peers that agreed LLGR
//     for the family (RFC 9494 §4.5)
// Identical inputs give the identical interned attribute object (Peer's memo),
// so the Adj-RIB-Out packs many prefixes per UPDATE; queued changes coalesce
// per prefix there. A peer's flush runs from setImmediate so that a burst of
// input is packed together, at most every MRAI seconds, and stops when the
// socket says to wait for 'drain'. End-of-RIB follows the initial table;
// EoRR (RFC 7313) follows a table sent again for an enhanced route refresh.

import { applyPolicy, type Policy } from '../policy/index.js';
import type { AttrInterner, DrainResult, OutRoute, Path, PathSource } from '../rib/index.js';
import {
  encodeRouteRefresh, encodeUpdate, endOfRib, familyByName, isIpv6Text, packAnnouncements, packWithdrawals,
  type FamilyName, type PathAttributes, type WireOptions,
} from '../wire/index.js';
import type { PeerConfig } from './config.js';
import type { GrView } from './graceful-restart.js';
import type { Peer } from './peer.js';

/**
 * What the export rules need of a receiver: a peer, or an update group
 * (update-group.ts) standing for peers that get identical UPDATEs. A group's
 * source matches no path, so split horizon does not apply to it (a reflected
 * route may go back to its originator, which drops it: RFC 4456 §8).
 */
export interface ExportTarget {
  readonly source: PathSource;
  readonly families: readonly FamilyName[];
  readonly ibgp: boolean;
  readonly cfg: Pick<PeerConfig, 'routeReflectorClient' | 'nextHop'>;
  readonly gr: GrView | undefined;
  readonly exportPolicy: Policy;
  /** Our address on the session(s), for next hop self. */
  readonly localAddress: string | undefined;
  baseMemo: [WeakMap<PathAttributes, PathAttributes>, WeakMap<PathAttributes, PathAttributes>];
  reflectMemo: WeakMap<PathAttributes, Map<string, PathAttributes>>;
  exportMemo: WeakMap<PathAttributes, Map<string, PathAttributes>>;
}

const NO_EXPORT = 0xffffff01;
const NO_ADVERTISE = 0xffffff02;
const NO_EXPORT_SUBCONFED = 0xffffff03;
const LLGR_STALE = 0xffff0006;
// Up to this many queued changes are packed per write. The Adj-RIB-Out
// drains its whole queue fastest (one clear instead of a delete per prefix);
// 2^20 /32s pack into ~5 MB of UPDATEs, written before the next 'drain' wait.
export const DRAIN_BATCH = 1 << 20;

export interface OutboundContext {
  readonly localAs: number;
  readonly routerId: string;
  /** RFC 4456 cluster ID (the router ID unless configured). */
  readonly clusterId: string;
  /** Reflect client routes to other clients. */
  readonly clientToClient: boolean;
  /** The source is a peer configured as our route-reflector client. */
  isClient(source: PathSource): boolean;
  readonly interner: AttrInterner;
  /** Our address toward this peer for `family` (next hop self). */
  selfAddress(peer: ExportTarget, family: FamilyName): string | undefined;
}

/** Whether an iBGP-learned path may be reflected to iBGP peer `peer` (RFC 4456 §6). */
function mayReflect(peer: ExportTarget, path: Path, ctx: OutboundContext): boolean {
  const toClient = peer.cfg.routeReflectorClient === true;
  if (ctx.isClient(path.source) ? toClient && !ctx.clientToClient : !toClient) return false;
  // the originator would drop it anyway (§8); don't send it
  return (path.attrs.originatorId ?? path.source.routerId) !== peer.source.routerId;
}

function baseAttributes(peer: ExportTarget, path: Path, ctx: OutboundContext, reflect = false): PathAttributes {
  const a = path.attrs;
  if (reflect) {
    return {
      ...a,
      ...(a.localPref === undefined ? { localPref: 100 } : {}),
      originatorId: a.originatorId ?? path.source.routerId,
      clusterList: [ctx.clusterId, ...(a.clusterList ?? [])],
    };
  }
  if (peer.ibgp) {
    return a.localPref === undefined ? { ...a, localPref: 100 } : a;
  }
  const { localPref: _l, originatorId: _o, clusterList: _c, med, ...rest } = a;
  const seq = rest.asPath?.[0];
  const asPath = seq && seq.type === 2 && seq.asns.length < 255
    ? [{ type: 2, asns: [ctx.localAs, ...seq.asns] }, ...rest.asPath!.slice(1)]
    : [{ type: 2, asns: [ctx.localAs] }, ...(rest.asPath ?? [])];
  return path.source.local && med !== undefined ? { ...rest, asPath, med } : { ...rest, asPath };
}

/** The route this peer should hold for `path`, or undefined when it gets none. */
export function exportRoute(peer: ExportTarget, path: Path | undefined, ctx: OutboundContext): OutRoute | undefined {
  if (!path || path.source.id === peer.source.id) return undefined;
  if (!peer.families.includes(path.family)) return undefined;
  const reflect = peer.ibgp && path.source.ibgp && !path.source.local;
  if (reflect && !mayReflect(peer, path, ctx)) return undefined;
  const comms = path.attrs.communities;
  if (comms && (comms.includes(NO_ADVERTISE) || (!peer.ibgp && (comms.includes(NO_EXPORT) || comms.includes(NO_EXPORT_SUBCONFED))))) return undefined;
  if (comms && comms.includes(LLGR_STALE) && !peer.gr?.llgr.has(path.family)) return undefined;

  let base: PathAttributes | undefined;
  if (reflect) {
    // ORIGINATOR_ID depends on the source when the route has none: memo per originator
    const originator = path.attrs.originatorId ?? path.source.routerId;
    let byOriginator = peer.reflectMemo.get(path.attrs);
    if (!byOriginator) peer.reflectMemo.set(path.attrs, (byOriginator = new Map()));
    base = byOriginator.get(originator);
    if (!base) byOriginator.set(originator, (base = baseAttributes(peer, path, ctx, true)));
  } else {
    const memoBase = peer.baseMemo[path.source.local ? 1 : 0];
    base = memoBase.get(path.attrs);
    if (!base) memoBase.set(path.attrs, (base = baseAttributes(peer, path, ctx)));
  }
  const r = applyPolicy(peer.exportPolicy, { prefix: path.prefix, family: path.family, attrs: base, nextHop: path.nextHop }, { localAs: ctx.localAs, direction: 'export' });
  if (!r.accept) return undefined;

  const mode = r.nextHop === 'self' ? 'self' : Array.isArray(r.nextHop) ? undefined : reflect ? 'keep' : (peer.cfg.nextHop ?? (peer.ibgp ? 'keep' : 'self'));
  let nextHop: readonly string[];
  if (Array.isArray(r.nextHop)) nextHop = r.nextHop;
  else if (mode === 'self' || path.nextHop.length === 0) {
    const self = ctx.selfAddress(peer, path.family);
    if (!self) return undefined;
    nextHop = [self];
  } else if (mode === 'keep') nextHop = path.nextHop;
  else nextHop = [mode!];

  const classic = path.family === 'ipv4-unicast' && nextHop.length === 1 && !isIpv6Text(nextHop[0]!);
  const nhKey = classic ? nextHop[0]! : `mp:${nextHop.join(',')}`;
  let memo = peer.exportMemo.get(r.attrs);
  if (!memo) peer.exportMemo.set(r.attrs, (memo = new Map()));
  let attrs = memo.get(nhKey);
  if (!attrs) {
    const { nextHop: _nh, ...noNh } = r.attrs;
    attrs = ctx.interner.intern(classic ? { ...noNh, nextHop: nextHop[0]! } : noNh);
    memo.set(nhKey, attrs);
  }
  return { prefix: path.prefix.pathId === 0 ? path.prefix : path.prefix.withPathId(0), family: path.family, attrs, nextHop };
}

/** UPDATEs for a drained batch: withdrawals first, then announcements per attribute set. */
export function encodeBatch(batch: DrainResult, tx: WireOptions): Buffer[] {
  const bufs: Buffer[] = [];
  for (const w of batch.withdrawals) bufs.push(...packWithdrawals(w.family, w.prefixes, tx));
  for (const a of batch.announcements) {
    const classic = a.family === 'ipv4-unicast' && a.attrs.nextHop !== undefined;
    bufs.push(...packAnnouncements(a.family, a.attrs, a.prefixes, tx, classic ? undefined : a.nextHop));
  }
  return bufs;
}

/** Pack and send what the peer's Adj-RIB-Out has queued; false when the socket asked us to wait. */
export function flushPeer(peer: Peer): boolean {
  const s = peer.session;
  const tx = s.negotiated?.wire.tx;
  if (!tx) return true;
  while (peer.adjOut.pending > 0) {
    if (!s.writable) return false;
    if (!s.send(encodeBatch(peer.adjOut.drain(DRAIN_BATCH), tx))) return false;
  }
  if (peer.initialDumpDone && peer.eorPending.size > 0) {
    const bufs: Buffer[] = [];
    for (const f of peer.eorPending) {
      const row = familyByName(f);
      if (row) bufs.push(encodeUpdate(endOfRib(row.afi, row.safi), tx));
    }
    peer.eorPending.clear();
    s.send(bufs);
  }
  if (peer.eorrPending.size > 0) {
    const bufs: Buffer[] = [];
    for (const f of peer.eorrPending) {
      const row = familyByName(f);
      if (row) bufs.push(encodeRouteRefresh({ afi: row.afi, safi: row.safi, subtype: 2 }));
    }
    peer.eorrPending.clear();
    s.send(bufs);
  }
  return true;
}
