// Builders of the input we feed to `ipset restore` and `iptables-restore
// --noflush`, from desired state versus (cached or read back) kernel state:
// - ipsets: create missing sets, delete members no longer wanted, then add new
//   ones (removing first never widens an allow set; ipBlock sets never change
//   content since their name hashes it); destroy unused sets in a later step;
// - chains: for each table one transaction (atomic in the kernel) declaring
//   every changed or new chain (which flushes it) and appending its rules with
//   hash comments, and moving our hook to position 1 of the base chain when it
//   is missing, duplicated or not first; stale chains are flushed and deleted
//   in a separate, later transaction.
import type { ChainMap, DesiredChain, DesiredSet, Hook, Table } from './desired.js';
import type { ActualChain, ActualSet } from './kernel-state.js';
import { COMMENT_PREFIX, isOurChainName, ruleHashes } from './names.js';

const setFamily = (f: 4 | 6) => (f === 4 ? 'inet' : 'inet6');
const element = (member: string) => member.replace(/ nomatch$/, '');

export interface SetPlan { lines: string[]; created: string[]; added: number; removed: number; conflicts: string[] }

/** Creates and updates desired sets (deltas against actual). Sets of the wrong type are reported as conflicts. */
export function ipsetUpdate(desired: Map<string, DesiredSet>, actual: Map<string, ActualSet>): SetPlan {
  const plan: SetPlan = { lines: [], created: [], added: 0, removed: 0, conflicts: [] };
  for (const s of desired.values()) {
    const a = actual.get(s.name);
    if (a && (a.type !== s.type || a.family !== s.family)) {
      plan.conflicts.push(`ipset ${s.name} exists as ${a.type} family ${setFamily(a.family)}, wanted ${s.type} family ${setFamily(s.family)}`);
      continue;
    }
    if (!a) {
      plan.lines.push(`create ${s.name} ${s.type} family ${setFamily(s.family)} maxelem 1048576 -exist`);
      plan.created.push(s.name);
    }
    for (const m of a?.members ?? []) if (!s.members.has(m)) { plan.lines.push(`del ${s.name} ${element(m)} -exist`); plan.removed++; }
    for (const m of s.members) if (!a?.members.has(m)) { plan.lines.push(`add ${s.name} ${m} -exist`); plan.added++; }
  }
  return plan;
}

/** Destroys our sets that are not desired. */
export function ipsetDestroy(desired: Map<string, DesiredSet>, actual: Map<string, ActualSet>): string[] {
  return [...actual.keys()].filter((n) => !desired.has(n)).sort();
}

export const hookHash = (h: Hook): string => ruleHashes(`hook ${h.base}`, [`-j ${h.target}`])[0] as string;
const ruleLine = (chain: string, hash: string, spec: string) => `-A ${chain} -m comment --comment "${COMMENT_PREFIX}${hash}" ${spec}`;

export const chainInSync = (d: DesiredChain, a: ActualChain | undefined): boolean =>
  a !== undefined && a.hashes.length === d.hashes.length && a.hashes.every((h, i) => h === d.hashes[i]);

export interface ChainPlan { text: string; written: string[]; hooksFixed: number }

/** One table's write transaction, or empty text when nothing differs. */
export function chainWrites(table: Table, desired: ChainMap, actual: Map<string, ActualChain>, hooks: Hook[], only?: Set<string>): ChainPlan {
  const changed = [...desired.values()].filter((c) => (only === undefined || only.has(c.name)) && !chainInSync(c, actual.get(c.name)));
  const lines: string[] = [];
  for (const c of changed) lines.push(`:${c.name} - [0:0]`);
  for (const c of changed) c.rules.forEach((spec, i) => lines.push(ruleLine(c.name, c.hashes[i] as string, spec)));
  let hooksFixed = 0;
  for (const h of hooks.filter((x) => x.table === table)) {
    const hash = hookHash(h);
    const base = actual.get(h.base)?.hashes ?? [];
    const ours = base.flatMap((x, i) => (x !== undefined ? [i] : []));
    if (ours.length === 1 && ours[0] === 0 && base[0] === hash) continue;
    for (const i of ours.reverse()) lines.push(`-D ${h.base} ${i + 1}`);
    lines.push(`-I ${h.base} 1 -m comment --comment "${COMMENT_PREFIX}${hash}" -j ${h.target}`);
    hooksFixed++;
  }
  if (lines.length === 0) return { text: '', written: [], hooksFixed: 0 };
  return { text: `*${table}\n${lines.join('\n')}\nCOMMIT\n`, written: changed.map((c) => c.name), hooksFixed };
}

/** One table's delete transaction for our chains that are not desired (flush all first, then delete). */
export function chainDeletes(table: Table, desired: ChainMap, actual: Map<string, ActualChain>): { text: string; deleted: string[] } {
  const stale = [...actual.keys()].filter((n) => isOurChainName(n) && !desired.has(n)).sort();
  if (stale.length === 0) return { text: '', deleted: [] };
  const lines = [...stale.map((n) => `:${n} - [0:0]`), ...stale.map((n) => `-X ${n}`)];
  return { text: `*${table}\n${lines.join('\n')}\nCOMMIT\n`, deleted: stale };
}
