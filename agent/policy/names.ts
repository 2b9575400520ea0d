// Deterministic names and rule hashes, so that everything we write is
// recognisable as ours after a restart (ARCHITECTURE.md rule 9):
// - chains: `cali-` prefix, at most 28 characters (iptables allows 28); long
//   names keep their prefix and end in a hash;
// - ipsets: `cali40` (IPv4) / `cali60` (IPv6) + one letter for the kind + ':'
//   + 22 base64url characters of SHA-256 over what the set means (≤ 31 chars);
// - rules: every rule carries `--comment "cali:<16 chars>"`, a hash chained
//   over the chain name and all previous rules of the chain (Calico's scheme),
//   so comparing a chain with the kernel's copy is comparing hash lists.
import { createHash } from 'node:crypto';
import type { Family } from './model.js';

export const CHAIN_PREFIX = 'cali-';
export const MAX_CHAIN_NAME = 28;
export const COMMENT_PREFIX = 'cali:';
export const RULE_HASH_LEN = 16;

// names are asked for again on every render: remember them (bounded, cleared when full)
const memo = new Map<string, string>();
function b64(text: string): string {
  let h = memo.get(text);
  if (h === undefined) {
    if (memo.size > 200_000) memo.clear();
    h = createHash('sha256').update(text).digest('base64url');
    memo.set(text, h);
  }
  return h;
}

/** `cali-<kind>-<id>`, hashed down to 28 characters when longer. */
export function chainName(kind: string, id: string): string {
  const name = `${CHAIN_PREFIX}${kind}-${id}`;
  if (name.length <= MAX_CHAIN_NAME) return name;
  const head = `${CHAIN_PREFIX}${kind}-`;
  return `${head}${b64(id).slice(0, MAX_CHAIN_NAME - head.length)}`;
}

/** Policy chain of one direction: cali-pi-<hash> (ingress) / cali-po-<hash> (egress). */
export const policyChainName = (dir: 'in' | 'out', namespace: string, name: string): string =>
  `${CHAIN_PREFIX}p${dir === 'in' ? 'i' : 'o'}-${b64(`${namespace}/${name}`).slice(0, MAX_CHAIN_NAME - 8)}`;

/** Endpoint chains: cali-tw-<if> (to workload, its ingress) / cali-fw-<if> (from workload, its egress). */
export const endpointChainName = (dir: 'tw' | 'fw', ifname: string): string => chainName(dir, ifname);

export type SetKind = 's' | 'n' | 'p' | 'm';
/** s: pods by selector (hash:ip), n: CIDRs with nomatch holes (hash:net), p: named ports (hash:ip,port), m: pools */
export function ipsetName(family: Family, kind: SetKind, meaning: string): string {
  return `cali${family}0${kind}:${b64(meaning).slice(0, 22)}`;
}

export const isOurSetName = (name: string): boolean => /^cali[46]0/.test(name);
export const isOurChainName = (name: string): boolean => name.startsWith(CHAIN_PREFIX);

/** Hashes of a chain's rules, chained over the chain name and previous rules. */
export function ruleHashes(chain: string, specs: readonly string[]): string[] {
  const out: string[] = [];
  let prev = createHash('sha256').update(`chain ${chain}`).digest('base64url');
  for (const spec of specs) {
    prev = createHash('sha256').update(`${prev}\n${spec}`).digest('base64url');
    out.push(prev.slice(0, RULE_HASH_LEN));
  }
  return out;
}

/** Extracts our hash from an iptables-save rule line, or undefined for rules not written by us. */
export function commentHash(line: string): string | undefined {
  const m = /--comment "?cali:([A-Za-z0-9_-]{16})"?(\s|$)/.exec(line);
  return m?.[1];
}
