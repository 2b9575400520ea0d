// Adj-RIB-Out (RFC 4271 §3.2, §9.2) of one peer or one update group: what was
// sent, plus the queue of changes not sent yet (ARCHITECTURE.md rule 7).
// Queue: one pending change per (prefix, path ID); a newer change replaces the
// queued one, so a flapping route costs one UPDATE per drain, not per flap.
// A change that would leave the peer where it is dropped at once: announcing
// exactly what was sent (same family, attribute object, next hops), or
// withdrawing what was never sent (announce-then-withdraw of an unsent route
// cancels out). Attribute identity is the interned object's identity.
// drain(max) takes up to `max` changes, oldest first (a replaced change keeps
// its place, so no prefix waits behind newer ones), and groups them the way
// bgp/wire packs them: withdrawals per family, announcements per (family,
// attribute object, next hops); after drain they count as sent.
// Memory: the sent state of a route is one table slot pointing at a shared,
// reference-counted OutGroup (family, attrs, next hops); no object per route.
// The queue is an append-only array of changes plus a prefix table from
// (prefix, path ID) to the change's index, so coalescing replaces the entry
// in place and cancelling leaves a hole. (A Map keyed by prefix numbers was
// the first version: IPv4 keys do not fit a Smi, so every operation boxed a
// number and hashed it; this costs a typed-array probe instead.)

import type { FamilyName, PathAttributes, Prefix } from '../wire/index.js';
import { PathIdTable } from './prefix-table.js';

export interface OutRoute {
  prefix: Prefix;
  family: FamilyName;
  attrs: PathAttributes;
  nextHop: readonly string[];
}

export interface DrainResult {
  withdrawals: { family: FamilyName; prefixes: Prefix[] }[];
  announcements: { family: FamilyName; attrs: PathAttributes; nextHop: readonly string[]; prefixes: Prefix[] }[];
}

/** What a set of routes was sent with; shared by all of them. */
class OutGroup {
  refs = 0;
  constructor(readonly family: FamilyName, readonly attrs: PathAttributes, readonly nextHop: readonly string[]) {}
}

class Withdrawal {
  constructor(readonly prefix: Prefix, readonly family: FamilyName) {}
}

