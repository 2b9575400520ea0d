// Listening sockets for incoming BGP connections (RFC 4271 §8: passive TCP
// establishment). Each accepted socket becomes a Connection handed to the
// owner, which matches it to a configured peer by remote address.

import { createServer, type Server } from 'node:net';
import { Connection } from './connection.js';

export interface ListenAddress {
  readonly address: string;
  readonly port: number;
}

export class Listener {
  private servers: Server[] = [];

  constructor(private readonly onConnection: (c: Connection) => void, private readonly onError: (addr: ListenAddress, err: Error) => void) {}

  /** Resolves once every address listens; rejects with the first failure. */
  async listen(addrs: readonly ListenAddress[]): Promise<void> {
    await Promise.all(addrs.map((a) => new Promise<void>((resolve, reject) => {
      const srv = createServer({ noDelay: true }, (sock) => this.onConnection(new Connection(sock, false)));
      srv.once('error', (err) => reject(new Error(`cannot listen on [${a.address}]:${a.port}: ${err.message}`)));
      srv.listen({ host: a.address, port: a.port, ipv6Only: false }, () => {
        srv.removeAllListeners('error');
        srv.on('error', (err) => this.onError(a, err));
        resolve();
      });
      this.servers.push(srv);
    })));
  }

  /** The bound ports (useful with port 0 in tests). */
  ports(): number[] {
    return this.servers.map((s) => {
      const a = s.address();
      return typeof a === 'object' && a ? a.port : 0;
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.servers = [];
  }
}
