// Linux socket address and TCP-MD5 option layouts as bytes, for the FFI calls
// in libc.ts. Pure functions over Buffer: no I/O, unit-tested against the
// kernel's ABI (x86_64 and arm64 share it).
//   sockaddr_in   (16 bytes): u16 family (host order), u16 port (network), 4-byte address
//   sockaddr_in6  (28 bytes): u16 family, u16 port, u32 flowinfo, 16-byte address, u32 scope id
//   tcp_md5sig   (216 bytes, linux/tcp.h, RFC 2385): sockaddr_storage addr (128),
//                 u8 flags, u8 prefixlen, u16 keylen, int ifindex, u8 key[80]
// An IPv4 peer on an IPv6 (dual-stack) socket is named by its v4-mapped
// address ::ffff:a.b.c.d; the kernel then files the key under AF_INET.

import { isIPv4, isIPv6 } from 'node:net';
import { endianness } from 'node:os';

export const AF_INET = 2;
export const AF_INET6 = 10;
export type SocketFamily = typeof AF_INET | typeof AF_INET6;

export const SOCKADDR_IN_LEN = 16;
export const SOCKADDR_IN6_LEN = 28;
export const SOCKADDR_STORAGE_LEN = 128;
export const TCP_MD5SIG_MAXKEYLEN = 80;
export const TCP_MD5SIG_LEN = SOCKADDR_STORAGE_LEN + 1 + 1 + 2 + 4 + TCP_MD5SIG_MAXKEYLEN;

const LE = endianness() === 'LE';
const writeU16Host = (b: Buffer, v: number, off: number) => (LE ? b.writeUInt16LE(v, off) : b.writeUInt16BE(v, off));
const readU16Host = (b: Buffer, off: number) => (LE ? b.readUInt16LE(off) : b.readUInt16BE(off));

/** The socket family to use for an address (an IPv4 text address → AF_INET). */
export function familyOfAddress(address: string): SocketFamily {
  if (isIPv4(address)) return AF_INET;
  if (isIPv6(address)) return AF_INET6;
  throw new Error(`not an IP address: ${JSON.stringify(address)}`);
}

function ipv4Bytes(address: string): number[] {
  return address.split('.').map(Number);
}

/** 16 bytes of an IPv6 address; IPv4 text becomes the v4-mapped form. */
export function ipv6Bytes(address: string): Buffer {
  const out = Buffer.alloc(16);
  if (isIPv4(address)) {
    out[10] = 0xff;
    out[11] = 0xff;
    out.set(ipv4Bytes(address), 12);
    return out;
  }
  if (!isIPv6(address)) throw new Error(`not an IP address: ${JSON.stringify(address)}`);
  let text = address;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  // a trailing dotted quad (::ffff:1.2.3.4) is two groups
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (isIPv4(tail)) {
    const q = ipv4Bytes(tail);
    text = `${text.slice(0, lastColon + 1)}${((q[0]! << 8) | q[1]!).toString(16)}:${((q[2]! << 8) | q[3]!).toString(16)}`;
  }
  const [head = '', rest] = text.split('::') as [string, string | undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = rest === undefined ? [] : rest ? rest.split(':') : [];
  const groups = rest === undefined ? headGroups : [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/**
 * A sockaddr for `address`/`port` in the given socket family: sockaddr_in for
 * AF_INET, sockaddr_in6 for AF_INET6 (IPv4 addresses v4-mapped).
 */
export function encodeSockaddr(family: SocketFamily, address: string, port = 0): Buffer {
  if (family === AF_INET) {
    if (!isIPv4(address)) throw new Error(`${address} is not an IPv4 address (AF_INET socket)`);
    const b = Buffer.alloc(SOCKADDR_IN_LEN);
    writeU16Host(b, AF_INET, 0);
    b.writeUInt16BE(port, 2);
    b.set(ipv4Bytes(address), 4);
    return b;
  }
  const b = Buffer.alloc(SOCKADDR_IN6_LEN);
  writeU16Host(b, AF_INET6, 0);
  b.writeUInt16BE(port, 2);
  ipv6Bytes(address).copy(b, 8);
  return b;
}

/** Address and port of a sockaddr_in / sockaddr_in6 (v4-mapped addresses come back as IPv4 text). */
export function decodeSockaddr(b: Buffer): { address: string; port: number; family: SocketFamily } {
  const family = readU16Host(b, 0);
  const port = b.readUInt16BE(2);
  if (family === AF_INET) return { address: [...b.subarray(4, 8)].join('.'), port, family };
  if (family !== AF_INET6) throw new Error(`unexpected socket address family ${family}`);
  const a = b.subarray(8, 24);
  if (a.subarray(0, 10).every((x) => x === 0) && a[10] === 0xff && a[11] === 0xff) {
    return { address: [...a.subarray(12, 16)].join('.'), port, family };
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(a.readUInt16BE(i).toString(16));
  // compress the longest run of zero groups (RFC 5952)
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const text = best < 0 ? groups.join(':') : `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
  return { address: text, port, family };
}

/** Bytes of a password as the kernel takes them (UTF-8), checked against RFC 2385's 80-byte limit. */
export function md5KeyBytes(password: string): Buffer {
  const key = Buffer.from(password, 'utf8');
  if (key.length === 0) throw new Error('the TCP-MD5 password is empty');
  if (key.length > TCP_MD5SIG_MAXKEYLEN) throw new Error(`the TCP-MD5 password has ${key.length} bytes; the kernel takes at most ${TCP_MD5SIG_MAXKEYLEN}`);
  return key;
}

/**
 * struct tcp_md5sig for TCP_MD5SIG: the key for one peer address on a socket
 * of `family`; no password (keylen 0) deletes the key for that address.
 */
export function encodeMd5Sig(family: SocketFamily, peer: string, password: string | undefined): Buffer {
  const b = Buffer.alloc(TCP_MD5SIG_LEN);
  encodeSockaddr(family, peer).copy(b, 0);
  if (password !== undefined) {
    const key = md5KeyBytes(password);
    // flags 0, prefixlen 0, ifindex 0: this exact address on any interface
    writeU16Host(b, key.length, 130);
    key.copy(b, 136);
  }
  return b;
}
