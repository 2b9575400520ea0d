// The in-memory state both backends keep: resources by key in a stable order,
// a resourceVersion counter, and the compare-and-swap rules of the contract
// (create fails with AlreadyExists, update/delete with NotFound or Conflict).
// Every stored resource is a frozen deep copy carrying the version and
// creation time the store gave it; the caller's object is never kept.
// Mutations return the watch event they cause, so the owner can publish it
// (memory: at once; file: once the new file is safely on disk).
import { deepFreeze, describe, describeResource, keyOf, resourceKey } from './resource.js';
import { DatastoreError, type DatastoreEvent, type Kind, type Resource } from './types.js';

export type ChangeEvent = Extract<DatastoreEvent, { type: 'set' | 'delete' }>;

export class ResourceStore {
  private readonly items = new Map<string, Resource>();

  constructor(private lastVersion = 0, private readonly now: () => Date = () => new Date()) {}

  get version(): number { return this.lastVersion; }
  set version(v: number) { this.lastVersion = Math.max(this.lastVersion, v); }

  get size(): number { return this.items.size; }

  get(kind: Kind, name: string, namespace?: string): Resource | undefined {
    return this.items.get(resourceKey(kind, name, namespace));
  }

  all(): IterableIterator<Resource> { return this.items.values(); }

  list(kind: Kind): Resource[] {
    const out: Resource[] = [];
    for (const r of this.items.values()) if (r.kind === kind) out.push(r);
    return out;
  }

  /** Puts a resource exactly as given (already validated and frozen), e.g. when loading a file. */
  load(r: Resource): void {
    this.items.set(keyOf(r), r);
    const v = Number(r.metadata.resourceVersion);
    if (Number.isSafeInteger(v)) this.version = v;
  }

  clear(): void { this.items.clear(); }

  create(r: Resource): { stored: Resource; event: ChangeEvent } {
    const key = keyOf(r);
    checkCreate(this.items.get(key), r);
    const stored = stamp(r, ++this.lastVersion, this.now().toISOString());
    this.items.set(key, stored);
    return { stored, event: { type: 'set', resource: stored } };
  }

  update(r: Resource): { stored: Resource; event: ChangeEvent } {
    const key = keyOf(r);
    const cur = checkUpdate(this.items.get(key), r);
    const stored = stamp(r, ++this.lastVersion, cur.metadata.creationTimestamp);
    this.items.set(key, stored);
    return { stored, event: { type: 'set', resource: stored } };
  }

  delete(kind: Kind, name: string, namespace?: string, resourceVersion?: string): { event: ChangeEvent } {
    const key = resourceKey(kind, name, namespace);
    const cur = checkDelete(this.items.get(key), kind, name, namespace, resourceVersion);
    this.items.delete(key);
    return { event: deleteEvent(cur) };
  }
}

// ---- the compare-and-swap rules, shared with the file backend ----

export function checkCreate(cur: Resource | undefined, r: Resource): void {
  if (cur !== undefined) throw new DatastoreError('AlreadyExists', `${describeResource(r)} already exists`);
}

export function checkUpdate(cur: Resource | undefined, r: Resource): Resource {
  if (cur === undefined) throw new DatastoreError('NotFound', `${describeResource(r)} not found`);
  const want = r.metadata.resourceVersion;
  if (want === undefined || want === '') {
    throw new DatastoreError('Conflict', `${describeResource(r)}: update needs metadata.resourceVersion (compare-and-swap); stored is ${cur.metadata.resourceVersion}`);
  }
  if (want !== cur.metadata.resourceVersion) {
    throw new DatastoreError('Conflict', `${describeResource(r)}: resourceVersion ${want} is stale (stored is ${cur.metadata.resourceVersion})`);
  }
  return cur;
}

export function checkDelete(cur: Resource | undefined, kind: Kind, name: string, namespace: string | undefined, resourceVersion: string | undefined): Resource {
  if (cur === undefined) throw new DatastoreError('NotFound', `${describe(kind, name, namespace)} not found`);
  if (resourceVersion !== undefined && resourceVersion !== cur.metadata.resourceVersion) {
    throw new DatastoreError('Conflict', `${describe(kind, name, namespace)}: resourceVersion ${resourceVersion} is stale (stored is ${cur.metadata.resourceVersion})`);
  }
  return cur;
}

/** A frozen deep copy of `r` carrying `version` and, when given, the creation time. */
export function stamp(r: Resource, version: number, created: string | undefined): Resource {
  const copy = structuredClone(r) as unknown as { metadata: Record<string, unknown> };
  copy.metadata = { ...copy.metadata, resourceVersion: String(version) };
  if (created !== undefined) copy.metadata.creationTimestamp = created;
  else delete copy.metadata.creationTimestamp;
  return deepFreeze(copy as unknown as Resource);
}

export function deleteEvent(r: Resource): ChangeEvent {
  return r.metadata.namespace !== undefined
    ? { type: 'delete', kind: r.kind, name: r.metadata.name, namespace: r.metadata.namespace }
    : { type: 'delete', kind: r.kind, name: r.metadata.name };
}
