// The CNI server's transports, both on unix sockets and both ending in
// CniService.invoke():
//   - gRPC (agent.v1.CniService/Invoke, proto/agent/v1/cni.proto) for any
//     gRPC client;
//   - the plugin's framed stream: one connection per invocation, a 4-byte
//     big-endian length then the InvokeRequest protobuf bytes; the reply is
//     framed the same way with InvokeResponse. Same messages as gRPC, no
//     HTTP/2, so the plugin (cni/plugin.ts) needs only Node built-ins.
// Sockets are created 0600 (only root may ask for pod networking); a stale
// socket file from an earlier run is replaced.
import * as grpc from '@grpc/grpc-js';
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { CniServiceService, InvokeRequest, InvokeResponse } from '../../proto/gen/agent/v1/cni.js';
import type { CniEnv } from './config.js';
import type { CniLog, CniService } from './service.js';

export const DEFAULT_SOCKET = '/var/run/l3mesh/cni.sock';
export const DEFAULT_GRPC_SOCKET = '/var/run/l3mesh/cni-grpc.sock';
const MAX_FRAME = 16 << 20;
const READ_TIMEOUT_MS = 30_000;

export interface CniServerOptions {
  service: CniService;
  /** the plugin's framed socket (default /var/run/l3mesh/cni.sock) */
  socketPath?: string;
  /** the gRPC socket (default /var/run/l3mesh/cni-grpc.sock); null: no gRPC */
  grpcSocketPath?: string | null;
  log?: CniLog;
}

export function envOf(req: InvokeRequest): CniEnv {
  return { command: req.command, containerId: req.containerId, netns: req.netns, ifname: req.ifname, args: req.args, path: req.path };
}

async function invoke(service: CniService, req: InvokeRequest): Promise<InvokeResponse> {
  const r = await service.invoke(envOf(req), req.config);
  return { output: Buffer.from(r.output), errorCode: r.errorCode };
}

function prepare(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  try {
    if (!lstatSync(path).isSocket()) throw new Error(`${path} exists and is not a socket: refusing to replace it`);
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

export class CniServer {
  private constructor(
    readonly socketPath: string,
    readonly grpcSocketPath: string | undefined,
    private readonly framed: Server,
    private readonly grpcServer: grpc.Server | undefined,
  ) {}

  static async start(opts: CniServerOptions): Promise<CniServer> {
    const socketPath = opts.socketPath ?? DEFAULT_SOCKET;
    const log = opts.log;
    prepare(socketPath);
    // half-open: the plugin shuts down its sending side after the request and still reads the answer
    const framed = createServer({ allowHalfOpen: true }, (conn) => serveFramed(conn, opts.service, log));
    await new Promise<void>((resolve, reject) => {
      framed.once('error', reject);
      framed.listen(socketPath, () => { framed.off('error', reject); resolve(); });
    });
    chmodSync(socketPath, 0o600);

    let grpcServer: grpc.Server | undefined;
    const grpcPath = opts.grpcSocketPath === null ? undefined : (opts.grpcSocketPath ?? DEFAULT_GRPC_SOCKET);
    if (grpcPath !== undefined) {
      prepare(grpcPath);
      grpcServer = new grpc.Server();
      grpcServer.addService(CniServiceService, {
        invoke: (call: grpc.ServerUnaryCall<InvokeRequest, InvokeResponse>, cb: grpc.sendUnaryData<InvokeResponse>) => {
          invoke(opts.service, call.request).then((r) => cb(null, r), (e: unknown) => cb({ code: grpc.status.INTERNAL, details: (e as Error).message }));
        },
      });
      const server = grpcServer;
      await new Promise<void>((resolve, reject) => {
        server.bindAsync(`unix:${grpcPath}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve()));
      });
      chmodSync(grpcPath, 0o600);
    }
    return new CniServer(socketPath, grpcPath, framed, grpcServer);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.framed.close(() => resolve()));
    if (this.grpcServer) {
      const s = this.grpcServer;
      await new Promise<void>((resolve) => s.tryShutdown(() => resolve()));
    }
    for (const p of [this.socketPath, this.grpcSocketPath]) {
      if (p) try { unlinkSync(p); } catch { /* already gone */ }
    }
  }
}

function serveFramed(conn: Socket, service: CniService, log: CniLog | undefined): void {
  let buf = Buffer.alloc(0);
  let handled = false;
  conn.setTimeout(READ_TIMEOUT_MS, () => conn.destroy());
  conn.on('error', () => { /* the plugin went away; nothing to answer */ });
  conn.on('data', (chunk: Buffer) => {
    if (handled) return;
    buf = Buffer.concat([buf, chunk]);
    if (buf.length < 4) return;
    const len = buf.readUInt32BE(0);
    if (len > MAX_FRAME) { log?.warn({ len }, 'CNI request frame too large; closing'); conn.destroy(); return; }
    if (buf.length < 4 + len) return;
    handled = true;
    conn.setTimeout(0);
    let req: InvokeRequest;
    try {
      req = InvokeRequest.decode(buf.subarray(4, 4 + len));
    } catch (e) {
      log?.warn({ err: (e as Error).message }, 'undecodable CNI request frame; closing');
      conn.destroy();
      return;
    }
    invoke(service, req).then((res) => {
      const body = Buffer.from(InvokeResponse.encode(res).finish());
      const head = Buffer.alloc(4);
      head.writeUInt32BE(body.length, 0);
      conn.end(Buffer.concat([head, body]));
    }, (e: unknown) => {
      log?.warn({ err: (e as Error).message }, 'CNI request failed');
      conn.destroy();
    });
  });
}
