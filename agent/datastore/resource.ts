// Helpers shared by the datastore backends: the identity of a resource
// (kind + namespace + name, like a Kubernetes object key), deep copies that
// are frozen before they are stored or handed out (readers may keep them, no
// one can change them behind the store's back), and a short description for
// error messages ("IPPool pool-a", "WorkloadEndpoint ns-a/wep-1").
import { NAMESPACED, type Kind, type Resource } from './types.js';

export function resourceKey(kind: Kind, name: string, namespace?: string): string {
  return NAMESPACED.has(kind) ? `${kind}/${namespace ?? ''}/${name}` : `${kind}//${name}`;
}

export const keyOf = (r: Resource): string => resourceKey(r.kind, r.metadata.name, r.metadata.namespace);

export function describe(kind: string, name: string, namespace?: string): string {
  return namespace !== undefined && namespace !== '' ? `${kind} ${namespace}/${name}` : `${kind} ${name}`;
}

export const describeResource = (r: Resource): string => describe(r.kind, r.metadata?.name, r.metadata?.namespace);

/** Freezes a plain-data value and everything reachable from it, in place. */
export function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v as object)) deepFreeze(x);
  }
  return v;
}

/** A frozen deep copy of plain data (JSON-shaped: resources never hold functions, dates or cycles). */
export function frozenCopy<T>(v: T): T {
  return deepFreeze(structuredClone(v));
}

/**
 * Structural equality of JSON-shaped data; key order does not matter.
 * Used by the file backend to tell which resources changed between reads.
 */
export function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameData(a[i], bb[i])) return false;
    return true;
  }
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!sameData((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}
