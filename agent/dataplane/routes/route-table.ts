// RouteTable: the agent's manager for one kernel routing table (main by
// default), IPv4 and IPv6 together (Felix's routetable, ARCHITECTURE.md rules
// 8-10). The calc graph states intent — setRoute(spec) / removeRoute(dst),
// keyed by destination prefix — and apply() reconciles it with the kernel:
//
//  - Everything is written with our protocol number (ROUTE_PROTOCOL); a route
//    with another protocol is never replaced or deleted: a desired route whose
//    prefix+metric is held by a foreign route is reported as a conflict, and a
//    delete carries our protocol so the kernel matches only ours.
//  - A delta tracker holds desired (resolved to kernel messages) vs actual
//    (our routes in the last dump, then every acknowledged write); apply()
//    sends only the differences, in batches (one sendto per ~1000 routes).
//  - Actual state is re-read (dumped) on the first apply, every resync
//    interval (default 90 s), after any write that failed or whose ack was
//    lost, and when asked (requestResync).
//  - Cleanup: nothing we did not remove ourselves is deleted before
//    markInSync(); afterwards a route of ours that is not desired is deleted
//    once it has been seen undesired for the grace period (default 10 s: the
//    CNI race, REFERENCE.md). removeRoute() of a route we programmed deletes at once.
//  - A route whose interface is unknown or down waits for linkUpdate() (from
//    the interface monitor) or the next resync's link dump, rather than failing.
//  - Failed writes are retried with exponential backoff (100 ms .. 30 s).
// The kernel (RouteKernel) and the clock are injected: unit tests use fakes.
import { type Clock, systemClock } from '../clock.js';
import { DEFAULT_GRACE_PERIOD_MS, DEFAULT_RESYNC_INTERVAL_MS, ROUTE_PROTOCOL, RT_TABLE_MAIN } from '../constants.js';
import { DeltaTracker } from '../delta-tracker.js';
import { type Family, formatPrefix, parseAddress } from '../netlink/addr.js';
import { IFF_UP, type LinkMessage, type RouteMessage, type RouteRequest, RT_SCOPE_NOWHERE } from '../netlink/codec.js';
import { errnoName, ESRCH } from '../netlink/errno.js';
import type { RouteKernel } from '../netlink/rtnetlink.js';
import { type LinkState, normaliseSpec, resolve, type RouteSpec, routesEqual, specInterfaces } from './spec.js';

export type { Clock } from '../clock.js';
export { systemClock } from '../clock.js';

export interface RouteTableLogger { warn(fields: object, msg: string): void; info?(fields: object, msg: string): void }

export interface RouteTableOptions {
  kernel: RouteKernel;
  clock?: Clock;
  log?: RouteTableLogger;
  table?: number;
  protocol?: number;
  families?: readonly Family[];
  resyncIntervalMs?: number;
  gracePeriodMs?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
}

export interface RouteFailure { dst: string; op: 'set' | 'delete'; error: string }

export interface ApplyResult {
  programmed: number;   // routes added or replaced
  removed: number;
  failures: RouteFailure[];
  /** desired routes waiting for their interface */
  waitingForLink: number;
  /** undesired routes of ours kept for now (not in sync yet, or inside the grace period) */
  deferredDeletions: number;
  resynced: boolean;
  durationMs: number;
}

export class RouteMetrics {
  routesProgrammed = 0;
  routesRemoved = 0;
  routeErrors = 0;
  conflicts = 0;
  applies = 0;
  resyncs = 0;
  lastApplyMs = 0;
  maxApplyMs = 0;
  totalApplyMs = 0;
}

interface Failure { attempts: number; nextTryAt: number; error: string }

/** requests handed to the kernel per await (the event loop runs between them) */
const APPLY_CHUNK = 1024;
const keyOf = (r: RouteMessage): string => formatPrefix(parseAddress(r.dst).addr, r.dstLen, r.family);
const metricOf = (r: RouteMessage): number => r.priority ?? (r.family === 4 ? 0 : 1024);

