// What the kernel holds, as far as we care: parsed from `iptables-save -t
// <table>` (chains and, per rule, our hash comment or nothing) and `ipset
// save` (our sets with type, family and members). Only hashes are compared —
// never rule text, which iptables-save reorders — so a rule anyone else put
// into one of our chains shows up as a rule without a hash and the chain gets
// rewritten. Foreign chains are recorded only for their hooks into ours.
import type { SetType, Table } from './desired.js';
import type { Family } from './model.js';
import { commentHash, isOurChainName, isOurSetName } from './names.js';

export interface ActualChain {
  /** per rule: our hash, or undefined for a rule we did not write */
  hashes: (string | undefined)[];
}

export interface ActualSet { name: string; family: Family; type: string; members: Set<string> }

export type ActualTables = Record<Family, Record<Table, Map<string, ActualChain>>>;

export interface ActualState {
  chains: ActualTables;
  sets: Map<string, ActualSet>;
}

/** Parses one table of iptables-save output. Returns every chain (ours and base chains). */
export function parseIptablesSave(text: string, table: Table): Map<string, ActualChain> {
  const chains = new Map<string, ActualChain>();
  let inTable = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) { inTable = line.slice(1).trim() === table; continue; }
    if (!inTable) continue;
    if (line.startsWith(':')) {
      const name = line.slice(1).split(' ')[0] ?? '';
      if (!chains.has(name)) chains.set(name, { hashes: [] });
    } else if (line.startsWith('-A ')) {
      const name = line.slice(3).split(' ')[0] ?? '';
      let c = chains.get(name);
      if (!c) { c = { hashes: [] }; chains.set(name, c); }
      c.hashes.push(commentHash(line));
    }
  }
  return chains;
}

/** Parses `ipset save` output, keeping only our sets. Members are kept as printed. */
export function parseIpsetSave(text: string): Map<string, ActualSet> {
  const sets = new Map<string, ActualSet>();
  for (const line of text.split('\n')) {
    const words = line.trim().split(/\s+/);
    const [verb, name] = words;
    if (name === undefined || !isOurSetName(name)) continue;
    if (verb === 'create') {
      const fi = words.indexOf('family');
      sets.set(name, { name, type: words[2] ?? '', family: words[fi + 1] === 'inet6' ? 6 : 4, members: new Set() });
    } else if (verb === 'add') {
      sets.get(name)?.members.add(words.slice(2).join(' '));
    }
  }
  return sets;
}

export const ourChains = (m: Map<string, ActualChain>): string[] => [...m.keys()].filter(isOurChainName);

export const setTypeMatches = (actual: ActualSet, type: SetType, family: Family): boolean => actual.type === type && actual.family === family;