function sameNextHop(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const matches = (g: OutGroup, family: FamilyName, attrs: PathAttributes, nextHop: readonly string[]): boolean =>
  g.attrs === attrs && g.family === family && sameNextHop(g.nextHop, nextHop);

export class AdjRibOut {
  private readonly sentTable = new PathIdTable<OutGroup>();
  private queue: (OutRoute | Withdrawal | undefined)[] = [];
  private head = 0;
  private live = 0;
  private readonly index = new PathIdTable<number>();
  private readonly groups = new Map<PathAttributes, OutGroup | OutGroup[]>();
  private lastGroup: OutGroup | undefined;

  /** Queued changes. */
  get pending(): number {
    return this.live;
  }

  /** Routes sent (and not withdrawn). */
  get size(): number {
    return this.sentTable.size;
  }

  /** Distinct (family, attributes, next hops) among the routes sent. */
  get groupCount(): number {
    let n = 0;
    for (const g of this.groups.values()) n += Array.isArray(g) ? g.length : 1;
    return n;
  }

  announce(r: OutRoute): void {
    const sent = this.sentTable.get(r.prefix);
    if (sent !== undefined && matches(sent, r.family, r.attrs, r.nextHop)) {
      if (this.live > 0) this.cancel(r.prefix);
      return;
    }
    this.enqueue(r.prefix, r);
  }

  withdraw(prefix: Prefix, family: FamilyName): void {
    if (this.sentTable.get(prefix) === undefined) {
      if (this.live > 0) this.cancel(prefix);
      return;
    }
    this.enqueue(prefix, new Withdrawal(prefix, family));
  }

  private enqueue(prefix: Prefix, c: OutRoute | Withdrawal): void {
    const i = this.index.get(prefix);
    if (i !== undefined) {
      this.queue[i] = c;
      return;
    }
    this.index.set(prefix, this.queue.length);
    this.queue.push(c);
    this.live++;
  }

  private cancel(prefix: Prefix): void {
    const i = this.index.delete(prefix);
    if (i === undefined) return;
    this.queue[i] = undefined;
    this.live--;
  }

  /** Takes up to `max` queued changes, grouped for packAnnouncements / packWithdrawals; they count as sent. */
  drain(max: number): DrainResult {
    const withdrawals = new Map<FamilyName, Prefix[]>();
    const announcements = new Map<OutGroup, Prefix[]>();
    const all = max >= this.live;
    const q = this.queue;
    let n = 0;
    let i = this.head;
    for (; i < q.length && n < max; i++) {
      const c = q[i];
      if (c === undefined) continue;
      n++;
      q[i] = undefined;
      if (!all) this.index.delete(c.prefix);
      if (c instanceof Withdrawal) {
        const old = this.sentTable.delete(c.prefix);
        if (old !== undefined) this.unref(old);
        push(withdrawals, c.family, c.prefix);
      } else {
        const g = this.group(c.family, c.attrs, c.nextHop);
        g.refs++;
        const old = this.sentTable.set(c.prefix, g);
        if (old !== undefined) this.unref(old);
        push(announcements, g, c.prefix);
      }
    }
    this.live -= n;
    if (all || this.live === 0) {
      this.resetQueue();
    } else {
      this.head = i;
      if (this.head > 65536 && this.head * 2 > q.length) this.compact();
    }
    const out: DrainResult = { withdrawals: [], announcements: [] };
    for (const [family, prefixes] of withdrawals) out.withdrawals.push({ family, prefixes });
    for (const [g, prefixes] of announcements) out.announcements.push({ family: g.family, attrs: g.attrs, nextHop: g.nextHop, prefixes });
    return out;
  }

  private resetQueue(): void {
    this.queue = [];
    this.head = 0;
    this.live = 0;
    this.index.clear();
  }

  /** Drop the drained head of the queue and renumber the index. */
  private compact(): void {
    const rest = this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    this.index.clear();
    for (const c of rest) {
      if (c === undefined) continue;
      this.index.set(c.prefix, this.queue.length);
      this.queue.push(c);
    }
  }

  /** What was sent for (prefix, path ID). */
  sent(prefix: Prefix): OutRoute | undefined {
    const g = this.sentTable.get(prefix);
    return g === undefined ? undefined : { prefix, family: g.family, attrs: g.attrs, nextHop: g.nextHop };
  }

  /** Record `r` as sent without queueing it (taking over the state of another Adj-RIB-Out). */
  adopt(r: OutRoute): void {
    const g = this.group(r.family, r.attrs, r.nextHop);
    g.refs++;
    const old = this.sentTable.set(r.prefix, g);
    if (old !== undefined) this.unref(old);
  }

  /** The queued change for (prefix, path ID): a route, 'withdraw', or undefined. */
  queued(prefix: Prefix): OutRoute | 'withdraw' | undefined {
    const i = this.index.get(prefix);
    const c = i === undefined ? undefined : this.queue[i];
    return c instanceof Withdrawal ? 'withdraw' : c;
  }

  /** Session down: forget what was sent and what was queued. */
  clear(): void {
    this.sentTable.clear();
    this.resetQueue();
    this.groups.clear();
    this.lastGroup = undefined;
  }

  private group(family: FamilyName, attrs: PathAttributes, nextHop: readonly string[]): OutGroup {
    const last = this.lastGroup;
    if (last !== undefined && last.refs > 0 && matches(last, family, attrs, nextHop)) return last;
    const found = this.groups.get(attrs);
    let g: OutGroup | undefined;
    if (Array.isArray(found)) g = found.find((x) => matches(x, family, attrs, nextHop));
    else if (found !== undefined && matches(found, family, attrs, nextHop)) g = found;
    if (g === undefined) {
      g = new OutGroup(family, attrs, nextHop);
      if (found === undefined) this.groups.set(attrs, g);
      else if (Array.isArray(found)) found.push(g);
      else this.groups.set(attrs, [found, g]);
    }
    this.lastGroup = g;
    return g;
  }

  private unref(g: OutGroup): void {
    if (--g.refs > 0) return;
    const found = this.groups.get(g.attrs);
    if (found === g) this.groups.delete(g.attrs);
    else if (Array.isArray(found)) {
      found.splice(found.indexOf(g), 1);
      if (found.length === 1) this.groups.set(g.attrs, found[0]!);
    }
    if (this.lastGroup === g) this.lastGroup = undefined;
  }
}

function push<K>(m: Map<K, Prefix[]>, k: K, p: Prefix): void {
  const list = m.get(k);
  if (list === undefined) m.set(k, [p]);
  else list.push(p);
}