export class RouteTable {
  readonly metrics = new RouteMetrics();
  private readonly kernel: RouteKernel;
  private readonly clock: Clock;
  private readonly log: RouteTableLogger | undefined;
  private readonly table: number;
  private readonly protocol: number;
  private readonly families: readonly Family[];
  private readonly resyncIntervalMs: number;
  private readonly gracePeriodMs: number;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;

  private readonly specs = new Map<string, RouteSpec>();
  private readonly tracker = new DeltaTracker<string, RouteMessage>(routesEqual);
  private readonly waiting = new Map<string, string>();          // dst -> missing interface
  private readonly byIfname = new Map<string, Set<string>>();    // interface -> dsts naming it
  private links = new Map<string, LinkState>();
  private foreign = new Map<string, number[]>();                  // dst -> metrics of others' routes
  private duplicates: RouteMessage[] = [];                        // extra routes of ours at one prefix
  private readonly undesiredSince = new Map<string, number>();
  private readonly removedByUs = new Set<string>();
  private readonly failures = new Map<string, Failure>();
  private inSyncFlag = false;
  private resyncNeeded = true;
  private lastResync = -Infinity;
  private running: Promise<ApplyResult> | undefined;
  private queued: Promise<ApplyResult> | undefined;
  private timer: unknown;
  private timerAt = Infinity;
  private started = false;

  constructor(opts: RouteTableOptions) {
    this.kernel = opts.kernel;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log;
    this.table = opts.table ?? RT_TABLE_MAIN;
    this.protocol = opts.protocol ?? ROUTE_PROTOCOL;
    this.families = opts.families ?? [4, 6];
    this.resyncIntervalMs = opts.resyncIntervalMs ?? DEFAULT_RESYNC_INTERVAL_MS;
    this.gracePeriodMs = opts.gracePeriodMs ?? DEFAULT_GRACE_PERIOD_MS;
    this.retryMinMs = opts.retryMinMs ?? 100;
    this.retryMaxMs = opts.retryMaxMs ?? 30_000;
  }

  // --- intent -------------------------------------------------------------

  /** Desired route for spec.dst (replaces any earlier spec for that prefix). Throws on an invalid spec. */
  setRoute(spec: RouteSpec): void {
    const { key, spec: norm } = normaliseSpec(spec, this.families);
    const old = this.specs.get(key);
    if (old) this.unindex(key, old);
    this.specs.set(key, norm);
    for (const name of specInterfaces(norm)) {
      let s = this.byIfname.get(name);
      if (!s) this.byIfname.set(name, (s = new Set()));
      s.add(key);
    }
    this.undesiredSince.delete(key);
    this.removedByUs.delete(key);
    this.resolveKey(key);
  }

  /** No route wanted for dst any more; a route of ours there is deleted on the next apply. */
  removeRoute(dst: string): void {
    const { key } = normaliseSpec({ dst, target: { kind: 'blackhole' } }, this.families);
    const old = this.specs.get(key);
    if (!old) return;
    this.unindex(key, old);
    this.specs.delete(key);
    this.waiting.delete(key);
    this.failures.delete(key);
    this.tracker.deleteDesired(key);
    if (this.tracker.getActual(key)) this.removedByUs.add(key);
  }

  /** The datastore is in sync: routes of ours that nobody wants may now be cleaned up (after the grace period). */
  markInSync(): void {
    this.inSyncFlag = true;
    this.kick();
  }

  get inSync(): boolean { return this.inSyncFlag; }

  /** Forces a re-read of the kernel's routes and links on the next apply. */
  requestResync(): void { this.resyncNeeded = true; }

