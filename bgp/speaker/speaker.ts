// The BGP speaker: owns the Loc-RIB, the attribute interner, the listener and
// one Peer per configured neighbour, and joins the layers below it:
// session events → inbound (Adj-RIB-In, import policy, Loc-RIB) → deltas →
// outbound (export rules and policy, Adj-RIB-Out, packing) → sessions.
// This is the native TypeScript API; the daemon and the gRPC adapter wrap it.

import pino, { type Logger } from 'pino';
import { ACCEPT_ALL, REJECT_ALL, compilePolicies, type Policy } from '../policy/index.js';
import { AttrInterner, LocRib, familyOf, type Path, type PathSource, type RibDelta } from '../rib/index.js';
import { Listener, PeerSession, normalise, type Connection, type SessionEvents } from '../session/index.js';
import {
  describeNotification, encodeRouteRefresh, familyByName, findFamily, hardResetNotification, isIpv6Text, shutdownNotification,
  tryParsePrefix, type FamilyName, type NotificationMessage, type PathAttributes, type Prefix,
} from '../wire/index.js';
import { exportPaths, sendsAddPath } from './add-path.js';
import { EBGP_MRAI, SELECTION_DEFERRAL_DEFAULT, SEND_HOLD_DEFAULT, type OriginateConfig, type PeerConfig, type SpeakerConfig } from './config.js';
import { grView, keepsRoutes } from './graceful-restart.js';
import { processUpdate } from './inbound.js';
import { localOpen } from './local-open.js';
import { originatedPath, localSource } from './originate.js';
import { exportRoute, flushPeer, type ExportTarget, type OutboundContext } from './outbound.js';
import { GracefulRestartHelper } from './gr-helper.js';
import { checkMaxPrefix } from './max-prefix.js';
import { MEMBER_BACKLOG_LIMIT, UpdateGroups, groupKey } from './update-group.js';
import { Peer } from './peer.js';
import { peerStatusOf, type PeerStatus } from './status.js';
import { Watchers, type WatchEvent, type WatchListener } from './watch.js';


export class Speaker {
  readonly log: Logger;
  readonly locRib: LocRib;
  readonly interner = new AttrInterner();
  private readonly peers = new Map<string, Peer>();
  private readonly byAddress = new Map<string, Peer>();
  private policies = new Map<string, Policy>();
  private readonly originated = new Map<string, Path>();
  private readonly watchers = new Watchers();
  private readonly listener: Listener;
  private nextSourceId = 1;
  private readonly bySource = new Map<number, Peer>();
  private out: OutboundContext;
  private running = false;
  /** Restarting role: our UPDATEs wait for the peers' End-of-RIB (RFC 4724 §4.1). */
  private deferring: boolean;
  private deferralTimer: ReturnType<typeof setTimeout> | undefined;
  /** Some established peer gets ADD-PATH from us: inbound reports every changed prefix. */
  private addPathSenders = 0;
  /** Update groups (update-group.ts). */
  private readonly groups: UpdateGroups;
  /** Graceful restart, helper role (gr-helper.ts). */
  private readonly gr: GracefulRestartHelper;

  /** `memberBacklogLimit`: bytes an update-group member may leave unread before it is reset (default MEMBER_BACKLOG_LIMIT). */
  constructor(private cfg: SpeakerConfig, opts: { logger?: Logger; memberBacklogLimit?: number } = {}) {
    this.log = opts.logger ?? pino({ level: 'silent' });
    this.locRib = new LocRib({ multipath: cfg.multipath, alwaysCompareMed: cfg.alwaysCompareMed });
    this.groups = new UpdateGroups({
      locRib: this.locRib, out: () => this.out, log: this.log, backlogLimit: opts.memberBacklogLimit ?? MEMBER_BACKLOG_LIMIT,
      resetMember: (m) => {
        m.session.stop(this.hardIfN(m, { kind: 'notification', code: 6, subcode: 8, data: Buffer.alloc(0) }));
        if (this.running && !this.adminDown.has(m.cfg.name)) m.session.start();
      },
    });
    this.gr = new GracefulRestartHelper({
      locRib: this.locRib, interner: this.interner, log: this.log,
      distribute: (d) => this.distribute(d), isCurrent: (p) => this.peers.get(p.cfg.name) === p,
    });
    this.listener = new Listener((c) => this.onIncoming(c), (a, err) => this.log.error({ address: a.address, port: a.port, err: err.message }, 'listener error'));
    this.out = this.outboundContext(cfg);
    this.compilePolicies(cfg.policies);
    this.deferring = cfg.restarting === true;
  }

