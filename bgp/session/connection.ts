// One TCP connection carrying BGP (RFC 4271 §4): framing, decoding and
// backpressure in both directions (ARCHITECTURE.md rule 7).
//   In:  bytes are framed at once (so KEEPALIVE/NOTIFICATION act immediately
//        and the hold timer sees every message), but UPDATEs go to an input
//        queue that is processed in slices from setImmediate, so that timers
//        and other sessions keep running under a flood. When the queue holds
//        more than HIGH_WATER messages the socket is paused; it resumes below
//        LOW_WATER.
//   Out: write() results are honoured: when the kernel buffer is full the
//        owner is told `writable = false` and called back on 'drain'.

import type { Socket } from 'node:net';
import { decodeMessage, Framer, MAX_EXTENDED_MESSAGE_LENGTH, wireOptions, type DecodeResult, type WireError, type WireOptions } from '../wire/index.js';

const HIGH_WATER = 2048;
const LOW_WATER = 256;
const SLICE_MS = 8;

export interface ConnectionHandler {
  /** A decoded message or a fatal decode error; UPDATEs arrive in order, from the input queue. */
  onMessage(r: DecodeResult, raw: Buffer): void;
  /** Called for every message at receipt (before queueing), e.g. to restart the hold timer. */
  onReceipt(type: number): void;
  onFramingError(e: WireError): void;
  onClose(reason: string): void;
  onDrain(): void;
}

export class Connection {
  // Frames up to the extended maximum; each message is checked against what
  // the session negotiated when it is decoded, in order. (A framer limit set
  // at Established is too late for the rest of the chunk that carried the
  // KEEPALIVE: a peer may send an extended UPDATE right behind it.)
  private readonly framer = new Framer(MAX_EXTENDED_MESSAGE_LENGTH);
  private rx: WireOptions = wireOptions({ as4: false });
  private readonly queue: Buffer[] = [];
  private head = 0;
  private scheduled = false;
  private paused = false;
  private closed = false;
  private handler: ConnectionHandler | undefined;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  /** Messages and octets written, for counters. */
  sentMessages = 0;
  /** Since when (ms) the kernel buffer has been full with nothing drained (RFC 9687 send hold timer); undefined when writable. */
  blockedSince: number | undefined;

  constructor(readonly socket: Socket, readonly outgoing: boolean) {
    this.remoteAddress = normalise(socket.remoteAddress ?? '');
    this.remotePort = socket.remotePort ?? 0;
    this.localAddress = normalise(socket.localAddress ?? '');
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      this.blockedSince = undefined;
      this.handler?.onDrain();
    });
    socket.on('error', (err) => this.closeWith(`socket error: ${err.message}`));
    socket.on('close', () => this.closeWith('connection closed by peer'));
  }

  attach(handler: ConnectionHandler): void {
    this.handler = handler;
  }

  /** Switch to what the session negotiated (after OPENs are exchanged). */
  setOptions(rx: WireOptions): void {
    this.rx = rx;
  }

  get writable(): boolean {
    return !this.closed && !this.socket.writableNeedDrain;
  }

  get queued(): number {
    return this.queue.length - this.head;
  }

  /** Write one or more encoded messages; returns false when the caller should wait for onDrain. */
  write(bufs: Buffer | readonly Buffer[]): boolean {
    if (this.closed) return false;
    if (Buffer.isBuffer(bufs)) {
      this.sentMessages++;
      return this.blocked(this.socket.write(bufs));
    }
    if (bufs.length === 0) return this.writable;
    this.sentMessages += bufs.length;
    this.socket.cork();
    let ok = true;
    for (const b of bufs) ok = this.socket.write(b);
    this.socket.uncork();
    return this.blocked(ok);
  }

  private blocked(ok: boolean): boolean {
    if (!ok && this.blockedSince === undefined) this.blockedSince = Date.now();
    return ok;
  }

  /** Close after flushing what was written (e.g. a NOTIFICATION). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.head = 0;
    this.socket.end();
    const s = this.socket;
    setTimeout(() => s.destroy(), 1000).unref();
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private closeWith(reason: string): void {
    if (this.closed) {
      this.socket.destroy();
      return;
    }
    this.closed = true;
    this.socket.destroy();
    this.handler?.onClose(reason);
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    const { messages, error } = this.framer.push(chunk);
    for (const m of messages) {
      const type = m[18]!;
      this.handler?.onReceipt(type);
      if (type === 2 || this.queued > 0) this.queue.push(m);
      else this.deliver(m);
      if (this.closed) return;
    }
    if (error) {
      this.handler?.onFramingError(error);
      return;
    }
    if (this.queued > 0) this.schedule();
    if (!this.paused && this.queued > HIGH_WATER) {
      this.paused = true;
      this.socket.pause();
    }
  }

  private deliver(m: Buffer): void {
    this.handler?.onMessage(decodeMessage(m, this.rx), m);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.processSlice());
  }

  private processSlice(): void {
    this.scheduled = false;
    const until = Date.now() + SLICE_MS;
    while (this.head < this.queue.length && !this.closed) {
      const m = this.queue[this.head]!;
      this.queue[this.head++] = EMPTY;
      this.deliver(m);
      if ((this.head & 63) === 0 && Date.now() >= until) break;
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head > 4096) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    if (this.paused && this.queued < LOW_WATER && !this.closed) {
      this.paused = false;
      this.socket.resume();
    }
    if (this.queued > 0 && !this.closed) this.schedule();
  }
}

const EMPTY = Buffer.alloc(0);

/** "::ffff:198.18.0.1" → "198.18.0.1" */
export function normalise(addr: string): string {
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
}