  /** An interface appeared, changed or went away (index undefined): re-resolve the routes that name it. */
  linkUpdate(name: string, index: number | undefined, up = true): void {
    const before = this.links.get(name);
    if (index === undefined) this.links.delete(name);
    else this.links.set(name, { index, up });
    if (before?.index === index && before?.up === up) return;
    const dsts = this.byIfname.get(name);
    if (!dsts) return;
    for (const key of dsts) {
      // the kernel drops or keeps routes on a changed interface as it likes: forget what we knew, rewrite
      this.tracker.deleteActual(key);
      this.failures.delete(key);
      this.resolveKey(key);
    }
    this.kick();
  }

  // --- views ----------------------------------------------------------------

  /** Desired routes that wait for an interface: dst -> interface name. */
  waitingForLink(): Map<string, string> { return new Map(this.waiting); }
  /** Our routes as last read or written. */
  programmed(): Map<string, RouteMessage> { return new Map(this.tracker.actualEntries()); }
  get pendingUpdates(): number { return this.tracker.numPendingUpdates; }
  /** Number of our routes in the kernel (as last read or written). */
  get routeCount(): number { return this.tracker.actualSize; }
  get pendingDeletions(): number { return this.tracker.numPendingDeletions; }

  // --- timers -----------------------------------------------------------------

  /** Starts the periodic resync and automatic retries (apply() may still be called directly). */
  start(): void {
    this.started = true;
    this.kick();
  }

