// Prefix arithmetic shared by the agent (policy ipBlocks, IPAM pools and
// blocks, the calculation graph, datastore validation): parse and validate,
// address bits, canonical text (network address, compressed IPv6, RFC 5952),
// containment, and the split of a /0 into two /1s (ipset hash:net cannot hold
// a zero-length prefix). Bits are bigint so IPv6 is exact.
import { isIPv4, isIPv6 } from 'node:net';

export type Family = 4 | 6;

export interface Cidr { family: Family; bits: bigint; len: number }

/** The bits of an address of a known family. */
export function toBits(addr: string, family: Family): bigint {
  if (family === 4) return addr.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
  const [head = '', tail] = addr.split('::');
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').flatMap((g) =>
    (g.includes('.') ? (() => { const v = Number(toBits(g, 4)); return [v >>> 16, v & 0xffff]; })() : [parseInt(g, 16)])));
  const h = parse(head);
  const t = tail === undefined ? [] : parse(tail);
  const groups = tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

function fromBits(bits: bigint, family: Family): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => Number((bits >> s) & 0xffn)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => Number((bits >> BigInt(112 - 16 * i)) & 0xffffn));
  // longest run of zero groups (length ≥ 2) becomes "::" (RFC 5952)
  let best = -1; let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i; while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

export const familyOf = (addr: string): Family | undefined => (isIPv4(addr) ? 4 : isIPv6(addr) ? 6 : undefined);

/** Parses "addr[/len]"; throws a readable error. Host bits must be zero unless `allowHostBits`. */
export function parseCidr(text: string, allowHostBits = false): Cidr {
  const [addr = '', lenText, extra] = String(text).split('/');
  const family = familyOf(addr);
  if (family === undefined || extra !== undefined) throw new Error(`invalid CIDR ${JSON.stringify(text)}`);
  const max = family === 4 ? 32 : 128;
  const len = lenText === undefined ? max : /^\d{1,3}$/.test(lenText) ? Number(lenText) : NaN;
  if (!Number.isInteger(len) || len < 0 || len > max) throw new Error(`invalid prefix length in CIDR ${JSON.stringify(text)}`);
  const bits = toBits(addr, family);
  const mask = ((1n << BigInt(len)) - 1n) << BigInt(max - len);
  if (!allowHostBits && (bits & ~mask) !== 0n) throw new Error(`CIDR ${JSON.stringify(text)} has host bits set (network is ${fromBits(bits & mask, family)}/${len})`);
  return { family, bits: bits & mask, len };
}

export const formatCidr = (c: Cidr): string => `${fromBits(c.bits, c.family)}/${c.len}`;

/** Canonical address text (IPv6 compressed lower case), or undefined when not an IP address. */
export function canonicalAddr(addr: string): string | undefined {
  const family = familyOf(addr);
  return family === undefined ? undefined : fromBits(toBits(addr, family), family);
}

/** Whether inner lies inside outer (same family, not shorter). */
export function contains(outer: Cidr, inner: Cidr): boolean {
  if (outer.family !== inner.family || inner.len < outer.len) return false;
  const max = outer.family === 4 ? 32 : 128;
  return (inner.bits >> BigInt(max - outer.len)) === (outer.bits >> BigInt(max - outer.len)) || outer.len === 0;
}

/** ipset hash:net entries for a CIDR: a /0 becomes its two halves; host routes lose their /32 or /128 (as ipset lists them). */
export function setEntries(c: Cidr): string[] {
  const max = c.family === 4 ? 32 : 128;
  if (c.len === 0) return [`${fromBits(0n, c.family)}/1`, `${fromBits(1n << BigInt(max - 1), c.family)}/1`];
  return [c.len === max ? fromBits(c.bits, c.family) : formatCidr(c)];
}

/** `inner` lies inside `outer`, both as text; false when either is not a CIDR. */
export function cidrContains(outer: string, inner: string): boolean {
  try {
    return contains(parseCidr(outer, true), parseCidr(inner, true));
  } catch {
    return false;
  }
}
