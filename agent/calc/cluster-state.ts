// The calculation graph's input side: the current resources by kind and key,
// fed by datastore events (snapshot, in-sync, changes). apply() is cheap and
// synchronous and reports which kind changed, so the sequencer recomputes only
// the outputs that read it.

import type { DatastoreEvent, Kind, Resource, ResourceOf } from '../datastore/types.js';

const keyOf = (name: string, namespace?: string) => (namespace ? `${namespace}/${name}` : name);

export class ClusterState {
  private readonly byKind = new Map<Kind, Map<string, Resource>>();
  inSync = false;

  /** Applies one event; returns the kind it changed (undefined for in-sync / error / no-op). */
  apply(e: DatastoreEvent): Kind | undefined {
    if (e.type === 'in-sync') {
      this.inSync = true;
      return undefined;
    }
    if (e.type === 'error') return undefined;
    if (e.type === 'set') {
      const r = e.resource;
      let m = this.byKind.get(r.kind);
      if (!m) this.byKind.set(r.kind, (m = new Map()));
      m.set(keyOf(r.metadata.name, r.metadata.namespace), r);
      return r.kind;
    }
    const removed = this.byKind.get(e.kind)?.delete(keyOf(e.name, e.namespace));
    return removed ? e.kind : undefined;
  }

  get<K extends Kind>(kind: K, name: string, namespace?: string): ResourceOf<K> | undefined {
    return this.byKind.get(kind)?.get(keyOf(name, namespace)) as ResourceOf<K> | undefined;
  }

  list<K extends Kind>(kind: K): ResourceOf<K>[] {
    return [...(this.byKind.get(kind)?.values() ?? [])] as ResourceOf<K>[];
  }
}
