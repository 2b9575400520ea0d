// bgp.v1.BgpService and HealthService over the native Speaker API. Handlers
// validate, call the speaker, convert; every failure is an ApiError with a
// gRPC status code (errors.ts). ListPaths honours write() backpressure.

import { status, type ServerWritableStream, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import type { Path as RibPath } from '../rib/index.js';
import type { PeerConfig, Speaker } from '../speaker/index.js';
import type { BgpServiceServer, ListPathsRequest, ListPathsResponse } from '../../proto/gen/bgp/v1/bgp_service.js';
import { CheckResponse_ServingStatus, type HealthServiceServer } from '../../proto/gen/bgp/v1/health.js';
import { Table, type Peer } from '../../proto/gen/bgp/v1/types.js';
import { familyFromProto, originateFromProto, parsePrefixArg, pathToProto, peerFromProto, peerToProto } from './convert.js';
import { ApiError, alreadyExists, invalid, notFound, toServiceError } from './errors.js';
import { DEFAULT_MAX_QUEUED, peerNames, serveWatch, type WatchStats } from './watch-stream.js';

export interface ServiceOptions {
  /** Live changes a Watch client may fall behind before RESOURCE_EXHAUSTED. */
  maxWatchQueue?: number;
  /** Called when a Watch stream ends (tests read the queue depth). */
  onWatchEnd?: (s: WatchStats) => void;
  listen?: readonly string[];
}

function unary<Req, Res>(fn: (req: Req) => Res) {
  return (call: ServerUnaryCall<Req, Res>, cb: sendUnaryData<Res>) => {
    let res: Res;
    try {
      res = fn(call.request);
    } catch (e) {
      cb(toServiceError(e));
      return;
    }
    cb(null, res);
  };
}

/** Find a peer by name or address; NOT_FOUND names what was asked for. */
function peerName(sp: Speaker, key: string): string {
  if (!key) throw invalid('peer name is required');
  if (sp.peerConfig(key)) return key;
  const byAddr = sp.peerStatus().find((p) => p.address === key);
  if (byAddr) return byAddr.name;
  const known = sp.peerStatus().map((p) => p.name);
  throw notFound(`no peer named ${JSON.stringify(key)} (known peers: ${known.length ? known.join(', ') : 'none'})`);
}

function peerMessage(sp: Speaker, name: string): Peer {
  const st = sp.peerStatus().find((p) => p.name === name);
  const cfg = sp.peerConfig(name);
  if (!st || !cfg) throw notFound(`no peer named ${JSON.stringify(name)}`);
  return peerToProto(cfg, st, sp.isAdminDown(name));
}

function checkNew(sp: Speaker, pc: PeerConfig): void {
  if (sp.peerConfig(pc.name)) throw alreadyExists(`a peer named ${JSON.stringify(pc.name)} already exists`);
  const same = sp.peerStatus().find((p) => p.address === pc.address);
  if (same) throw alreadyExists(`address ${pc.address} is already peer ${JSON.stringify(same.name)}`);
}

/** Runs a speaker call whose plain Error means a bad request (e.g. unknown policy). */
function attempt<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError(status.FAILED_PRECONDITION, (e as Error).message);
  }
}

