// Per-peer TCP options of a BGP connection, applied with setsockopt:
//  - TCP-MD5 signatures (RFC 2385): TCP_MD5SIG names the peer address and
//    its key; keylen 0 deletes it. On a listening socket the keys are copied
//    into each accepted socket, so they must be there before the peer's SYN.
//  - GTSM (RFC 5082 §3): send with TTL / hop limit 255 and accept only
//    segments that arrive with at least 256 − hops (IP_MINTTL /
//    IPV6_MINHOPCOUNT); the kernel drops the rest before TCP sees them.
//  - multihop: the TTL to send with when GTSM is off (the socket default, 64
//    on Linux, when unset).
// IPv4 traffic on an IPv6 (dual-stack) socket is governed by the IPv4 options.
// Failures throw a TcpOptionError naming the peer and the option, with a hint
// for the usual causes.

import { isIPv4 } from 'node:net';
import {
  IPPROTO_IP, IPPROTO_IPV6, IPPROTO_TCP, IP_MINTTL, IP_TTL, IPV6_MINHOPCOUNT, IPV6_UNICAST_HOPS, TCP_MD5SIG,
  SocketCallError, getIntOption, setIntOption, setsockopt,
} from './libc.js';
import { AF_INET, encodeMd5Sig, md5KeyBytes, type SocketFamily } from './sockaddr.js';

export interface TcpPeerOptions {
  /** RFC 2385 key (UTF-8, at most 80 bytes). */
  readonly password?: string;
  /** RFC 5082: the peer is at most this many hops away (1 = directly connected). */
  readonly ttlSecurity?: number;
  /** TTL for packets to the peer when GTSM is off. */
  readonly multihop?: number;
}

export const GTSM_TTL = 255;

export class TcpOptionError extends Error {
  constructor(readonly peer: string, readonly option: string, message: string, readonly errno?: string) {
    super(message);
    this.name = 'TcpOptionError';
  }
}

const hints: Record<string, string> = {
  ENOPROTOOPT: 'is the kernel built without CONFIG_TCP_MD5SIG?',
  EPERM: 'the process lacks the permission for it',
  EACCES: 'the process lacks the permission for it',
};

function wrap(peer: string, option: string, err: unknown): TcpOptionError {
  if (err instanceof SocketCallError) {
    const hint = option === 'TCP-MD5' || err.code !== 'ENOPROTOOPT' ? hints[err.code] : undefined;
    return new TcpOptionError(peer, option, `${option} for peer ${peer}: ${err.message}${hint ? `; ${hint}` : ''}`, err.code);
  }
  return new TcpOptionError(peer, option, `${option} for peer ${peer}: ${err instanceof Error ? err.message : String(err)}`);
}

/** Check options before any socket exists: key length, hop ranges. */
export function validateTcpOptions(peer: string, o: TcpPeerOptions): void {
  try {
    if (o.password !== undefined) md5KeyBytes(o.password);
  } catch (err) {
    throw wrap(peer, 'TCP-MD5', err);
  }
  if (o.ttlSecurity !== undefined && !(Number.isInteger(o.ttlSecurity) && o.ttlSecurity >= 1 && o.ttlSecurity <= 254)) {
    throw new TcpOptionError(peer, 'GTSM', `GTSM for peer ${peer}: ttlSecurity must be 1 to 254 hops (got ${o.ttlSecurity})`);
  }
  if (o.multihop !== undefined && !(Number.isInteger(o.multihop) && o.multihop >= 1 && o.multihop <= 255)) {
    throw new TcpOptionError(peer, 'multihop', `multihop for peer ${peer}: TTL must be 1 to 255 (got ${o.multihop})`);
  }
}

/** Install (password given) or delete (undefined) the TCP-MD5 key for `peer` on a socket of `family`. */
export function setMd5Key(fd: number, family: SocketFamily, peer: string, password: string | undefined): void {
  if (family === AF_INET && !isIPv4(peer)) return; // an IPv4 socket never sees this peer
  try {
    setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, encodeMd5Sig(family, peer, password), 'TCP_MD5SIG');
  } catch (err) {
    // deleting a key that is not there is fine
    if (password === undefined && err instanceof SocketCallError && err.code === 'ENOENT') return;
    throw wrap(peer, 'TCP-MD5', err);
  }
}

function ttlOptions(peer: string): { level: number; ttl: number; min: number; names: [string, string] } {
  return isIPv4(peer)
    ? { level: IPPROTO_IP, ttl: IP_TTL, min: IP_MINTTL, names: ['IP_TTL', 'IP_MINTTL'] }
    : { level: IPPROTO_IPV6, ttl: IPV6_UNICAST_HOPS, min: IPV6_MINHOPCOUNT, names: ['IPV6_UNICAST_HOPS', 'IPV6_MINHOPCOUNT'] };
}

/**
 * A listening socket sends the SYN-ACKs, so it sends with TTL 255 for GTSM
 * peers; IPv4 (also v4-mapped on a dual-stack socket) and IPv6.
 */
export function setListenerTtl(fd: number, family: SocketFamily): void {
  setIntOption(fd, IPPROTO_IP, IP_TTL, GTSM_TTL, 'IP_TTL');
  if (family !== AF_INET) setIntOption(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, GTSM_TTL, 'IPV6_UNICAST_HOPS');
}

/**
 * TTL options of one connection with `peer` (connecting or accepted socket):
 * GTSM sets TTL 255 and the minimum 256 − hops; else multihop sets the TTL;
 * else the system default (−1: an accepted socket inherits the listener's 255).
 */
export function setTtlOptions(fd: number, peer: string, o: TcpPeerOptions): void {
  const t = ttlOptions(peer);
  if (o.ttlSecurity !== undefined) {
    try {
      setIntOption(fd, t.level, t.ttl, GTSM_TTL, t.names[0]);
      setIntOption(fd, t.level, t.min, 256 - o.ttlSecurity, t.names[1]);
    } catch (err) {
      throw wrap(peer, 'GTSM', err);
    }
  } else {
    try {
      setIntOption(fd, t.level, t.ttl, o.multihop ?? -1, t.names[0]);
    } catch (err) {
      throw wrap(peer, 'multihop', err);
    }
  }
}

/** The TTL and minimum TTL in force on a connection with `peer` (for tests and status). */
export function readTtlOptions(fd: number, peer: string): { ttl: number; minTtl: number } {
  const t = ttlOptions(peer);
  return { ttl: getIntOption(fd, t.level, t.ttl, t.names[0]), minTtl: getIntOption(fd, t.level, t.min, t.names[1]) };
}
