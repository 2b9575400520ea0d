// A NETLINK_ROUTE socket (RFC 3549 §2) opened through libc via koffi,
// optionally inside a named network namespace.
//
// I/O model (never blocks the event loop): the socket is non-blocking. The
// kernel handles rtnetlink requests synchronously inside sendto(), so when a
// batch's sendto returns, its acks are already queued; and a dump produces its
// next part inside each recv(). So request/ack and dump exchanges are
// send + drain with non-blocking recv. Big batches are sent with koffi's async
// sendto (the kernel's route insertion work then runs on the thread pool, not
// the event loop); only when the queue is unexpectedly empty do we wait with
// poll() on the thread pool. Multicast listeners (link events) wait with an
// async poll on [socket, eventfd]; close() writes the eventfd to wake it.
//
// Acks: every request carries NLM_F_ACK and its own sequence number; acks and
// errors are matched by sequence (RFC 3549 §2.3.2.2). NETLINK_CAP_ACK keeps
// acks small, NETLINK_EXT_ACK adds the kernel's error text, and the receive
// buffer is raised (SO_RCVBUFFORCE) so a batch's acks fit; if they still
// overflow (ENOBUFS), the unacknowledged requests are reported as "unknown"
// and the caller re-reads the kernel state.
import {
  AF_NETLINK, EAGAIN, EFD_CLOEXEC, EFD_NONBLOCK, EINTR, ENOBUFS, MSG_DONTWAIT, NETLINK_CAP_ACK, NETLINK_EXT_ACK,
  NETLINK_GET_STRICT_CHK, NETLINK_ROUTE, POLLIN, SO_RCVBUF, SO_RCVBUFFORCE, SO_SNDBUF, SO_SNDBUFFORCE, SOCK_CLOEXEC,
  SOCK_NONBLOCK, SOCK_RAW, SOL_NETLINK, SOL_SOCKET, errno, errnoText, libc, pollAsync, sendtoAsync,
} from './libc.js';
import { withNetns } from './netns.js';
import { decodeError, forEachMessage, type Header, NLM_F_DUMP_INTR, NLMSG_DONE, NLMSG_ERROR, NLMSG_OVERRUN } from './codec.js';

export interface NetlinkSocketOptions {
  /** open the socket inside /var/run/netns/<netns> */
  netns?: string;
  /** multicast groups (RTMGRP_* bit mask) to join */
  groups?: number;
  /** receive / send buffer size in bytes (default 8 MiB / 4 MiB; forced when we may) */
  rcvbuf?: number;
  sndbuf?: number;
  /** how long to wait for an ack or dump part that is not queued yet (default 10 s) */
  replyTimeoutMs?: number;
  /** sends at least this big run sendto on the thread pool (default 16 KiB; Infinity: always on the event loop) */
  asyncSendThreshold?: number;
}

/** Outcome of one request in a batch: errno 0 is success; undefined errno means the ack was lost (re-read). */
export interface AckResult { errno: number | undefined; message?: string }

export class NetlinkError extends Error {}

const RECV_BUF = 1 << 20;
const intBuf = (v: number): Buffer => { const b = Buffer.alloc(4); b.writeInt32LE(v, 0); return b; };

export class NetlinkSocket {
  private seq = Math.floor(Math.random() * 0x7fffffff);
  private readonly rbuf = Buffer.allocUnsafe(RECV_BUF);
  private closed = false;
  private released = false;
  private wakeFd = -1;
  private busy = false;
  readonly rcvbuf: number;

  private constructor(readonly fd: number, readonly netns: string | undefined, rcvbuf: number, private readonly replyTimeoutMs: number,
    private readonly asyncSendThreshold: number) {
    this.rcvbuf = rcvbuf;
  }

