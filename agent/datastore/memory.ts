// MemoryDatastore: the Datastore contract held in process memory, for tests
// and for code that wants the contract without a file (IPAM and CNI unit
// tests, the calc graph's fakes). Writes are validated (validate.ts), copied
// and frozen, stamped with a resourceVersion from one counter, and checked by
// compare-and-swap; watchers get the snapshot, `in-sync`, then every change,
// asynchronously and in order (watch-hub.ts). Each call is atomic: the state
// is changed synchronously inside the call, so concurrent async callers race
// exactly like separate API clients would (one wins, the other gets Conflict).
import { ResourceStore } from './store.js';
import { WatchHub } from './watch-hub.js';
import { checkResource } from './validate.js';
import { DatastoreError, type Datastore, type DatastoreEvent, type Kind, type ResourceOf } from './types.js';

export interface MemoryDatastoreOptions {
  /** Validate resources on write (default true). */
  readonly validate?: boolean;
  /** Clock for creationTimestamp. */
  readonly now?: () => Date;
}

export class MemoryDatastore implements Datastore {
  private readonly store: ResourceStore;
  private readonly hub = new WatchHub();
  private readonly validate: boolean;
  private closed = false;

  constructor(opts: MemoryDatastoreOptions = {}) {
    this.validate = opts.validate ?? true;
    this.store = new ResourceStore(0, opts.now);
  }

  /** Number of resources held (all kinds). */
  get size(): number { return this.store.size; }

  watch(kinds: readonly Kind[], handler: (e: DatastoreEvent) => void): () => void {
    this.open();
    return this.hub.add(kinds, [...this.store.all()], handler);
  }

  async get<K extends Kind>(kind: K, name: string, namespace?: string): Promise<ResourceOf<K> | undefined> {
    this.open();
    return this.store.get(kind, name, namespace) as ResourceOf<K> | undefined;
  }

  async list<K extends Kind>(kind: K): Promise<ResourceOf<K>[]> {
    this.open();
    return this.store.list(kind) as ResourceOf<K>[];
  }

  async create<K extends Kind>(r: ResourceOf<K>): Promise<ResourceOf<K>> {
    this.open();
    const { stored, event } = this.store.create(this.checked(r));
    this.hub.change(event);
    return stored as ResourceOf<K>;
  }

  async update<K extends Kind>(r: ResourceOf<K>): Promise<ResourceOf<K>> {
    this.open();
    const { stored, event } = this.store.update(this.checked(r));
    this.hub.change(event);
    return stored as ResourceOf<K>;
  }

  async delete(kind: Kind, name: string, namespace?: string, resourceVersion?: string): Promise<void> {
    this.open();
    const { event } = this.store.delete(kind, name, namespace, resourceVersion);
    this.hub.change(event);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.hub.closeAll();
  }

  private checked<R>(r: R): R {
    return this.validate ? (checkResource(r) as R) : r;
  }

  private open(): void {
    if (this.closed) throw new DatastoreError('Unavailable', 'datastore is closed');
  }
}
