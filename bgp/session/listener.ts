// Listening sockets for incoming BGP connections (RFC 4271 §8: passive TCP
// establishment). Each accepted socket becomes a Connection handed to the
// owner, which matches it to a configured peer by remote address.
//
// The listening sockets are made here (socket/bind/listen through koffi, see
// sockopt/) rather than by net.createServer, because per-peer TCP options
// must be set on them and on each accepted socket before Node reads from it:
//  - TCP-MD5 (RFC 2385): setPeerOptions() puts the peer's key on every
//    listening socket (IPv4 peers v4-mapped on dual-stack IPv6 sockets); the
//    kernel copies the keys into the connection it creates on the SYN, so a
//    SYN without the right signature never completes the handshake. Keys are
//    kept in a table and applied to sockets opened later too.
//  - GTSM (RFC 5082): TTL 255 and the minimum TTL go on the accepted socket,
//    right after accept4() and before Node wraps it. Not on the listening
//    socket: IP_MINTTL there would apply to every peer, also to those without
//    GTSM. The handshake and any data that arrived before accept() were not
//    checked, but every later segment is, and the peer's KEEPALIVE that
//    would take the session to Established can only follow our OPEN, which
//    is sent after the minimum is set; so a peer too many hops away never
//    reaches Established (BIRD, FRR and GoBGP also set it on the accepted
//    socket). The listening socket itself sends with TTL 255: the SYN-ACK
//    comes from it, and a GTSM peer dialling us drops it otherwise. Accepted
//    sockets of peers without GTSM go back to the system default TTL.
// Accepting: koffi's libuv poll watches the listening fd; accept4() drains
// the queue; `new net.Socket({ fd })` adopts each connection.

import { Socket } from 'node:net';
import { Connection, normalise } from './connection.js';
import { SO_REUSEADDR, SOL_SOCKET, IPPROTO_IPV6, IPV6_V6ONLY, accept, bind, closeFd, getsockname, listen, pollReadable, setIntOption, tcpSocket } from './sockopt/libc.js';
import { setListenerTtl, setMd5Key, setTtlOptions, validateTcpOptions, type TcpPeerOptions } from './sockopt/options.js';
import { AF_INET6, decodeSockaddr, encodeSockaddr, familyOfAddress, type SocketFamily } from './sockopt/sockaddr.js';

export interface ListenAddress {
  readonly address: string;
  readonly port: number;
}

const BACKLOG = 511;
/** Pause accepting this long after running out of file descriptors. */
const ACCEPT_BACKOFF_MS = 1000;

interface ListeningSocket {
  readonly at: ListenAddress;
  readonly fd: number;
  readonly family: SocketFamily;
  readonly port: number;
  readonly poll: { close(): void; stop(): void; start(): void };
  backoff?: NodeJS.Timeout;
}

export class Listener {
  private sockets: ListeningSocket[] = [];
  private readonly peers = new Map<string, TcpPeerOptions>();

  constructor(private readonly onConnection: (c: Connection) => void, private readonly onError: (addr: ListenAddress, err: Error) => void) {}

  /** Resolves once every address listens; rejects with the first failure (nothing stays open then). */
  async listen(addrs: readonly ListenAddress[]): Promise<void> {
    const opened: ListeningSocket[] = [];
    try {
      for (const a of addrs) opened.push(this.open(a));
    } catch (err) {
      for (const s of opened) this.closeSocket(s);
      throw err;
    }
    this.sockets.push(...opened);
    // keys of peers configured before the sockets existed
    for (const [peer, o] of this.peers) if (o.password !== undefined) for (const s of opened) this.trySetKey(s, peer, o.password);
  }

  private open(a: ListenAddress): ListeningSocket {
    const fail = (err: unknown) => new Error(`cannot listen on [${a.address}]:${a.port}: ${err instanceof Error ? err.message : String(err)}`);
    let family: SocketFamily;
    let fd: number;
    try {
      family = familyOfAddress(a.address);
      fd = tcpSocket(family);
    } catch (err) {
      throw fail(err);
    }
    try {
      setIntOption(fd, SOL_SOCKET, SO_REUSEADDR, 1, 'SO_REUSEADDR');
      if (family === AF_INET6) setIntOption(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0, 'IPV6_V6ONLY');
      setListenerTtl(fd, family);
      bind(fd, encodeSockaddr(family, a.address, a.port));
      listen(fd, BACKLOG);
      const port = decodeSockaddr(getsockname(fd)).port;
      const entry: ListeningSocket = { at: a, fd, family, port, poll: pollReadable(fd, () => this.acceptAll(entry)) };
      return entry;
    } catch (err) {
      closeFd(fd);
      throw fail(err);
    }
  }

  private acceptAll(s: ListeningSocket): void {
    for (;;) {
      let got: { fd: number; peer: Buffer } | undefined;
      try {
        got = accept(s.fd);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'ECONNABORTED' || code === 'EINTR') continue;
        this.onError(s.at, err as Error);
        // out of descriptors (EMFILE/ENFILE) or memory: the connection stays queued and
        // the poll would fire at once again; back off instead of spinning
        s.poll.stop();
        s.backoff = setTimeout(() => { s.backoff = undefined; s.poll.start(); }, ACCEPT_BACKOFF_MS);
        s.backoff.unref();
        return;
      }
      if (!got) return;
      this.adopt(s, got.fd, normalise(decodeSockaddr(got.peer).address));
    }
  }

  private adopt(s: ListeningSocket, fd: number, remote: string): void {
    const o = this.peers.get(remote);
    let sock: Socket;
    try {
      setTtlOptions(fd, remote, o ?? {});
      sock = new Socket({ fd });
    } catch (err) {
      // GTSM asked for but not in force: refuse the connection rather than run without it
      closeFd(fd);
      this.onError(s.at, new Error(`connection from ${remote} refused: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    this.onConnection(new Connection(sock, false));
  }

  /**
   * Set (or replace) the TCP options for connections from `address`: the MD5
   * key goes on every listening socket at once, GTSM / multihop apply to
   * connections accepted from now on. Throws a TcpOptionError when an option
   * is invalid or the kernel refuses it; other peers are not affected.
   */
  setPeerOptions(address: string, o: TcpPeerOptions): void {
    const peer = normalise(address);
    validateTcpOptions(peer, o);
    const old = this.peers.get(peer);
    this.peers.set(peer, o);
    if (old?.password === o.password) return;
    const errors: Error[] = [];
    for (const s of this.sockets) {
      try {
        setMd5Key(s.fd, s.family, peer, o.password);
      } catch (err) {
        errors.push(err as Error);
      }
    }
    if (errors[0]) throw errors[0];
  }

  /** Forget a peer: its MD5 key is deleted from the listening sockets. */
  removePeer(address: string): void {
    const peer = normalise(address);
    const old = this.peers.get(peer);
    this.peers.delete(peer);
    if (old?.password !== undefined) for (const s of this.sockets) this.trySetKey(s, peer, undefined);
  }

  private trySetKey(s: ListeningSocket, peer: string, password: string | undefined): void {
    try {
      setMd5Key(s.fd, s.family, peer, password);
    } catch (err) {
      this.onError(s.at, err as Error);
    }
  }

  /** The bound ports (useful with port 0 in tests). */
  ports(): number[] {
    return this.sockets.map((s) => s.port);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) this.closeSocket(s);
    this.sockets = [];
  }

  private closeSocket(s: ListeningSocket): void {
    if (s.backoff) clearTimeout(s.backoff);
    s.poll.close();
    closeFd(s.fd);
  }
}