  private outboundContext(cfg: SpeakerConfig): OutboundContext {
    return {
      localAs: cfg.asn,
      routerId: cfg.routerId,
      clusterId: cfg.clusterId ?? cfg.routerId,
      clientToClient: cfg.clientToClientReflection ?? true,
      isClient: (source) => this.bySource.get(source.id)?.cfg.routeReflectorClient === true,
      interner: this.interner,
      selfAddress: (peer, family) => this.selfAddress(peer, family),
    };
  }

  get config(): SpeakerConfig { return this.cfg; }

  /** Listen, start every peer, originate the configured prefixes. */
  async start(): Promise<void> {
    this.running = true;
    if (this.deferring) {
      const secs = this.cfg.selectionDeferralTime ?? SELECTION_DEFERRAL_DEFAULT;
      this.log.info({ seconds: secs }, 'graceful restart: holding our UPDATEs until every peer sent End-of-RIB');
      this.deferralTimer = setTimeout(() => this.endDeferral(`selection deferral timer (${secs} s) expired`), secs * 1000);
      this.deferralTimer.unref();
    }
    if (this.cfg.listen.length) await this.listener.listen(this.cfg.listen);
    for (const p of this.cfg.peers) this.addPeer(p);
    for (const o of this.cfg.originate) this.originate(o);
  }

  /** Bound listening ports (port 0 in the config picks a free one). */
  listeningPorts(): number[] {
    return this.listener.ports();
  }

  /**
   * Stop every session and the listener. `graceful`: close the connections
   * without a NOTIFICATION, so that peers with graceful restart keep our
   * routes while we restart (RFC 4724 §4.1); otherwise Cease/Administrative
   * Shutdown with the message (a Hard Reset where the N bit was agreed).
   */
  async stop(message = 'speaker shutting down', opts: { graceful?: boolean } = {}): Promise<void> {
    this.running = false;
    if (this.deferralTimer) clearTimeout(this.deferralTimer);
    if (opts.graceful && this.deferring) {
      // Stopped again while still waiting for the peers' End-of-RIB: helpers
      // (BIRD, FRR) end their stale phase at a second restart and flush what
      // this session did not send again, so send what we hold now (without
      // End-of-RIB: the table may be partial) before closing.
      this.deferring = false;
      for (const p of this.peers.values()) {
        if (!p.established) continue;
        p.initialDumpDone = true;
        this.requeue(p);
        p.eorPending.clear();
        flushPeer(p);
      }
    }
    for (const p of this.peers.values()) {
      this.clearPeerTimers(p);
      if (opts.graceful) p.session.stop(undefined, { silent: true });
      else p.session.stop(this.adminNotification(p, 2, message));
    }
    await this.listener.close();
  }

  /** Cease 2/4 with a shutdown communication; wrapped in Hard Reset when both sent the N bit (RFC 8538 §5: the peer must not keep our routes). */
  private adminNotification(peer: Peer, subcode: 2 | 4, message: string): NotificationMessage {
    const n = shutdownNotification(subcode, message);
    return this.hardIfN(peer, n);
  }

  private hardIfN(peer: Peer, n: NotificationMessage): NotificationMessage {
    return peer.established && peer.gr?.notification ? hardResetNotification(n) : n;
  }

  private clearPeerTimers(peer: Peer): void {
    if (peer.grTimer) clearTimeout(peer.grTimer);
    if (peer.maxPrefixTimer) clearTimeout(peer.maxPrefixTimer);
    peer.grTimer = undefined;
    peer.maxPrefixTimer = undefined;
  }

  // ---- peers ---------------------------------------------------------------

