// One configured peer: its FSM (bgp/fsm, a pure step function driven here on
// the real clock) and its TCP connection. FSM actions become socket work:
// dial (with per-peer local address and port), send OPEN/KEEPALIVE/
// NOTIFICATION, drop the connection. Messages become FSM events; KEEPALIVE
// and UPDATE restart the hold timer at receipt, before queueing.
// An incoming connection while we idle out an error back-off restarts the
// FSM at once (RFC 4271 §8.1.1's automatic start with passive TCP
// establishment). Connection collisions (RFC 4271 §6.8): an incoming connection while our
// own is dialling or in OpenSent/OpenConfirm is held (we send nothing on it)
// until its OPEN arrives; the connection
// opened by the speaker with the higher BGP Identifier survives, the other gets
// Cease/Connection Collision Resolution. Against an Established session the
// new connection is refused the same way.

import { connect as tcpConnect } from 'node:net';
import {
  CeaseSubcode, ErrorCode, encodeKeepalive, encodeNotification, encodeOpen, parseIpv4,
  type DecodeResult, type Message, type OpenMessage, type RouteRefreshMessage, type UpdateMessage, type WireError,
} from '../wire/index.js';
import { FsmDriver, type FsmAction, type FsmState, type NegotiatedSession, type PeerFsmConfig, type SessionEndNotification } from '../fsm/index.js';
import { Connection, type ConnectionHandler } from './connection.js';
import { systemClock } from './clock.js';
import { dialWithOptions, needsTcpOptions } from './sockopt/index.js';

export interface PeerEndpoint {
  readonly address: string;
  readonly port: number;
  readonly localAddress?: string;
  /** RFC 2385 TCP-MD5 key (at most 80 bytes). */
  readonly password?: string;
  /** RFC 5082 GTSM: the peer is at most this many hops away; we send with TTL 255. */
  readonly ttlSecurity?: number;
  /** TTL of our packets to the peer when GTSM is off. */
  readonly multihop?: number;
}

export interface SessionEvents {
  onStateChange(s: PeerSession, from: FsmState, to: FsmState, reason: string): void;
  onEstablished(s: PeerSession, n: NegotiatedSession): void;
  /** Left Established; `notification` is the NOTIFICATION that ended it (sent or received), absent for TCP failures. */
  onDown(s: PeerSession, reason: string, notification?: SessionEndNotification): void;
  onUpdate(s: PeerSession, u: UpdateMessage, errors: readonly WireError[]): void;
  onRouteRefresh(s: PeerSession, m: RouteRefreshMessage): void;
  onWritable(s: PeerSession): void;
  onNotificationSent?(s: PeerSession, n: { code: number; subcode: number; data: Buffer }): void;
  onNotificationReceived?(s: PeerSession, n: { code: number; subcode: number; data: Buffer }): void;
}

const KEEPALIVE = encodeKeepalive();

export class PeerSession {
  private readonly driver: FsmDriver;
  private conn: Connection | undefined;
  private dialing: ReturnType<typeof tcpConnect> | undefined;
  private pending: { conn: Connection; messages: [DecodeResult, Buffer][] } | undefined;
  private stopped = true;
  since = Date.now();
  /** Counters of messages, for status output. */
  readonly counters = { updatesIn: 0, updatesOut: 0, notificationsIn: 0, notificationsOut: 0 };
  /** RFC 9687 send hold time in seconds (0 = off): the peer must read what we send within it. */
  sendHoldTime = 0;
  private sendHoldCheck: ReturnType<typeof setInterval> | undefined;

  constructor(readonly name: string, public endpoint: PeerEndpoint, private cfg: PeerFsmConfig, private readonly events: SessionEvents) {
    this.driver = new FsmDriver(cfg, systemClock, (a) => this.act(a), (t) => {
      this.since = Date.now();
      this.events.onStateChange(this, t.from, t.to, t.reason);
    });
  }

  get state(): FsmState { return this.driver.state; }
  get snapshot() { return this.driver.snapshot; }
  get negotiated(): NegotiatedSession | undefined { return this.driver.snapshot.negotiated; }
  get localAddress(): string | undefined { return this.conn?.localAddress; }
  get writable(): boolean { return this.state === 'Established' && !!this.conn?.writable; }
  get config(): PeerFsmConfig { return this.cfg; }
  /** Bytes written but not yet taken by the kernel (slow readers). */
  get backlog(): number { return this.conn?.socket.writableLength ?? 0; }

  start(): void {
    this.stopped = false;
    this.driver.dispatch({ type: 'ManualStart' });
  }

  /** Manual stop with a NOTIFICATION (default Cease/Administrative Shutdown), or `silent`: no NOTIFICATION (our graceful restart). */
  stop(notification?: { code: number; subcode: number; data: Buffer }, opts: { silent?: boolean } = {}): void {
    this.stopped = true;
    this.driver.dispatch({ type: 'ManualStop', ...(notification ? { notification } : {}), ...(opts.silent ? { silent: true } : {}) });
    this.dropPending();
  }

