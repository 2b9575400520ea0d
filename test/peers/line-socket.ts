// A persistent unix-socket client that sends one request at a time and reads
// until a reply is complete (the caller says when). Used for BIRD's control
// socket, FRR's vty socket and our bgpd's status socket: no fork per query.
// A broken connection is dropped and re-opened on the next request.
import { createConnection, type Socket } from 'node:net';

export class SocketClient {
  private sock: Socket | undefined;
  private buf: Buffer = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  private failure: Error | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  /** complete(buf) returns the reply length (bytes to consume) when buf holds a full reply, else -1 */
  constructor(readonly path: string, private readonly complete: (buf: Buffer) => number,
    private readonly greeting = false, private readonly timeoutMs = 60_000) {}

  private async connect(): Promise<void> {
    const sock = createConnection(this.path);
    await new Promise<void>((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
    this.buf = Buffer.alloc(0);
    this.failure = undefined;
    sock.on('data', (d: Buffer) => { this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d; this.waiter?.(); });
    const fail = (e: Error) => { this.failure = e; if (this.sock === sock) this.sock = undefined; this.waiter?.(); };
    sock.on('error', fail);
    sock.on('close', () => fail(new Error(`${this.path}: connection closed`)));
    this.sock = sock;
    if (this.greeting) await this.read();
  }

  private async read(): Promise<string> {
    const end = Date.now() + this.timeoutMs;
    for (;;) {
      const n = this.complete(this.buf);
      if (n >= 0) {
        const reply = this.buf.subarray(0, n).toString('utf8');
        this.buf = this.buf.subarray(n);
        return reply;
      }
      if (this.failure) throw this.failure;
      if (Date.now() > end) { this.close(); throw new Error(`${this.path}: no complete reply within ${this.timeoutMs} ms`); }
      await new Promise<void>((r) => { this.waiter = r; setTimeout(r, 1000); });
      this.waiter = undefined;
    }
  }

  /** Sends raw bytes (the request including its terminator) and returns the reply text. Requests are serialised. */
  request(raw: string): Promise<string> {
    const next = this.queue.then(async () => {
      if (!this.sock) await this.connect();
      this.sock?.write(raw);
      return this.read();
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.sock?.destroy();
    this.sock = undefined;
  }
}