  addPeer(pc: PeerConfig): void {
    if (this.peers.has(pc.name)) throw new Error(`peer ${pc.name} already exists`);
    const ibgp = pc.asn === this.cfg.asn;
    const source: PathSource = { id: this.nextSourceId++, address: pc.address, peerAs: pc.asn, routerId: '0.0.0.0', ibgp, local: false };
    const tcp = { password: pc.password, ttlSecurity: pc.ttlSecurity, multihop: pc.multihop };
    try {
      this.listener.setPeerOptions(pc.address, tcp);
    } catch (err) {
      // this peer's incoming connections go without (the kernel then drops signed SYNs); its dials report the same error
      this.log.error({ peer: pc.name, address: pc.address, err: (err as Error).message }, 'cannot set TCP options on the listening sockets');
    }
    const session = new PeerSession(pc.name, { address: pc.address, port: pc.port, localAddress: pc.localAddress, ...tcp }, this.fsmConfig(pc), this.sessionEvents);
    session.sendHoldTime = pc.sendHoldTime ?? Math.max(SEND_HOLD_DEFAULT, pc.holdTime);
    const peer = new Peer(pc, source, session, this.policyFor(pc, 'import'), this.policyFor(pc, 'export'));
    this.peers.set(pc.name, peer);
    this.byAddress.set(normalise(pc.address), peer);
    this.bySource.set(source.id, peer);
    if (this.running) session.start();
  }

  removePeer(name: string): void {
    const peer = this.mustPeer(name);
    this.clearPeerTimers(peer);
    peer.session.stop(this.hardIfN(peer, { kind: 'notification', code: 6, subcode: 3, data: Buffer.alloc(0) }));
    // routes kept as stale from an earlier session go with the peer
    if (peer.stale.size) this.gr.flushAll(peer);
    this.peers.delete(name);
    this.byAddress.delete(normalise(peer.cfg.address));
    this.listener.removePeer(peer.cfg.address);
    this.bySource.delete(peer.source.id);
    this.adminDown.delete(name);
  }

  /** Apply a changed peer config: session parameters reset the session, policies do not. */
  updatePeer(pc: PeerConfig): void {
    const peer = this.mustPeer(pc.name);
    const old = peer.cfg;
    const sessionKeys: (keyof PeerConfig)[] = ['address', 'asn', 'port', 'localAddress', 'passive', 'holdTime', 'keepaliveTime', 'connectRetryTime', 'delayOpenTime', 'families', 'requiredFamilies', 'password', 'ttlSecurity', 'multihop', 'gracefulRestart', 'addPath'];
    const reset = sessionKeys.some((k) => JSON.stringify(old[k]) !== JSON.stringify(pc[k]));
    if (reset) {
      this.removePeer(pc.name);
      this.addPeer(pc);
      return;
    }
    peer.cfg = pc;
    peer.session.sendHoldTime = pc.sendHoldTime ?? Math.max(SEND_HOLD_DEFAULT, pc.holdTime);
    peer.session.updateConfig(this.fsmConfig(pc), { address: pc.address, port: pc.port, localAddress: pc.localAddress, password: pc.password, ttlSecurity: pc.ttlSecurity, multihop: pc.multihop });
    this.refreshPolicies(peer, old);
    if (peer.group && groupKey(peer) !== peer.group.key) this.requeue(peer);
    // the client flag changes what this peer gets and where its routes go
    if ((old.routeReflectorClient ?? false) !== (pc.routeReflectorClient ?? false)) this.reexportAll();
  }

  /** Replace the whole configuration (SIGHUP): unchanged peers keep their sessions. */
  reconfigure(next: SpeakerConfig): void {
    if (next.asn !== this.cfg.asn || next.routerId !== this.cfg.routerId) throw new Error('changing the AS or router ID needs a restart');
    const prev = this.cfg;
    this.cfg = next;
    this.out = this.outboundContext(next);
    this.compilePolicies(next.policies);
    if (next.multipath !== prev.multipath || next.alwaysCompareMed !== prev.alwaysCompareMed) {
      this.distribute(this.locRib.setOptions({ multipath: next.multipath, alwaysCompareMed: next.alwaysCompareMed }));
    }
    const wanted = new Map(next.peers.map((p) => [p.name, p]));
    for (const name of [...this.peers.keys()]) if (!wanted.has(name)) this.removePeer(name);
    for (const pc of next.peers) {
      const peer = this.peers.get(pc.name);
      if (!peer) this.addPeer(pc);
      else if (JSON.stringify(peer.cfg) !== JSON.stringify(pc)) this.updatePeer(pc);
      else this.refreshPolicies(peer, peer.cfg);
    }
    if ((next.clusterId ?? next.routerId) !== (prev.clusterId ?? prev.routerId) || (next.clientToClientReflection ?? true) !== (prev.clientToClientReflection ?? true)) this.reexportAll();
    const want = new Set(next.originate.map((o) => tryParsePrefix(o.prefix)?.toString()));
    for (const key of [...this.originated.keys()]) if (!want.has(key)) this.withdraw(key);
    for (const o of next.originate) this.originate(o);
  }

