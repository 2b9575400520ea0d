// Watch fan-out shared by the backends. Each watcher gets its own queue: on
// watch() the queue is primed with the snapshot (one `set` per existing
// resource of the watched kinds) and `in-sync`; every later change is
// appended. Delivery is asynchronous (never inside watch() or a write call)
// and strictly in order per watcher. A handler that throws is a bug in the
// consumer: delivery to it and to the others goes on, and the error is
// rethrown on a fresh task so it surfaces as an uncaught exception.
import type { DatastoreEvent, Kind, Resource } from './types.js';

interface Watcher {
  readonly kinds: ReadonlySet<Kind>;
  readonly handler: (e: DatastoreEvent) => void;
  queue: DatastoreEvent[];
  scheduled: boolean;
  stopped: boolean;
}

export class WatchHub {
  private readonly watchers = new Set<Watcher>();

  get size(): number { return this.watchers.size; }

  /**
   * Starts a watcher primed with `snapshot` (filtered here by kind) and
   * `in-sync`; or, when the source is unusable, with just an `error` (the
   * snapshot follows on recovery, through resnapshot()).
   */
  add(kinds: readonly Kind[], snapshot: Iterable<Resource>, handler: (e: DatastoreEvent) => void, error?: string): () => void {
    const w: Watcher = { kinds: new Set(kinds), handler, queue: [], scheduled: false, stopped: false };
    if (error !== undefined) {
      w.queue.push({ type: 'error', message: error });
    } else {
      for (const r of snapshot) if (w.kinds.has(r.kind)) w.queue.push({ type: 'set', resource: r });
      w.queue.push({ type: 'in-sync' });
    }
    this.watchers.add(w);
    this.schedule(w);
    return () => { w.stopped = true; w.queue = []; this.watchers.delete(w); };
  }

  /** Queues a `set` or `delete` for every watcher of that kind. */
  change(e: Extract<DatastoreEvent, { type: 'set' | 'delete' }>): void {
    const kind = e.type === 'set' ? e.resource.kind : e.kind;
    for (const w of this.watchers) {
      if (!w.kinds.has(kind)) continue;
      w.queue.push(e);
      this.schedule(w);
    }
  }

  /** Queues an event for every watcher regardless of kind (`error`, `in-sync`). */
  broadcast(e: DatastoreEvent): void {
    for (const w of this.watchers) { w.queue.push(e); this.schedule(w); }
  }

  /** Queues a fresh snapshot (sets for `snapshot`, deletes for `gone`, then in-sync) for every watcher. */
  resnapshot(snapshot: readonly Resource[], gone: readonly DatastoreEvent[]): void {
    for (const w of this.watchers) {
      for (const d of gone) if (d.type === 'delete' && w.kinds.has(d.kind)) w.queue.push(d);
      for (const r of snapshot) if (w.kinds.has(r.kind)) w.queue.push({ type: 'set', resource: r });
      w.queue.push({ type: 'in-sync' });
      this.schedule(w);
    }
  }

  closeAll(): void {
    for (const w of this.watchers) { w.stopped = true; w.queue = []; }
    this.watchers.clear();
  }

  private schedule(w: Watcher): void {
    if (w.scheduled || w.stopped) return;
    w.scheduled = true;
    queueMicrotask(() => this.drain(w));
  }

  private drain(w: Watcher): void {
    w.scheduled = false;
    // events queued by a handler during this drain are delivered in the same loop, after the current ones
    while (!w.stopped && w.queue.length > 0) {
      const batch = w.queue;
      w.queue = [];
      for (let i = 0; i < batch.length && !w.stopped; i++) {
        try {
          w.handler(batch[i]!);
        } catch (err) {
          setImmediate(() => { throw err; });
        }
      }
    }
  }
}