  updateConfig(cfg: PeerFsmConfig, endpoint: PeerEndpoint): void {
    this.cfg = cfg;
    this.endpoint = endpoint;
    this.driver.updateConfig(cfg);
  }

  /** Send encoded UPDATEs; false means wait for onWritable. */
  send(bufs: readonly Buffer[]): boolean {
    if (!this.conn || this.state !== 'Established') return false;
    this.counters.updatesOut += bufs.length;
    return this.conn.write(bufs);
  }

  /** Send a ROUTE-REFRESH or other encoded message on the Established session. */
  sendRaw(buf: Buffer): void {
    if (this.conn && this.state === 'Established') this.conn.write(buf);
  }

  /** An incoming TCP connection from this peer's address. */
  accept(conn: Connection): void {
    if (this.stopped) {
      this.refuse(conn, CeaseSubcode.CONNECTION_REJECTED);
      return;
    }
    // Idle while waiting out the back-off after an error: the peer is back,
    // take its connection now. Refusing it lets two speakers that back off
    // in step refuse each other forever (each one dials while the other idles).
    if (this.state === 'Idle') this.driver.dispatch({ type: 'ManualStart' });
    const st = this.state;
    if (st === 'Idle') {
      this.refuse(conn, CeaseSubcode.CONNECTION_REJECTED);
      return;
    }
    if ((st === 'Connect' || st === 'Active') && !this.dialing && !this.conn) {
      this.adopt(conn);
      this.driver.dispatch({ type: 'TcpConnected' });
      return;
    }
    if (st === 'Established' || this.pending) {
      this.refuse(conn, CeaseSubcode.CONNECTION_COLLISION_RESOLUTION);
      return;
    }
    // Our own dial is in flight (Connect) or up (OpenSent / OpenConfirm): hold
    // the new connection until its OPEN tells us who wins. Taking it at once
    // and dropping our dial livelocks when both sides dial simultaneously:
    // each drops the connection the other one kept.
    const held: { conn: Connection; messages: [DecodeResult, Buffer][] } = { conn, messages: [] };
    this.pending = held;
    conn.attach({
      onReceipt: () => undefined,
      onMessage: (r, raw) => {
        held.messages.push([r, raw]);
        if (r.ok && r.message?.kind === 'open') this.resolveCollision(held, r.message);
      },
      onFramingError: () => this.dropPending(),
      onClose: () => { if (this.pending === held) this.pending = undefined; },
      onDrain: () => undefined,
    });
  }

  private resolveCollision(held: { conn: Connection; messages: [DecodeResult, Buffer][] }, open: OpenMessage): void {
    if (this.pending !== held) return;
    const local = parseIpv4(this.cfg.routerId) ?? 0;
    const remote = parseIpv4(open.routerId) ?? 0;
    // §6.8: keep the connection initiated by the speaker with the higher identifier
    const existingOutgoing = this.conn?.outgoing ?? true;
    const keepIncoming = existingOutgoing ? remote > local : local > remote;
    if (!keepIncoming) {
      this.pending = undefined;
      this.refuse(held.conn, CeaseSubcode.CONNECTION_COLLISION_RESOLUTION);
      return;
    }
    if (!this.conn) {
      // our dial has not connected yet: abandon it and continue on the held connection
      this.cancelDial();
      this.takePending();
      return;
    }
    this.driver.dispatch({ type: 'CollisionDump' });
    // restart on the surviving connection: an active peer's FSM dials and
    // act('connect') takes the held one; a passive peer waits in Active, so
    // the held connection is taken here
    this.driver.dispatch({ type: 'ManualStart' });
    if (this.pending === held) this.takePending();
  }

  /** Close a connection we do not use, telling the peer why (Cease). */
  private refuse(conn: Connection, subcode: number): void {
    const n = { code: ErrorCode.CEASE, subcode, data: Buffer.alloc(0) };
    this.counters.notificationsOut++;
    this.events.onNotificationSent?.(this, n);
    conn.write(encodeNotification(n));
    conn.close();
  }

  private takePending(): void {
    const held = this.pending!;
    this.pending = undefined;
    this.adopt(held.conn);
    this.driver.dispatch({ type: 'TcpConnected' });
    for (const [r] of held.messages) if (this.conn === held.conn) this.onMessage(r);
  }

  private dropPending(): void {
    if (!this.pending) return;
    this.pending.conn.destroy();
    this.pending = undefined;
  }

  private cancelDial(): void {
    if (!this.dialing) return;
    this.dialing.removeAllListeners();
    this.dialing.on('error', () => undefined);
    this.dialing.destroy();
    this.dialing = undefined;
  }

