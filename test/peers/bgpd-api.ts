// A minimal client of our speaker's gRPC API (proto/bgp/v1, served on a unix
// socket) for the bgpd driver: the status socket lists only Loc-RIB best
// paths, the API lists every candidate path learned from one peer
// (ListPaths, table LOC, peer filter, all_paths) — what "routes from this
// neighbour" means when the same prefix arrives from several peers (route
// reflector pairs). One channel per driver, closed with the driver.
import { credentials } from '@grpc/grpc-js';
import { BgpServiceClient } from '../../proto/gen/bgp/v1/bgp_service.js';
import { Family as ApiFamily, Table, type Path } from '../../proto/gen/bgp/v1/types.js';
import type { Family } from './types.js';

export class BgpdApi {
  private readonly client: BgpServiceClient;

  constructor(readonly socket: string) {
    this.client = new BgpServiceClient(`unix://${socket}`, credentials.createInsecure());
  }

  /** Every Loc-RIB candidate path learned from the peer (by name), of one family. */
  async pathsFrom(peer: string, family: Family, timeoutMs = 30_000): Promise<Path[]> {
    const out: Path[] = [];
    const stream = this.client.listPaths({
      table: Table.TABLE_LOC, peer, prefix: '', allPaths: true,
      family: family === 'ipv4-unicast' ? ApiFamily.FAMILY_IPV4_UNICAST : ApiFamily.FAMILY_IPV6_UNICAST,
    }, { deadline: Date.now() + timeoutMs });
    for await (const m of stream as AsyncIterable<{ path?: Path }>) if (m.path) out.push(m.path);
    return out;
  }

  close(): void { this.client.close(); }
}