  private refreshPolicies(peer: Peer, old: PeerConfig): void {
    const imp = this.policyFor(peer.cfg, 'import');
    const exp = this.policyFor(peer.cfg, 'export');
    const importChanged = imp !== peer.importPolicy || old.import !== peer.cfg.import;
    const exportChanged = exp !== peer.exportPolicy || old.export !== peer.cfg.export || old.nextHop !== peer.cfg.nextHop;
    peer.importPolicy = imp;
    peer.exportPolicy = exp;
    if (exportChanged && peer.established) {
      peer.exportMemo = new WeakMap();
      this.requeue(peer);
    }
    if (importChanged && peer.established && peer.session.negotiated?.routeRefresh) {
      // soft reconfiguration inbound: ask the peer to send its routes again (RFC 2918)
      for (const f of peer.families) {
        const row = familyByName(f)!;
        peer.session.sendRaw(encodeRouteRefresh({ afi: row.afi, safi: row.safi, subtype: 0 }));
      }
    }
  }

  /** Recompute every established peer's Adj-RIB-Out (route-reflection settings changed). */
  private reexportAll(): void {
    this.groups.reexport();
    for (const peer of this.peers.values()) {
      if (!peer.established || !peer.initialDumpDone || peer.group) continue;
      peer.reflectMemo = new WeakMap();
      this.requeue(peer);
    }
  }

  /**
   * Queue for `peer` what it should now hold of every Loc-RIB route (of one
   * AFI if given): the export, or a withdrawal. The Adj-RIB-Out drops what
   * would change nothing, so this is also the initial table and a refresh.
   */
  private requeue(peer: Peer, afi?: number): void {
    if (peer.group) this.groups.leave(peer, true);
    const multi = this.addPathFamilies(peer);
    for (const e of this.locRib.entries()) {
      if (afi !== undefined && e.prefix.afi !== afi) continue;
      const family = familyOf(e.prefix);
      if (multi?.has(family)) {
        exportPaths(peer, e.prefix, family, this.locRib, this.out, this.cfg.alwaysCompareMed);
        continue;
      }
      const r = exportRoute(peer, e.best, this.out);
      if (r) peer.adjOut.announce(r);
      else peer.adjOut.withdraw(e.prefix, family);
    }
    this.schedule(peer);
  }

  /** Families this peer gets several paths per prefix for (ADD-PATH send), or undefined. */
  private addPathFamilies(peer: Peer): Set<FamilyName> | undefined {
    if ((peer.cfg.addPath?.send ?? 0) <= 0) return undefined;
    const s = new Set(peer.families.filter((f) => sendsAddPath(peer, f)));
    return s.size ? s : undefined;
  }

  // ---- operator controls (the gRPC API's enable/disable/reset) --------------

  private readonly adminDown = new Set<string>();

  /** A peer's configuration, by name; undefined when there is none. */
  peerConfig(name: string): PeerConfig | undefined {
    return this.peers.get(name)?.cfg;
  }

  /** Disabled by disablePeer (and not yet enabled again). */
  isAdminDown(name: string): boolean {
    return this.adminDown.has(name);
  }

  /** Administrative shutdown (Cease 6/2 with the message) until enablePeer. */
  disablePeer(name: string, message = 'administratively disabled'): void {
    const peer = this.mustPeer(name);
    this.adminDown.add(name);
    this.clearPeerTimers(peer);
    peer.session.stop(this.adminNotification(peer, 2, message));
    if (peer.stale.size) this.gr.flushAll(peer);
  }

  enablePeer(name: string): void {
    const peer = this.mustPeer(name);
    this.adminDown.delete(name);
    if (this.running) peer.session.start();
  }

  /** Administrative reset (Cease 6/4), then connect again unless disabled. */
  resetPeer(name: string, message = 'administrative reset'): void {
    const peer = this.mustPeer(name);
    this.clearPeerTimers(peer);
    peer.session.stop(this.adminNotification(peer, 4, message));
    if (peer.stale.size) this.gr.flushAll(peer);
    if (this.running && !this.adminDown.has(name)) peer.session.start();
  }

  /** Update groups: peers sharing one computed and encoded UPDATE stream. */
  updateGroups(): { members: string[]; advertised: number; pending: number }[] {
    return this.groups.list();
  }