  private adopt(conn: Connection): void {
    this.conn?.destroy();
    this.conn = conn;
    const handler: ConnectionHandler = {
      onReceipt: (type) => {
        if (this.conn !== conn) return;
        if (type === 4) this.driver.dispatch({ type: 'KeepaliveReceived' });
        else if (type === 2) {
          this.counters.updatesIn++;
          this.driver.dispatch({ type: 'UpdateReceived' });
        }
      },
      onMessage: (r) => { if (this.conn === conn) this.onMessage(r); },
      onFramingError: (e) => { if (this.conn === conn) this.driver.dispatch({ type: 'MessageError', error: e }); },
      onClose: (reason) => {
        if (this.conn !== conn) return;
        this.conn = undefined;
        this.driver.dispatch({ type: 'TcpFailed', reason });
      },
      onDrain: () => { if (this.conn === conn) this.events.onWritable(this); },
    };
    conn.attach(handler);
  }

  private onMessage(r: DecodeResult): void {
    if (!r.ok) {
      this.driver.dispatch({ type: 'MessageError', error: r.error });
      return;
    }
    const m: Message | undefined = r.message;
    if (!m) return;
    switch (m.kind) {
      case 'open':
        this.driver.dispatch({ type: 'OpenReceived', open: m });
        break;
      case 'notification':
        this.counters.notificationsIn++;
        this.events.onNotificationReceived?.(this, m);
        this.driver.dispatch({ type: 'NotificationReceived', notification: m });
        break;
      case 'update':
        if (this.state === 'Established') this.events.onUpdate(this, m, r.errors);
        break;
      case 'route-refresh':
        this.driver.dispatch({ type: 'RouteRefreshReceived' });
        if (this.state === 'Established') this.events.onRouteRefresh(this, m);
        break;
      case 'keepalive':
        break;
    }
  }

  private act(a: FsmAction): void {
    switch (a.type) {
      case 'connect': return this.dial();
      case 'disconnect': {
        this.cancelDial();
        const c = this.conn;
        this.conn = undefined;
        c?.close();
        return;
      }
      case 'send-open': this.conn?.write(encodeOpen(this.cfg.localOpen)); return;
      case 'send-keepalive': this.conn?.write(KEEPALIVE); return;
      case 'send-notification':
        this.counters.notificationsOut++;
        this.events.onNotificationSent?.(this, a.notification);
        this.conn?.write(encodeNotification(a.notification));
        return;
      case 'established':
        this.conn?.setOptions(a.session.wire.rx);
        this.startSendHold();
        this.events.onEstablished(this, a.session);
        return;
      case 'session-down':
        this.stopSendHold();
        this.events.onDown(this, a.reason, a.notification);
        return;
      case 'start-timer':
      case 'stop-timer':
        return; // handled by the driver
    }
  }

  /**
   * RFC 9687: while Established, a connection whose kernel buffer stayed full
   * (nothing drained) for sendHoldTime is closed: a peer that stops reading
   * must not wedge us. No NOTIFICATION can get through; the session ends as a
   * TCP failure with the reason recorded.
   */
  private startSendHold(): void {
    this.stopSendHold();
    if (this.sendHoldTime <= 0) return;
    const limitMs = this.sendHoldTime * 1000;
    this.sendHoldCheck = setInterval(() => {
      const c = this.conn;
      if (!c || c.blockedSince === undefined || Date.now() - c.blockedSince < limitMs) return;
      this.conn = undefined;
      c.destroy();
      this.driver.dispatch({ type: 'TcpFailed', reason: `send hold timer expired: the peer read nothing for ${this.sendHoldTime} s (RFC 9687)` });
    }, Math.min(1000, limitMs / 4));
    this.sendHoldCheck.unref();
  }

  private stopSendHold(): void {
    if (this.sendHoldCheck) clearInterval(this.sendHoldCheck);
    this.sendHoldCheck = undefined;
  }

  private dial(): void {
    if (this.pending) return this.takePending(); // collision resolved in favour of the held connection
    if (this.cfg.passive || this.dialing) return;
    const { address, port, localAddress } = this.endpoint;
    let sock: ReturnType<typeof tcpConnect>;
    try {
      // TCP-MD5 / GTSM / multihop must be set between socket() and connect(): our own fd
      sock = needsTcpOptions(this.endpoint) ? dialWithOptions(this.endpoint, this.endpoint) : tcpConnect({ host: address, port, ...(localAddress ? { localAddress } : {}) });
    } catch (err) {
      this.driver.dispatch({ type: 'TcpFailed', reason: `connect to ${address}:${port} failed: ${err instanceof Error ? err.message : String(err)}` });
      return;
    }
    this.dialing = sock;
    sock.once('connect', () => {
      if (this.dialing !== sock) return;
      this.dialing = undefined;
      sock.removeAllListeners('error');
      this.adopt(new Connection(sock, true));
      this.driver.dispatch({ type: 'TcpConnected' });
    });
    sock.once('error', (err) => {
      if (this.dialing !== sock) return;
      this.dialing = undefined;
      sock.destroy();
      if (this.pending) return this.takePending();
      this.driver.dispatch({ type: 'TcpFailed', reason: `connect to ${address}:${port} failed: ${err.message}` });
    });
  }
}
