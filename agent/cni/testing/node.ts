// One node of a CNI test or benchmark: a Lab namespace playing the host, with
// the agent's real pieces pointed at it — MemoryDatastore with IPPools, the
// IPAM allocator, a RouteTable on a netlink socket opened inside the
// namespace, iproute2 via `ip -n <node>`, sysctls inside the namespace — and
// the CNI server on sockets in the lab directory. restart() closes the server
// and builds a fresh one (new RouteTable, IPAM and service) over the same
// datastore, as an agent restart does.
import { join } from 'node:path';
import { RtNetlink } from '../../dataplane/netlink/rtnetlink.js';
import { procSysWriter } from '../../dataplane/links/workload-sysctls.js';
import { RouteTable } from '../../dataplane/routes/route-table.js';
import { MemoryDatastore } from '../../datastore/memory.js';
import { API_VERSION } from '../../datastore/types.js';
import { IpamAllocator } from '../../ipam/allocator.js';
import { processExec } from '../exec.js';
import { CniServer } from '../server.js';
import { CniService } from '../service.js';
import { VethDriver } from '../veth.js';

export interface CniNodeOptions {
  /** the Lab namespace name playing the host */
  netns: string;
  dir: string;
  node?: string;
  pools?: { name: string; cidr: string; blockSize?: number }[];
}

export class CniNode {
  readonly datastore = new MemoryDatastore();
  readonly node: string;
  readonly socketPath: string;
  readonly grpcSocketPath: string;
  server: CniServer | undefined;
  service: CniService | undefined;
  routes: RouteTable | undefined;
  private kernel: RtNetlink | undefined;
  statusReason: string | undefined;

  constructor(private readonly o: CniNodeOptions) {
    this.node = o.node ?? 'node-a';
    this.socketPath = join(o.dir, 'cni.sock');
    this.grpcSocketPath = join(o.dir, 'cni-grpc.sock');
  }

  async start(): Promise<this> {
    await this.datastore.create({ apiVersion: API_VERSION, kind: 'Node', metadata: { name: this.node }, spec: {} });
    for (const p of this.o.pools ?? [{ name: 'pool4', cidr: '100.64.0.0/16', blockSize: 26 }]) {
      await this.datastore.create({ apiVersion: API_VERSION, kind: 'IPPool', metadata: { name: p.name }, spec: { cidr: p.cidr, ...(p.blockSize ? { blockSize: p.blockSize } : {}) } });
    }
    await this.startAgent();
    return this;
  }

  async startAgent(): Promise<void> {
    this.kernel = RtNetlink.open({ netns: this.o.netns });
    this.routes = new RouteTable({ kernel: this.kernel });
    this.service = new CniService({
      node: this.node,
      datastore: this.datastore,
      ipam: new IpamAllocator(this.datastore),
      routes: this.routes,
      veth: new VethDriver({ exec: processExec, hostIp: ['ip', '-n', this.o.netns] }),
      sysctls: procSysWriter(this.o.netns),
      status: () => this.statusReason,
    });
    this.server = await CniServer.start({ service: this.service, socketPath: this.socketPath, grpcSocketPath: this.grpcSocketPath });
  }

  async stopAgent(): Promise<void> {
    await this.server?.close();
    this.routes?.stop();
    this.kernel?.close();
    this.server = undefined;
    this.service = undefined;
    this.routes = undefined;
    this.kernel = undefined;
  }

  async restart(): Promise<void> {
    await this.stopAgent();
    await this.startAgent();
  }
}
