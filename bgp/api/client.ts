// A small promise-based client of bgp.v1 for the CLI and tests (only bgp/api
// may touch the generated code). Connects to a unix socket path or to
// host:port; unary calls become promises, streams async iterables.

import { Metadata, credentials, type ServiceError } from '@grpc/grpc-js';
import {
  BgpServiceClient, type AddPathRequest, type AddPathResponse, type AddPeerRequest, type AddPeerResponse, type DeletePathRequest,
  type DeletePathResponse, type DeletePeerRequest, type DeletePeerResponse, type DisablePeerRequest, type DisablePeerResponse,
  type EnablePeerRequest, type EnablePeerResponse, type GetGlobalRequest, type GetGlobalResponse, type GetPeerRequest, type GetPeerResponse,
  type ListPathsRequest, type ListPeersRequest, type ListPeersResponse, type ResetPeerRequest, type ResetPeerResponse,
  type UpdatePeerRequest, type UpdatePeerResponse, type WatchRequest, type WatchResponse,
} from '../../proto/gen/bgp/v1/bgp_service.js';
import { HealthServiceClient, type CheckResponse } from '../../proto/gen/bgp/v1/health.js';
import type { Path } from '../../proto/gen/bgp/v1/types.js';

export {
  AsPathSegment_SegmentType, Family, PeerType, SessionState, Table, familyToJSON, peerTypeToJSON, sessionStateToJSON,
  type AsPathSegment, type BestPathChange, type InSync, type MessageCounters, type Path, type PathSource, type Peer, type PeerConf, type PeerState,
} from '../../proto/gen/bgp/v1/types.js';
export type { GetGlobalResponse, ListPathsRequest, WatchRequest, WatchResponse } from '../../proto/gen/bgp/v1/bgp_service.js';
export { CheckResponse_ServingStatus, type CheckResponse } from '../../proto/gen/bgp/v1/health.js';
export { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';

type Unary = (req: unknown, md: unknown, opts: unknown, cb: (err: ServiceError | null, res: unknown) => void) => unknown;

/** Unary methods: [request, response]. */
interface Calls {
  getGlobal: [GetGlobalRequest, GetGlobalResponse];
  listPeers: [ListPeersRequest, ListPeersResponse];
  getPeer: [GetPeerRequest, GetPeerResponse];
  addPeer: [AddPeerRequest, AddPeerResponse];
  updatePeer: [UpdatePeerRequest, UpdatePeerResponse];
  deletePeer: [DeletePeerRequest, DeletePeerResponse];
  disablePeer: [DisablePeerRequest, DisablePeerResponse];
  enablePeer: [EnablePeerRequest, EnablePeerResponse];
  resetPeer: [ResetPeerRequest, ResetPeerResponse];
  addPath: [AddPathRequest, AddPathResponse];
  deletePath: [DeletePathRequest, DeletePathResponse];
}

export interface ApiClient {
  readonly target: string;
  readonly bgp: BgpServiceClient;
  readonly health: HealthServiceClient;
  call<K extends keyof Calls>(method: K, req: Calls[K][0]): Promise<Calls[K][1]>;
  check(): Promise<CheckResponse>;
  listPaths(req: Partial<ListPathsRequest>): AsyncIterable<Path>;
  watch(req?: Partial<WatchRequest>): AsyncIterable<WatchResponse> & { cancel(): void };
  close(): void;
}

function promisify<Res>(fn: unknown, self: unknown, req: unknown, deadlineMs: number): Promise<Res> {
  return new Promise((resolve, reject) => {
    (fn as Unary).call(self, req, new Metadata(), { deadline: Date.now() + deadlineMs }, (err, res) => (err ? reject(err) : resolve(res as Res)));
  });
}

/** target: a socket path ("/run/l3mesh/bgpd.sock"), "unix:..." or "host:port". */
export function connectApi(target: string, opts: { deadlineMs?: number } = {}): ApiClient {
  const address = target.startsWith('/') || target.startsWith('.') ? `unix:${target}` : target;
  const creds = credentials.createInsecure();
  const bgp = new BgpServiceClient(address, creds);
  const health = new HealthServiceClient(address, creds, { channelOverride: bgp.getChannel() });
  const deadline = opts.deadlineMs ?? 5000;
  return {
    target: address, bgp, health,
    call: ((method: keyof Calls, req: unknown) => promisify(bgp[method], bgp, req, deadline)) as ApiClient['call'],
    check: () => promisify<CheckResponse>(health.check, health, {}, deadline),
    async *listPaths(req) {
      const stream = bgp.listPaths({ table: 0, peer: '', family: 0, prefix: '', allPaths: false, ...req });
      for await (const m of stream as AsyncIterable<{ path?: Path }>) if (m.path) yield m.path;
    },
    watch(req = {}) {
      const stream = bgp.watch({ noPeers: false, noPaths: false, ...req });
      const it = stream as unknown as AsyncIterable<WatchResponse>;
      return { [Symbol.asyncIterator]: () => it[Symbol.asyncIterator](), cancel: () => stream.cancel() };
    },
    close: () => { bgp.close(); health.close(); },
  };
}
