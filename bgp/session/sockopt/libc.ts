// The few libc calls Node's `net` does not offer, through koffi (FFI with
// prebuilt binaries: nothing to compile on install; see docs/bgpd-config.md).
// Loaded lazily on first use, so a speaker that needs none of it never loads
// the native module. Every failing call throws a SocketCallError naming the
// call and the errno (name and text), for messages like
//   "TCP-MD5 key for 198.18.0.2: setsockopt TCP_MD5SIG: ENOPROTOOPT (Protocol not available)".

import koffi from 'koffi';
import { constants, endianness } from 'node:os';

type Fn = (...args: unknown[]) => number;

interface Libc {
  socket: Fn;
  setsockopt: Fn;
  getsockopt: Fn;
  bind: Fn;
  listen: Fn;
  accept4: Fn;
  getsockname: Fn;
  close: Fn;
}

let lib: Libc | undefined;

function load(): Libc {
  if (lib) return lib;
  if (process.platform !== 'linux') throw new Error(`TCP socket options (TCP-MD5, GTSM) are implemented for Linux only, not ${process.platform}`);
  let l: ReturnType<typeof koffi.load>;
  try {
    l = koffi.load('libc.so.6'); // glibc
  } catch {
    l = koffi.load(null); // the process itself, which links libc (musl has no libc.so.6)
  }
  lib = {
    socket: l.func('int socket(int domain, int type, int protocol)') as Fn,
    setsockopt: l.func('int setsockopt(int fd, int level, int name, const void *value, uint32_t len)') as Fn,
    getsockopt: l.func('int getsockopt(int fd, int level, int name, _Out_ void *value, _Inout_ uint32_t *len)') as Fn,
    bind: l.func('int bind(int fd, const void *addr, uint32_t len)') as Fn,
    listen: l.func('int listen(int fd, int backlog)') as Fn,
    accept4: l.func('int accept4(int fd, _Out_ void *addr, _Inout_ uint32_t *len, int flags)') as Fn,
    getsockname: l.func('int getsockname(int fd, _Out_ void *addr, _Inout_ uint32_t *len)') as Fn,
    close: l.func('int close(int fd)') as Fn,
  };
  return lib;
}

// Linux constants (asm-generic; identical on x86_64 and arm64)
export const SOCK_STREAM = 1;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
export const SOL_SOCKET = 1;
export const SO_REUSEADDR = 2;
export const IPPROTO_IP = 0;
export const IPPROTO_TCP = 6;
export const IPPROTO_IPV6 = 41;
export const IP_TTL = 2;
export const IP_MINTTL = 21;
export const IPV6_UNICAST_HOPS = 16;
export const IPV6_V6ONLY = 26;
export const IPV6_MINHOPCOUNT = 73;
export const TCP_MD5SIG = 14;

const errnoNames = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));
const errnoText: Record<string, string> = {
  EPERM: 'Operation not permitted', EACCES: 'Permission denied', EINVAL: 'Invalid argument',
  ENOPROTOOPT: 'Protocol not available', EADDRINUSE: 'Address already in use', EADDRNOTAVAIL: 'Cannot assign requested address',
  EAFNOSUPPORT: 'Address family not supported by protocol', EMFILE: 'Too many open files', ENFILE: 'Too many open files in system',
  ENOMEM: 'Cannot allocate memory', EBADF: 'Bad file descriptor', ENOTSOCK: 'Socket operation on non-socket',
  ECONNABORTED: 'Software caused connection abort', EAGAIN: 'Resource temporarily unavailable',
};

export class SocketCallError extends Error {
  constructor(readonly call: string, readonly errno: number) {
    const name = errnoNames.get(errno) ?? `errno ${errno}`;
    const text = errnoText[name];
    super(`${call}: ${name}${text ? ` (${text})` : ''}`);
    this.name = 'SocketCallError';
  }
  get code(): string { return errnoNames.get(this.errno) ?? `errno ${this.errno}`; }
}

function check(call: string, r: number): number {
  if (r < 0) throw new SocketCallError(call, koffi.errno());
  return r;
}

/** A non-blocking, close-on-exec TCP socket. */
export function tcpSocket(family: number): number {
  return check('socket', load().socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
}

export function setsockopt(fd: number, level: number, name: number, value: Buffer, what: string): void {
  check(`setsockopt ${what}`, load().setsockopt(fd, level, name, value, value.length));
}

const LE = endianness() === 'LE';

/** Set an int-valued option (the kernel reads a host-order int). */
export function setIntOption(fd: number, level: number, name: number, value: number, what: string): void {
  const b = Buffer.alloc(4);
  if (LE) b.writeInt32LE(value, 0);
  else b.writeInt32BE(value, 0);
  setsockopt(fd, level, name, b, what);
}

export function getIntOption(fd: number, level: number, name: number, what: string): number {
  const b = Buffer.alloc(4);
  const len = [4];
  check(`getsockopt ${what}`, load().getsockopt(fd, level, name, b, len));
  return LE ? b.readInt32LE(0) : b.readInt32BE(0);
}

export function bind(fd: number, sockaddr: Buffer): void {
  check('bind', load().bind(fd, sockaddr, sockaddr.length));
}

export function listen(fd: number, backlog: number): void {
  check('listen', load().listen(fd, backlog));
}

/** The bound address of a socket, as raw sockaddr bytes. */
export function getsockname(fd: number): Buffer {
  const b = Buffer.alloc(128);
  const len = [128];
  check('getsockname', load().getsockname(fd, b, len));
  return b.subarray(0, len[0]);
}

/**
 * One pending connection: its fd (non-blocking, close-on-exec) and the peer's
 * sockaddr, or undefined when none is waiting (EAGAIN).
 */
export function accept(fd: number): { fd: number; peer: Buffer } | undefined {
  const b = Buffer.alloc(128);
  const len = [128];
  const r = load().accept4(fd, b, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (r < 0) {
    const e = koffi.errno();
    if (e === constants.errno.EAGAIN || e === constants.errno.EWOULDBLOCK) return undefined;
    throw new SocketCallError('accept4', e);
  }
  return { fd: r, peer: b.subarray(0, len[0]) };
}

export function closeFd(fd: number): void {
  load().close(fd);
}

/** Watch a file descriptor for readability on Node's event loop (koffi's libuv poll). */
export function pollReadable(fd: number, onReadable: () => void): { close(): void; stop(): void; start(): void } {
  const handle = koffi.node.poll(fd, { readable: true }, () => onReadable());
  return {
    close: () => handle.close(),
    stop: () => handle.stop(),
    start: () => handle.start({ readable: true }, () => onReadable()),
  };
}
