// Generic desired-vs-actual tracker (Felix's deltatracker): the dataplane
// drivers record what they want (desired) and what the kernel holds (actual,
// from a dump or after a successful write); the tracker maintains, at O(1)
// per change, the pending updates (desired and not equal to actual) and
// pending deletions (actual and not desired). A driver then applies only the
// pending sets and marks each write applied. Equality is injected, so values
// can be compared on just the fields the driver writes.

export class DeltaTracker<K, V> {
  private readonly desired = new Map<K, V>();
  private readonly actual = new Map<K, V>();
  private readonly updates = new Map<K, V>();
  private readonly deletions = new Map<K, V>();

  constructor(private readonly equals: (desired: V, actual: V) => boolean = Object.is) {}

  // --- desired side -------------------------------------------------------
  setDesired(k: K, v: V): void {
    this.desired.set(k, v);
    this.deletions.delete(k);
    const a = this.actual.get(k);
    if (a !== undefined && this.equals(v, a)) this.updates.delete(k);
    else this.updates.set(k, v);
  }

  deleteDesired(k: K): void {
    if (!this.desired.delete(k)) return;
    this.updates.delete(k);
    const a = this.actual.get(k);
    if (a !== undefined) this.deletions.set(k, a);
  }

  getDesired(k: K): V | undefined { return this.desired.get(k); }
  desiredEntries(): IterableIterator<[K, V]> { return this.desired.entries(); }
  get desiredSize(): number { return this.desired.size; }

  // --- actual (dataplane) side ---------------------------------------------
  setActual(k: K, v: V): void {
    this.actual.set(k, v);
    this.reconcileKey(k);
  }

  deleteActual(k: K): void {
    if (!this.actual.delete(k)) return;
    this.reconcileKey(k);
  }

  /** Replaces the whole actual side (after a dump); recomputes every pending set. */
  replaceAllActual(entries: Iterable<[K, V]>): void {
    this.actual.clear();
    for (const [k, v] of entries) this.actual.set(k, v);
    this.updates.clear();
    this.deletions.clear();
    for (const [k, d] of this.desired) {
      const a = this.actual.get(k);
      if (a === undefined || !this.equals(d, a)) this.updates.set(k, d);
    }
    for (const [k, a] of this.actual) if (!this.desired.has(k)) this.deletions.set(k, a);
  }

  getActual(k: K): V | undefined { return this.actual.get(k); }
  actualEntries(): IterableIterator<[K, V]> { return this.actual.entries(); }
  get actualSize(): number { return this.actual.size; }

  // --- pending work ---------------------------------------------------------
  /** [key, desired] for every key whose desired value is not in the dataplane. */
  pendingUpdates(): IterableIterator<[K, V]> { return this.updates.entries(); }
  /** [key, actual] for every key in the dataplane that is not desired. */
  pendingDeletions(): IterableIterator<[K, V]> { return this.deletions.entries(); }
  get numPendingUpdates(): number { return this.updates.size; }
  get numPendingDeletions(): number { return this.deletions.size; }
  isPendingUpdate(k: K): boolean { return this.updates.has(k); }
  isPendingDeletion(k: K): boolean { return this.deletions.has(k); }
  /** True when the dataplane matches the desired state. */
  get inSync(): boolean { return this.updates.size === 0 && this.deletions.size === 0; }

  private reconcileKey(k: K): void {
    const d = this.desired.get(k);
    const a = this.actual.get(k);
    if (d !== undefined) {
      this.deletions.delete(k);
      if (a !== undefined && this.equals(d, a)) this.updates.delete(k);
      else this.updates.set(k, d);
    } else {
      this.updates.delete(k);
      if (a !== undefined) this.deletions.set(k, a);
      else this.deletions.delete(k);
    }
  }
}
