// The few libc calls the netlink driver needs, bound once through koffi.
// Only this file (and netns.ts, which uses it) touches FFI; everything above
// works on fds and Buffers. Blocking calls (poll) are made with koffi's
// `.async` so they run on the libuv thread pool, never on the event loop.
import koffi from 'koffi';
import { promisify } from 'node:util';

const lib = koffi.load('libc.so.6');

export const libc = {
  socket: lib.func('int socket(int domain, int type, int protocol)') as (d: number, t: number, p: number) => number,
  bind: lib.func('int bind(int fd, const void *addr, uint32_t len)') as (fd: number, addr: Buffer, len: number) => number,
  setsockopt: lib.func('int setsockopt(int fd, int level, int name, const void *val, uint32_t len)') as
    (fd: number, level: number, name: number, val: Buffer, len: number) => number,
  getsockname: lib.func('int getsockname(int fd, void *addr, _Inout_ uint32_t *len)') as (fd: number, addr: Buffer, len: number[]) => number,
  sendto: lib.func('intptr_t sendto(int fd, const void *buf, uintptr_t len, int flags, const void *addr, uint32_t alen)') as
    (fd: number, buf: Buffer, len: number, flags: number, addr: Buffer | null, alen: number) => number,
  recv: lib.func('intptr_t recv(int fd, void *buf, uintptr_t len, int flags)') as (fd: number, buf: Buffer, len: number, flags: number) => number,
  close: lib.func('int close(int fd)') as (fd: number) => number,
  setns: lib.func('int setns(int fd, int nstype)') as (fd: number, nstype: number) => number,
  eventfd: lib.func('int eventfd(unsigned int initval, int flags)') as (init: number, flags: number) => number,
  write: lib.func('intptr_t write(int fd, const void *buf, uintptr_t len)') as (fd: number, buf: Buffer, len: number) => number,
  strerror: lib.func('const char *strerror(int errnum)') as (e: number) => string,
};

const pollFn = lib.func('int poll(void *fds, uint64_t nfds, int timeout)');
const pollAsyncCb = pollFn.async as (fds: Buffer, n: number, timeout: number, cb: (err: unknown, res: number) => void) => void;
/** poll(2) on the thread pool; resolves to { n, errno }. */
export const pollAsync = async (fds: Buffer, n: number, timeoutMs: number): Promise<{ n: number; errno: number }> => {
  const r = await promisify(pollAsyncCb)(fds, n, timeoutMs);
  return { n: r, errno: r < 0 ? koffi.errno() : 0 };
};

const sendtoAsyncCb = (lib.func('intptr_t sendto(int fd, const void *buf, uintptr_t len, int flags, const void *addr, uint32_t alen)')
  .async) as (fd: number, buf: Buffer, len: number, flags: number, addr: null, alen: number, cb: (err: unknown, res: number) => void) => void;
/** sendto(2) on the thread pool (the kernel processes rtnetlink requests inside sendto). */
export const sendtoAsync = async (fd: number, buf: Buffer): Promise<{ n: number; errno: number }> => {
  const r = await promisify(sendtoAsyncCb)(fd, buf, buf.length, 0, null, 0);
  return { n: r, errno: r < 0 ? koffi.errno() : 0 };
};

export const errno = (): number => koffi.errno();

export const AF_NETLINK = 16;
export const SOCK_RAW = 3;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
export const NETLINK_ROUTE = 0;
export const SOL_SOCKET = 1;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_SNDBUFFORCE = 32;
export const SO_RCVBUFFORCE = 33;
export const SOL_NETLINK = 270;
export const NETLINK_CAP_ACK = 10;
export const NETLINK_EXT_ACK = 11;
export const NETLINK_GET_STRICT_CHK = 12;
export const CLONE_NEWNET = 0x40000000;
export const POLLIN = 1;
export const EFD_CLOEXEC = 0o2000000;
export const EFD_NONBLOCK = 0o4000;
export const MSG_DONTWAIT = 0x40;
export const EAGAIN = 11;
export const EINTR = 4;
export const ENOBUFS = 105;

/** "ENODEV (No such device)" style text for an errno. */
export function errnoText(e: number): string {
  const name = Object.entries(koffi.os.errno).find(([, v]) => v === e)?.[0];
  return `${name ?? `errno ${e}`} (${libc.strerror(e)})`;
}