  static open(opts: NetlinkSocketOptions = {}): NetlinkSocket {
    const where = opts.netns ? ` in network namespace ${opts.netns}` : '';
    const fd = withNetns(opts.netns, () => libc.socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE));
    if (fd < 0) throw new NetlinkError(`netlink socket${where}: ${errnoText(errno())}`);
    try {
      const want = opts.rcvbuf ?? 8 << 20;
      for (const [force, plain, size] of [[SO_RCVBUFFORCE, SO_RCVBUF, want], [SO_SNDBUFFORCE, SO_SNDBUF, opts.sndbuf ?? 4 << 20]] as const) {
        if (libc.setsockopt(fd, SOL_SOCKET, force, intBuf(size), 4) !== 0) libc.setsockopt(fd, SOL_SOCKET, plain, intBuf(size), 4);
      }
      for (const opt of [NETLINK_CAP_ACK, NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK]) libc.setsockopt(fd, SOL_NETLINK, opt, intBuf(1), 4);
      const sa = Buffer.alloc(12);
      sa.writeUInt16LE(AF_NETLINK, 0);
      sa.writeUInt32LE(opts.groups ?? 0, 8);
      if (libc.bind(fd, sa, 12) !== 0) throw new NetlinkError(`netlink bind${where}: ${errnoText(errno())}`);
      return new NetlinkSocket(fd, opts.netns, want, opts.replyTimeoutMs ?? 10_000, opts.asyncSendThreshold ?? 16384);
    } catch (e) {
      libc.close(fd);
      throw e;
    }
  }

  /** Reserves n consecutive sequence numbers; returns the first. */
  nextSeq(n = 1): number {
    const first = this.seq;
    this.seq = (this.seq + n) >>> 0;
    if (this.seq < first || first === 0) { this.seq = 1 + n; return 1; } // contiguous across the wrap; 0 never used
    return first;
  }

  private check(): void { if (this.closed) throw new NetlinkError('netlink socket is closed'); }

  /** Sends one buffer (one or many messages). */
  async send(buf: Buffer, async = buf.length >= this.asyncSendThreshold): Promise<void> {
    this.check();
    for (;;) {
      const r = async ? await sendtoAsync(this.fd, buf) : { n: libc.sendto(this.fd, buf, buf.length, 0, null, 0), errno: 0 };
      const e = r.n < 0 ? (async ? r.errno : errno()) : 0;
      if (r.n >= 0) return;
      if (e === EINTR) continue;
      throw new NetlinkError(`netlink send of ${buf.length} bytes: ${errnoText(e)}`);
    }
  }

  /** One non-blocking recv; undefined when nothing is queued. Throws on ENOBUFS with code 'ENOBUFS'. */
  recvNow(): Buffer | undefined {
    for (;;) {
      const n = libc.recv(this.fd, this.rbuf, this.rbuf.length, MSG_DONTWAIT);
      if (n >= 0) return this.rbuf.subarray(0, n);
      const e = errno();
      if (e === EINTR) continue;
      if (e === EAGAIN) return undefined;
      const err = new NetlinkError(`netlink recv: ${errnoText(e)}`);
      (err as NetlinkError & { code?: string }).code = e === ENOBUFS ? 'ENOBUFS' : 'EIO';
      throw err;
    }
  }

  /** Waits (on the thread pool) until the socket is readable, the timeout passes, or close() wakes it. */
  async waitReadable(timeoutMs: number): Promise<boolean> {
    this.check();
    if (this.wakeFd < 0) {
      this.wakeFd = libc.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
      if (this.wakeFd < 0) throw new NetlinkError(`eventfd: ${errnoText(errno())}`);
    }
    const fds = Buffer.alloc(16);
    fds.writeInt32LE(this.fd, 0); fds.writeInt16LE(POLLIN, 4);
    fds.writeInt32LE(this.wakeFd, 8); fds.writeInt16LE(POLLIN, 12);
    this.busy = true;
    try {
      const r = await pollAsync(fds, 2, timeoutMs);
      if (r.n < 0 && r.errno !== EINTR) throw new NetlinkError(`poll: ${errnoText(r.errno)}`);
      return !this.closed && (fds.readInt16LE(6) & POLLIN) !== 0;
    } finally {
      this.busy = false;
      if (this.closed) this.release();
    }
  }

  private async recvWait(what: string): Promise<Buffer> {
    const deadline = Date.now() + this.replyTimeoutMs;
    for (;;) {
      const b = this.recvNow();
      if (b) return b;
      const left = deadline - Date.now();
      if (left <= 0 || this.closed) throw new NetlinkError(`netlink: no reply for ${what} within ${this.replyTimeoutMs} ms`);
      await this.waitReadable(Math.min(left, 1000));
    }
  }

  /**
   * Sends a batch whose requests use sequence numbers firstSeq .. firstSeq+count-1
   * and collects one result per request, in order. acks 'each': every request
   * carries NLM_F_ACK and gets its own reply; 'last': only the final one does,
   * and its ack completes the batch — requests without an error reply succeeded.
   */
  async transact(batch: Buffer, firstSeq: number, count: number, acks: 'each' | 'last' = 'each'): Promise<AckResult[]> {
    const results: AckResult[] = new Array<AckResult>(count);
    let pending = acks === 'each' ? count : 1;
    const lastSeq = (firstSeq + count - 1) >>> 0;
    await this.send(batch);
    while (pending > 0) {
      let b: Buffer;
      try {
        b = await this.recvWait(`${pending} of ${count} requests`);
      } catch (e) {
        if ((e as { code?: string }).code !== 'ENOBUFS') throw e;
        // acks were dropped: the caller must re-read what the kernel holds
        for (let i = 0; i < count; i++) if (results[i] === undefined) results[i] = { errno: undefined, message: 'ack lost (receive buffer overflow)' };
        return results;
      }
      forEachMessage(b, (h, p) => {
        if (h.type !== NLMSG_ERROR) return;
        const i = (h.seq - firstSeq) >>> 0;
        if (i >= count || results[i] !== undefined) return; // a stale reply from an earlier exchange
        const err = decodeError(h, p);
        results[i] = err.message ? { errno: err.errno, message: err.message } : { errno: err.errno };
        if (acks === 'each' || h.seq === lastSeq) pending--;
      });
    }
    if (acks === 'last') for (let i = 0; i < count; i++) results[i] ??= { errno: 0 };
    return results;
  }

  /**
   * Sends a dump request and calls onMessage for each reply message until
   * NLMSG_DONE. Restarts (up to 5 times) when the kernel flags the dump as
   * interrupted by concurrent changes (NLM_F_DUMP_INTR); onRestart is called
   * first so the caller can drop what it collected.
   */
  async dump(request: (seq: number) => Buffer, onMessage: (h: Header, payload: Buffer) => void, onRestart: () => void = () => {}): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const seq = this.nextSeq();
      await this.send(request(seq), false);
      let done = false, interrupted = false;
      while (!done) {
        const b = await this.recvWait('dump');
        forEachMessage(b, (h, p) => {
          if (h.seq !== seq || done) return;
          if (h.flags & NLM_F_DUMP_INTR) interrupted = true;
          if (h.type === NLMSG_DONE) { done = true; return; }
          if (h.type === NLMSG_ERROR) {
            const err = decodeError(h, p);
            throw new NetlinkError(`netlink dump failed: ${errnoText(err.errno)}${err.message ? `: ${err.message}` : ''}`);
          }
          if (h.type === NLMSG_OVERRUN) throw new NetlinkError('netlink dump overrun');
          onMessage(h, p);
        });
      }
      if (!interrupted) return;
      if (attempt >= 5) throw new NetlinkError('netlink dump kept being interrupted by concurrent changes (NLM_F_DUMP_INTR)');
      onRestart();
    }
  }

  /** Closes the socket; wakes a pending waitReadable first. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.busy && this.wakeFd >= 0) { libc.write(this.wakeFd, Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]), 8); return; }
    this.release();
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    libc.close(this.fd);
    if (this.wakeFd >= 0) libc.close(this.wakeFd);
    this.wakeFd = -1;
  }

  get isClosed(): boolean { return this.closed; }
}