  /** Prefixes this speaker originates (config and originate()). */
  originatedCount(): number {
    return this.originated.size;
  }

  private mustPeer(name: string): Peer {
    const peer = this.peers.get(name);
    if (!peer) throw new Error(`no peer named ${name}`);
    return peer;
  }

  peerStatus(): PeerStatus[] {
    return [...this.peers.values()].map((p) => peerStatusOf(p));
  }


  // ---- routes --------------------------------------------------------------

  /** Originate a prefix (our own route); replaces an earlier one for the same prefix. */
  originate(o: OriginateConfig): void {
    const path = originatedPath(o, localSource(this.cfg.routerId, this.cfg.asn), this.interner);
    const key = path.prefix.toString();
    const prev = this.originated.get(key);
    if (prev) this.interner.release(prev.attrs);
    this.originated.set(key, path);
    const d = this.locRib.update(path);
    if (d) this.distribute([d]);
  }

  /** Withdraw a prefix this speaker originated. */
  withdraw(prefixText: string): boolean {
    const prefix = tryParsePrefix(prefixText);
    const key = prefix?.toString();
    const prev = key ? this.originated.get(key) : undefined;
    if (!prefix || !prev) return false;
    this.originated.delete(key!);
    this.interner.release(prev.attrs);
    const d = this.locRib.withdraw(0, prefix);
    if (d) this.distribute([d]);
    return true;
  }

  adjRibIn(peerName: string): Iterable<Path> {
    const p = this.mustPeer(peerName);
    return p.adjIn.values();
  }

  /** What was sent to a peer (its Adj-RIB-Out). */
  adjRibOut(peerName: string): { prefix: Prefix; family: FamilyName; attrs: PathAttributes; nextHop: readonly string[] }[] {
    const p = this.mustPeer(peerName);
    const out = [];
    for (const e of this.locRib.entries()) {
      const r = (p.group?.adjOut ?? p.adjOut).sent(e.prefix);
      if (r) out.push(r);
    }
    return out;
  }

  watch(l: WatchListener): () => void {
    return this.watchers.add(l, () => this.snapshotEvents());
  }

  private *snapshotEvents(): Iterable<WatchEvent> {
    for (const p of this.peers.values()) yield { type: 'peer', peer: peerStatusOf(p) };
    for (const e of this.locRib.entries()) {
      yield { type: 'best', delta: { key: '', prefix: e.prefix, family: e.best.family, best: e.best, multipath: e.multipath, previous: undefined, reason: 'only-path' } as RibDelta };
    }
  }

  // ---- plumbing ------------------------------------------------------------

