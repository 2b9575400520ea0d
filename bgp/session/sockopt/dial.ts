// Outgoing BGP connections with per-peer TCP options (TCP-MD5, GTSM,
// multihop TTL). Node's net.connect() gives no chance to set options between
// socket() and connect(), and the MD5 key and the minimum TTL must be in
// place before the SYN leaves (the SYN-ACK is signed / TTL-checked). So the
// socket is made here (socket(2) through koffi, non-blocking), the options
// are set on its fd, and Node adopts the fd: `new net.Socket({ fd })` wraps
// it in a libuv TCP handle, and `connect()` on that socket reuses the handle
// (uv_tcp_connect connects the existing fd without blocking). The result
// behaves like net.connect()'s socket: 'connect' / 'error' events, same
// stream. Binding a local address is left to Node's connect({ localAddress }).

import { Socket } from 'node:net';
import { closeFd, tcpSocket } from './libc.js';
import { setMd5Key, setTtlOptions, validateTcpOptions, type TcpPeerOptions } from './options.js';
import { familyOfAddress } from './sockaddr.js';

export interface DialTarget {
  readonly address: string;
  readonly port: number;
  readonly localAddress?: string;
}

/** True when a connection to this peer needs options set before connect(). */
export function needsTcpOptions(o: TcpPeerOptions): boolean {
  return o.password !== undefined || o.ttlSecurity !== undefined || o.multihop !== undefined;
}

/**
 * Start connecting to `t` with the peer's options. Throws a TcpOptionError
 * (nothing left open) when an option cannot be set; connection failures
 * arrive as the socket's 'error' event, as with net.connect().
 */
export function dialWithOptions(t: DialTarget, o: TcpPeerOptions): Socket {
  validateTcpOptions(t.address, o);
  const family = familyOfAddress(t.address);
  const fd = tcpSocket(family);
  let sock: Socket;
  try {
    if (o.password !== undefined) setMd5Key(fd, family, t.address, o.password);
    setTtlOptions(fd, t.address, o);
    sock = new Socket({ fd });
  } catch (err) {
    closeFd(fd);
    throw err;
  }
  // connect() in the same tick: the handle must not start reading an unconnected fd
  sock.connect({ host: t.address, port: t.port, ...(t.localAddress ? { localAddress: t.localAddress } : {}) });
  return sock;
}