  stop(): void {
    this.started = false;
    this.clearTimer();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private schedule(at: number): void {
    if (!this.started || at >= this.timerAt) return;
    this.clearTimer();
    this.timerAt = at;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.apply().catch((e: unknown) => {
        this.log?.warn({ err: (e as Error).message }, 'route apply failed; retrying');
        this.resyncNeeded = true;
        this.schedule(this.clock.now() + this.retryMaxMs);
      });
    }, Math.max(0, at - this.clock.now()));
  }

  private kick(): void { if (this.started) this.schedule(this.clock.now()); }

  // --- reconciliation -------------------------------------------------------

  /** Reconciles the kernel with the desired routes. Calls are serialised; one made during a run runs after it. */
  apply(): Promise<ApplyResult> {
    if (this.running) {
      this.queued ??= this.running.then(() => { this.queued = undefined; return this.apply(); },
        () => { this.queued = undefined; return this.apply(); });
      return this.queued;
    }
    this.running = this.applyOnce().finally(() => { this.running = undefined; });
    return this.running;
  }

  private async applyOnce(): Promise<ApplyResult> {
    const t0 = this.clock.now();
    let resynced = false;
    if (this.resyncNeeded || t0 - this.lastResync >= this.resyncIntervalMs) {
      await this.resync();
      resynced = true;
    }
    const now = this.clock.now();
    const reqs: RouteRequest[] = [];
    const what: { key: string; op: 'set' | 'delete'; route: RouteMessage; old?: boolean }[] = [];
    let deferred = 0;
    let wakeAt = Infinity;
    const due = (key: string): boolean => {
      const f = this.failures.get(key);
      if (f && f.nextTryAt > now) { wakeAt = Math.min(wakeAt, f.nextTryAt); return false; }
      return true;
    };

    const dups = this.inSyncFlag ? this.duplicates : [];
    if (this.inSyncFlag) this.duplicates = []; // a failed delete sets resyncNeeded, which finds them again
    else deferred += this.duplicates.length;
    for (const dup of dups) {
      reqs.push({ op: 'delete', route: this.deleteKey(dup, metricOf(dup)) });
      what.push({ key: keyOf(dup), op: 'delete', route: dup });
    }
    for (const [key, actual] of this.tracker.pendingDeletions()) {
      if (this.waiting.has(key)) continue; // still desired, its interface is not there: leave it be
      if (!this.removedByUs.has(key)) {
        if (!this.inSyncFlag) { deferred++; continue; }
        let since = this.undesiredSince.get(key);
        if (since === undefined) this.undesiredSince.set(key, (since = now));
        if (now - since < this.gracePeriodMs) { deferred++; wakeAt = Math.min(wakeAt, since + this.gracePeriodMs); continue; }
      }
      if (!due(key)) continue;
      reqs.push({ op: 'delete', route: this.deleteKey(actual) });
      what.push({ key, op: 'delete', route: actual });
    }
    const failures: RouteFailure[] = [];
    for (const [key, desired] of this.tracker.pendingUpdates()) {
      const held = this.foreign.get(key);
      if (held?.includes(metricOf(desired))) {
        const error = `conflict: another route (not ours, protocol ≠ ${this.protocol}) holds ${key}; left untouched`;
        if (this.failures.get(key)?.error !== error) {
          this.metrics.conflicts++;
          this.log?.warn({ dst: key }, error);
        }
        this.failures.set(key, { attempts: 1, nextTryAt: Infinity, error });
        failures.push({ dst: key, op: 'set', error });
        continue;
      }
      if (!due(key)) continue;
      const act = this.tracker.getActual(key);
      if (act && metricOf(act) !== metricOf(desired)) {
        // the metric is part of a route's identity: replace would add a second route, so remove the old one first
        reqs.push({ op: 'delete', route: this.deleteKey(act, metricOf(act)) });
        what.push({ key, op: 'delete', route: act, old: true });
      }
      reqs.push({ op: 'replace', route: desired });
      what.push({ key, op: 'set', route: desired });
    }

    let programmed = 0, removed = 0;
    let writeFailures = 0;
    for (let at = 0; at < reqs.length;) {
      // a chunk at a time, so the event loop runs between chunks (big sends themselves run on the thread pool);
      // a metric change's delete stays in the chunk of the set that follows it
      let end = Math.min(at + APPLY_CHUNK, reqs.length);
      if (end < reqs.length && what[end - 1]?.old) end++;
      const results = await this.kernel.applyRoutes(reqs.slice(at, end));
      const after = this.clock.now();
      for (let i = at; i < end; i++) {
        const w = what[i] as (typeof what)[number];
        const r = results[i - at];
        const e = r?.errno;
        if (w.old) { if (e !== 0 && e !== ESRCH) this.resyncNeeded = true; continue; } // the set that follows decides
        if (e === 0 || (w.op === 'delete' && e === ESRCH /* already gone */)) {
          this.failures.delete(w.key);
          if (w.op === 'set') {
            this.tracker.setActual(w.key, w.route);
            programmed++;
          } else {
            if (this.tracker.getActual(w.key) === w.route) this.tracker.deleteActual(w.key);
            this.removedByUs.delete(w.key);
            this.undesiredSince.delete(w.key);
            removed++;
          }
          continue;
        }
        // failed or unknown: re-read the kernel on the next apply, retry with backoff
        this.resyncNeeded = true;
        writeFailures++;
        const attempts = (this.failures.get(w.key)?.attempts ?? 0) + 1;
        const error = e === undefined ? (r?.message ?? 'no ack') : `${errnoName(e)}${r?.message ? `: ${r.message}` : ''}`;
        const backoff = Math.min(this.retryMinMs * 2 ** (attempts - 1), this.retryMaxMs);
        this.failures.set(w.key, { attempts, nextTryAt: after + backoff, error });
        wakeAt = Math.min(wakeAt, after + backoff);
        failures.push({ dst: w.key, op: w.op, error: `${w.op === 'set' ? 'programming' : 'deleting'} ${w.key}: ${error}` });
      }
      at = end;
    }
    this.metrics.routesProgrammed += programmed;
    this.metrics.routesRemoved += removed;
    this.metrics.routeErrors += writeFailures;
    if (writeFailures) this.log?.warn({ failures: failures.slice(0, 10), count: writeFailures }, 'route writes failed');
    if (this.resyncNeeded) wakeAt = Math.min(wakeAt, this.clock.now() + this.retryMinMs);
    this.schedule(Math.min(wakeAt, this.lastResync + this.resyncIntervalMs));

    const durationMs = this.clock.now() - t0;
    this.metrics.applies++;
    this.metrics.lastApplyMs = durationMs;
    this.metrics.totalApplyMs += durationMs;
    this.metrics.maxApplyMs = Math.max(this.metrics.maxApplyMs, durationMs);
    return { programmed, removed, failures, waitingForLink: this.waiting.size, deferredDeletions: deferred, resynced, durationMs };
  }

  /** Re-reads links and our routes from the kernel. */
  private async resync(): Promise<void> {
    const links = await this.kernel.dumpLinks();
    this.replaceLinks(links);
    const ours: [string, RouteMessage][] = [];
    const foreign = new Map<string, number[]>();
    const dups: RouteMessage[] = [];
    const seen = new Map<string, number>(); // key -> index in ours
    for (const fam of this.families) {
      for (const r of await this.kernel.dumpRoutes(fam, this.table)) {
        const key = keyOf(r);
        if (r.protocol !== this.protocol) {
          let m = foreign.get(key);
          if (!m) foreign.set(key, (m = []));
          m.push(r.priority ?? 0);
          continue;
        }
        const prev = seen.get(key);
        if (prev === undefined) { seen.set(key, ours.push([key, r]) - 1); continue; }
        // two routes of ours at one prefix (different metrics): keep the one we want, the other is removed
        const desired = this.tracker.getDesired(key);
        const kept = ours[prev] as [string, RouteMessage];
        if (desired && routesEqual(desired, r) && !routesEqual(desired, kept[1])) { dups.push(kept[1]); kept[1] = r; }
        else dups.push(r);
      }
    }
    this.tracker.replaceAllActual(ours);
    this.foreign = foreign;
    this.duplicates = dups;
    for (const [key, f] of this.failures) if (f.nextTryAt === Infinity) this.failures.delete(key); // conflicts: look again
    for (const key of this.undesiredSince.keys()) if (!this.tracker.isPendingDeletion(key)) this.undesiredSince.delete(key);
    for (const key of this.removedByUs) if (!this.tracker.isPendingDeletion(key)) this.removedByUs.delete(key);
    this.resyncNeeded = false;
    this.lastResync = this.clock.now();
    this.metrics.resyncs++;
  }

  private replaceLinks(msgs: LinkMessage[]): void {
    const next = new Map<string, LinkState>();
    for (const l of msgs) if (l.name) next.set(l.name, { index: l.index, up: (l.flags & IFF_UP) !== 0 });
    const old = this.links;
    this.links = next;
    for (const [name, dsts] of this.byIfname) {
      const a = old.get(name), b = next.get(name);
      if (a?.index === b?.index && a?.up === b?.up) continue;
      for (const key of dsts) this.resolveKey(key);
    }
  }

  /** The key fields of a route for RTM_DELROUTE: prefix, table, our protocol; any scope/type. */
  private deleteKey(r: RouteMessage, priority?: number): RouteMessage {
    const k: RouteMessage = { family: r.family, dst: r.dst, dstLen: r.dstLen, table: this.table, protocol: this.protocol, scope: RT_SCOPE_NOWHERE, type: 0 };
    if (priority !== undefined) k.priority = priority;
    return k;
  }

  private resolveKey(key: string): void {
    const spec = this.specs.get(key);
    if (!spec) return;
    const r = resolve(spec, this.links, this.table, this.protocol);
    if ('missing' in r) {
      this.waiting.set(key, r.missing);
      this.tracker.deleteDesired(key);
    } else {
      this.waiting.delete(key);
      this.tracker.setDesired(key, r);
    }
  }

  private unindex(key: string, spec: RouteSpec): void {
    for (const name of specInterfaces(spec)) {
      const s = this.byIfname.get(name);
      s?.delete(key);
      if (s?.size === 0) this.byIfname.delete(name);
    }
  }
}