  private compilePolicies(raw: unknown): void {
    const { policies, problems } = compilePolicies(raw ?? []);
    if (problems.length) throw new Error(`bad policies: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    this.policies = policies;
  }

  private policyFor(pc: PeerConfig, dir: 'import' | 'export'): Policy {
    const name = pc[dir];
    if (name === undefined) return pc.asn === this.cfg.asn ? ACCEPT_ALL : REJECT_ALL;
    if (name === 'accept-all') return ACCEPT_ALL;
    if (name === 'reject-all') return REJECT_ALL;
    const p = this.policies.get(name);
    if (!p) throw new Error(`peer ${pc.name}: ${dir} policy ${name} is not defined`);
    return p;
  }

  private fsmConfig(pc: PeerConfig) {
    return {
      localAs: this.cfg.asn, routerId: this.cfg.routerId, peerAs: pc.asn, holdTime: pc.holdTime,
      ...(pc.keepaliveTime !== undefined ? { keepaliveTime: pc.keepaliveTime } : {}),
      connectRetryTime: pc.connectRetryTime, delayOpenTime: pc.delayOpenTime, passive: pc.passive,
      idleHoldTime: pc.idleHoldTime, idleHoldMaxTime: pc.idleHoldMaxTime, localOpen: localOpen(this.cfg, pc, { restarting: this.deferring }),
      ...(pc.requiredFamilies ? { requiredFamilies: pc.requiredFamilies } : {}),
    };
  }

  private selfAddress(peer: ExportTarget, family: FamilyName): string | undefined {
    const local = peer.localAddress;
    if (!local) return undefined;
    return (family === 'ipv6-unicast') === isIpv6Text(local) ? local : undefined;
  }

  private onIncoming(conn: Connection): void {
    const peer = this.byAddress.get(conn.remoteAddress);
    if (!peer) {
      this.log.warn({ remote: conn.remoteAddress }, 'connection from an address that is not a configured peer; closed');
      conn.destroy();
      return;
    }
    peer.session.accept(conn);
  }

  private readonly sessionEvents: SessionEvents = {
    onStateChange: (s, from, to, reason) => {
      const peer = this.peers.get(s.name);
      if (!peer || peer.session !== s) return;
      this.log.info({ peer: s.name, address: peer.cfg.address, from, to, reason }, `peer ${s.name}: ${from} → ${to}`);
      if (to === 'Idle') peer.lastError = reason;
      if (this.watchers.active) this.watchers.emit({ type: 'peer', peer: peerStatusOf(peer) });
    },
    onEstablished: (s, n) => {
      const peer = this.peers.get(s.name);
      if (!peer || peer.session !== s) return;
      peer.source = { ...peer.source, routerId: n.peerRouterId };
      peer.resetSessionState();
      peer.gr = grView(s.config.localOpen, n.peerCapabilities);
      if (this.addPathFamilies(peer)) this.addPathSenders++;
      if (peer.stale.size) this.gr.resumeStale(peer, n.families);
      for (const f of n.families) peer.eorPending.add(f);
      if (this.deferring) {
        this.maybeEndDeferral();
        return;
      }
      peer.initialDumpDone = true;
      this.requeue(peer);
    },
    onDown: (s, reason, notification) => {
      const peer = this.peers.get(s.name);
      if (!peer) return;
      peer.lastError = reason;
      if (this.addPathFamilies(peer)) this.addPathSenders--;
      if (peer.group) this.groups.leave(peer, false);
      const keep = keepsRoutes(peer.gr, notification) && this.peers.get(s.name) === peer;
      peer.resetSessionState();
      if (keep) this.gr.beginStale(peer, notification);
      else this.gr.flushAll(peer);
    },
    onUpdate: (s, u, errors) => {
      const peer = this.peers.get(s.name);
      if (!peer || peer.session !== s) return;
      for (const e of errors) this.log.warn({ peer: s.name, action: e.action, code: e.code, subcode: e.subcode, reason: e.reason }, `malformed UPDATE from ${s.name}: ${e.reason}`);
      const r = processUpdate(peer, u, errors, {
        localAs: this.cfg.asn, routerId: this.cfg.routerId, clusterId: this.out.clusterId, locRib: this.locRib, interner: this.interner,
        trackTouched: this.addPathSenders > 0,
      });
      if (r.deltas.length || r.touched.length) this.distribute(r.deltas, r.touched);
      for (const f of r.endOfRib) {
        peer.eorReceived.add(f);
        this.log.info({ peer: s.name, family: f }, `End-of-RIB from ${s.name} for ${f}`);
        if (peer.stale.size) this.gr.sweep(peer, (x) => x === f, `End-of-RIB for ${f}`);
      }
      if (r.endOfRib.length && this.deferring) this.maybeEndDeferral();
      const over = checkMaxPrefix(peer, u, this.log);
      if (over) this.closeForMaxPrefix(peer, over.notification, over.restartTime);
    },
    onRouteRefresh: (s, m) => {
      const peer = this.peers.get(s.name);
      if (!peer || peer.session !== s) return;
      const family = findFamily(m.afi, m.safi)?.name;
      if (!family || !peer.families.includes(family)) return;
      if (m.subtype === 0) {
        // a request: the whole table again; with enhanced route refresh between BoRR and EoRR (RFC 7313 §4)
        if (peer.session.negotiated?.enhancedRouteRefresh) {
          peer.session.sendRaw(encodeRouteRefresh({ afi: m.afi, safi: m.safi, subtype: 1 }));
          peer.eorrPending.add(family);
        }
        if (peer.group) this.groups.leave(peer, false);
        peer.adjOut.clear();
        for (const k of [...peer.addPathSent.keys()]) peer.addPathSent.delete(k);
        if (!this.deferring) this.requeue(peer, m.afi);
      } else if (m.subtype === 1) {
        // BoRR: what is not sent again before EoRR goes away
        this.gr.markFamilyStale(peer, family);
        this.log.info({ peer: s.name, family }, `enhanced route refresh from ${s.name} for ${family} begins`);
      } else if (m.subtype === 2) {
        this.gr.sweep(peer, (x) => x === family, `EoRR for ${family}`);
      }
    },
    onWritable: (s) => {
      const peer = this.peers.get(s.name);
      if (peer) this.schedule(peer);
    },
    onNotificationSent: (s, n) => this.log.warn({ peer: s.name, code: n.code, subcode: n.subcode }, `sent NOTIFICATION to ${s.name}: ${describeNotification(n)}`),
    onNotificationReceived: (s, n) => this.log.warn({ peer: s.name, code: n.code, subcode: n.subcode }, `received NOTIFICATION from ${s.name}: ${describeNotification(n)}`),
  };

  /** Export best-path changes to every peer; ADD-PATH peers also get `touched` (prefixes whose other paths changed). */
  private distribute(deltas: readonly RibDelta[], touched: readonly Prefix[] = []): void {
    if (deltas.length === 0 && touched.length === 0) return;
    this.groups.distribute(deltas);
    for (const peer of this.peers.values()) {
      if (!peer.established || !peer.initialDumpDone || peer.group) continue;
      const multi = this.addPathFamilies(peer);
      for (const d of deltas) {
        if (multi?.has(d.family)) {
          exportPaths(peer, d.prefix, d.family, this.locRib, this.out, this.cfg.alwaysCompareMed);
          continue;
        }
        const r = exportRoute(peer, d.best, this.out);
        if (r) peer.adjOut.announce(r);
        else peer.adjOut.withdraw(d.prefix, d.family);
      }
      if (multi) {
        for (const p of touched) {
          const family = familyOf(p);
          if (multi.has(family)) exportPaths(peer, p.pathId === 0 ? p : p.withPathId(0), family, this.locRib, this.out, this.cfg.alwaysCompareMed);
        }
      }
      if (peer.adjOut.pending > 0) this.schedule(peer);
    }
    if (this.watchers.active) for (const d of deltas) this.watchers.emit({ type: 'best', delta: d });
  }

  /** Restarting role: end deferral when every enabled peer is up and sent End-of-RIB for all its families (or has no GR). */
  private maybeEndDeferral(): void {
    for (const p of this.peers.values()) {
      if (this.adminDown.has(p.cfg.name)) continue;
      if (!p.established) return;
      if (p.gr && p.families.some((f) => !p.eorReceived.has(f))) return;
    }
    this.endDeferral('End-of-RIB received from every peer');
  }

  private endDeferral(why: string): void {
    if (!this.deferring) return;
    this.deferring = false;
    if (this.deferralTimer) clearTimeout(this.deferralTimer);
    this.log.info({ why }, `graceful restart: selection deferral over (${why}); sending our routes`);
    for (const peer of this.peers.values()) {
      // later sessions no longer announce the R bit
      peer.session.updateConfig(this.fsmConfig(peer.cfg), peer.session.endpoint);
      if (!peer.established) continue;
      peer.initialDumpDone = true;
      this.requeue(peer);
    }
  }

  private joinGroup(peer: Peer): void {
    if (!this.deferring) this.groups.join(peer);
  }

  /** Max-prefix (RFC 4486): close with Cease 1 (a Hard Reset where N was agreed), start again after the restart time. */
  private closeForMaxPrefix(peer: Peer, n: NotificationMessage, restartTime: number): void {
    peer.session.stop(this.hardIfN(peer, n));
    if (restartTime <= 0 || !this.running) return;
    peer.maxPrefixTimer = setTimeout(() => {
      peer.maxPrefixTimer = undefined;
      if (this.running && this.peers.get(peer.cfg.name) === peer && !this.adminDown.has(peer.cfg.name)) peer.session.start();
    }, restartTime * 1000);
    peer.maxPrefixTimer.unref();
  }

  private schedule(peer: Peer): void {
    if (peer.flushScheduled) return;
    peer.flushScheduled = true;
    const mrai = peer.cfg.mrai ?? (peer.ibgp ? 0 : EBGP_MRAI);
    const wait = mrai > 0 ? Math.max(0, peer.lastFlush + mrai * 1000 - Date.now()) : 0;
    const run = () => {
      peer.flushScheduled = false;
      if (!peer.established || this.peers.get(peer.cfg.name) !== peer) return;
      peer.lastFlush = Date.now();
      if (flushPeer(peer) && peer.adjOut.pending === 0 && peer.initialDumpDone && peer.eorPending.size === 0 && peer.eorrPending.size === 0) this.joinGroup(peer);
    };
    if (wait > 0) setTimeout(run, wait).unref();
    else setImmediate(run);
  }
}