export function bgpService(sp: Speaker, opts: ServiceOptions = {}): BgpServiceServer {
  const started = Date.now();
  return {
    getGlobal: unary(() => {
      const peers = sp.peerStatus();
      return {
        routerId: sp.config.routerId, asn: sp.config.asn, listen: [...(opts.listen ?? [])], peers: peers.length,
        establishedPeers: peers.filter((p) => p.state === 'Established').length, locRibPrefixes: sp.locRib.size,
        originatedPrefixes: sp.originatedCount(), startedUnixMs: started,
      };
    }),
    listPeers: unary(() => ({ peers: sp.peerStatus().map((p) => peerMessage(sp, p.name)) })),
    getPeer: unary((r) => ({ peer: peerMessage(sp, peerName(sp, r.name)) })),
    addPeer: unary((r) => {
      const pc = peerFromProto(r.peer);
      checkNew(sp, pc);
      attempt(() => sp.addPeer(pc));
      return { peer: peerMessage(sp, pc.name) };
    }),
    updatePeer: unary((r) => {
      const fromApi = peerFromProto(r.peer);
      const existing = sp.peerConfig(peerName(sp, fromApi.name))!;
      // settings PeerConf does not carry (TCP-MD5 key, GTSM, graceful restart, ADD-PATH, limits, RR client) keep their values
      const pc = { ...existing, ...fromApi };
      attempt(() => sp.updatePeer(pc));
      return { peer: peerMessage(sp, pc.name) };
    }),
    deletePeer: unary((r) => {
      sp.removePeer(peerName(sp, r.name));
      return {};
    }),
    disablePeer: unary((r) => {
      sp.disablePeer(peerName(sp, r.name), r.message || undefined);
      return {};
    }),
    enablePeer: unary((r) => {
      sp.enablePeer(peerName(sp, r.name));
      return {};
    }),
    resetPeer: unary((r) => {
      sp.resetPeer(peerName(sp, r.name), r.message || undefined);
      return {};
    }),
    addPath: unary((r) => {
      const o = originateFromProto(r);
      attempt(() => sp.originate(o));
      const p = parsePrefixArg(r.prefix);
      const best = sp.locRib.paths(p).find((x) => x.source.local);
      return best ? { path: pathToProto(best, sp.locRib.best(p) === best, (a) => a) } : {};
    }),
    deletePath: unary((r) => {
      const p = parsePrefixArg(r.prefix);
      if (!sp.withdraw(r.prefix)) throw notFound(`${p.toString()} is not originated by this speaker (only originated prefixes can be withdrawn)`);
      return {};
    }),
    listPaths: (call) => void listPaths(sp, call).catch((e: unknown) => call.emit('error', toServiceError(e))),
    watch: (call) => serveWatch(sp, call, opts.maxWatchQueue ?? DEFAULT_MAX_QUEUED, opts.onWatchEnd),
  };
}

type AnyRoute = Parameters<typeof pathToProto>[0];

function* selectPaths(sp: Speaker, r: ListPathsRequest): Iterable<{ route: AnyRoute; best: boolean }> {
  const family = r.family ? familyFromProto(r.family) : undefined;
  if (r.family && !family) throw invalid(`family ${r.family} is not supported (1 = ipv4-unicast, 2 = ipv6-unicast)`);
  const prefix = r.prefix ? parsePrefixArg(r.prefix).toString() : undefined;
  const name = r.peer ? peerName(sp, r.peer) : undefined;
  const wanted = (x: AnyRoute) => (!family || x.family === family) && (!prefix || x.prefix.toString() === prefix);
  const table = r.table || Table.TABLE_LOC;
  if (table === Table.TABLE_ADJ_IN || table === Table.TABLE_ADJ_OUT) {
    if (!name) throw invalid(`table ${table === Table.TABLE_ADJ_IN ? 'adj-in' : 'adj-out'} needs a peer`);
    const rows: Iterable<AnyRoute> = table === Table.TABLE_ADJ_IN ? sp.adjRibIn(name) : sp.adjRibOut(name);
    for (const x of rows) if (wanted(x)) yield { route: x, best: false };
    return;
  }
  if (table !== Table.TABLE_LOC) throw invalid(`unknown table ${table} (1 = loc, 2 = adj-in, 3 = adj-out)`);
  const address = name ? sp.peerConfig(name)?.address : undefined;
  const fromPeer = (p: RibPath) => !address || (!p.source.local && p.source.address === address);
  for (const e of sp.locRib.entries(family)) {
    if (prefix && e.prefix.toString() !== prefix) continue;
    const all = r.allPaths ? sp.locRib.paths(e.prefix) : [e.best];
    for (const p of all) if (fromPeer(p)) yield { route: p, best: p === e.best };
  }
}

async function listPaths(sp: Speaker, call: ServerWritableStream<ListPathsRequest, ListPathsResponse>): Promise<void> {
  const names = peerNames(sp);
  const rows = selectPaths(sp, call.request)[Symbol.iterator]();
  let cancelled = false;
  call.on('cancelled', () => { cancelled = true; });
  for (let n = rows.next(); !n.done && !cancelled; n = rows.next()) {
    if (!call.write({ path: pathToProto(n.value.route, n.value.best, (a) => names.get(a) ?? a) })) {
      await new Promise((res) => call.once('drain', res));
    }
  }
  call.end();
}

export function healthService(sp: Speaker): HealthServiceServer {
  const started = Date.now();
  return {
    check: unary(() => {
      const reasons = sp.peerStatus().filter((p) => p.state !== 'Established' && !sp.isAdminDown(p.name))
        .map((p) => `peer ${p.name} (${p.address}) is ${p.state}${p.lastError ? `: ${p.lastError}` : ''}`);
      return {
        status: reasons.length ? CheckResponse_ServingStatus.SERVING_STATUS_NOT_READY : CheckResponse_ServingStatus.SERVING_STATUS_SERVING,
        reasons, uptimeMs: Date.now() - started,
      };
    }),
  };
}
