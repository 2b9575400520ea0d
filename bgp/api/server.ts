// The gRPC server of bgpd: bgp.v1 BgpService + HealthService on a unix
// socket (mode 0660, so only root and the socket's group can drive the
// speaker) and optionally on a loopback TCP port.

import { Server, ServerCredentials } from '@grpc/grpc-js';
import { chmodSync, existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Speaker } from '../speaker/index.js';
import { BgpServiceService } from '../../proto/gen/bgp/v1/bgp_service.js';
import { HealthServiceService } from '../../proto/gen/bgp/v1/health.js';
import { bgpService, healthService, type ServiceOptions } from './service.js';

export interface ApiConfig {
  /** Unix socket path, e.g. /run/l3mesh/bgpd.sock. */
  readonly socket: string;
  /** Optional loopback TCP listener "127.0.0.1:50051" (port 0 picks one). */
  readonly tcp?: string;
}

export interface ApiServer {
  readonly socket: string;
  /** Bound TCP port when `tcp` was given. */
  readonly tcpPort?: number;
  close(): Promise<void>;
}

function bind(server: Server, target: string): Promise<number> {
  return new Promise((resolve, reject) => server.bindAsync(target, ServerCredentials.createInsecure(), (err, port) => (err ? reject(new Error(`cannot listen on ${target}: ${err.message}`)) : resolve(port))));
}

export async function serveApi(sp: Speaker, cfg: ApiConfig, opts: ServiceOptions = {}): Promise<ApiServer> {
  const server = new Server({ 'grpc.max_send_message_length': 16 << 20 });
  const listen = [`unix:${cfg.socket}`, ...(cfg.tcp ? [cfg.tcp] : [])];
  server.addService(BgpServiceService, bgpService(sp, { listen, ...opts }));
  server.addService(HealthServiceService, healthService(sp));
  mkdirSync(dirname(cfg.socket), { recursive: true });
  if (existsSync(cfg.socket)) unlinkSync(cfg.socket);
  await bind(server, `unix:${cfg.socket}`);
  chmodSync(cfg.socket, 0o660);
  const tcpPort = cfg.tcp ? await bind(server, cfg.tcp) : undefined;
  return {
    socket: cfg.socket,
    ...(tcpPort !== undefined ? { tcpPort } : {}),
    close: () => new Promise<void>((resolve) => {
      const t = setTimeout(() => server.forceShutdown(), 1000);
      server.tryShutdown(() => {
        clearTimeout(t);
        if (existsSync(cfg.socket)) unlinkSync(cfg.socket);
        resolve();
      });
    }),
  };
}
