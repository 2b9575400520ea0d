// The renderer's output and the applier's input: desired ipsets (name →
// family, type, members in ipset's own listing form) and desired chains per
// family and table (rule specs without their comment, plus the chained rule
// hashes), the hooks from the kernel's base chains into our top chains, and
// the failures that made endpoints fail closed.
import type { Family } from './model.js';
import { ruleHashes } from './names.js';

export type SetType = 'hash:ip' | 'hash:net' | 'hash:ip,port';
export type Table = 'filter' | 'nat';
export const TABLES: readonly Table[] = ['filter', 'nat'];
export const FAMILIES: readonly Family[] = [4, 6];

export interface DesiredSet {
  name: string;
  family: Family;
  type: SetType;
  /** entries as `ipset save` prints them ("100.64.0.1", "100.64.0.0/29", "10.0.0.0/8 nomatch", "100.64.0.1,tcp:80") */
  members: Set<string>;
}

export interface DesiredChain {
  name: string;
  /** rule specs (matches and target), without the hash comment */
  rules: string[];
  /** chained hashes, one per rule (names.ts ruleHashes) */
  hashes: string[];
}

/** A jump from a kernel base chain (FORWARD, INPUT, POSTROUTING) into our top chain, kept at position 1. */
export interface Hook { table: Table; base: string; target: string }

export interface RenderFailure {
  kind: 'policy' | 'endpoint' | 'pool';
  /** "namespace/name" of a policy, key of an endpoint */
  key: string;
  errors: string[];
  /** keys of the local endpoints that fail closed because of it */
  endpoints: string[];
}

export type ChainMap = Map<string, DesiredChain>;

export interface DesiredState {
  sets: Map<string, DesiredSet>;
  chains: Record<Family, Record<Table, ChainMap>>;
  hooks: Hook[];
  failures: RenderFailure[];
}

export const emptyChains = (): Record<Family, Record<Table, ChainMap>> => ({
  4: { filter: new Map(), nat: new Map() },
  6: { filter: new Map(), nat: new Map() },
});

/** Memo of rule hashes by chain content: unchanged chains are not re-hashed on every render. */
export class ChainHasher {
  private prev = new Map<string, string[]>();
  private next = new Map<string, string[]>();

  chain(name: string, rules: string[]): DesiredChain {
    const key = `${name}\n${rules.join('\n')}`;
    const hashes = this.prev.get(key) ?? this.next.get(key) ?? ruleHashes(name, rules);
    this.next.set(key, hashes);
    return { name, rules, hashes };
  }

  /** Ends a render: forgets chains that were not produced by it. */
  generation(): void { this.prev = this.next; this.next = new Map(); }
}
