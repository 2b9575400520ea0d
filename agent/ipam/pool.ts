// Pool and block address arithmetic for IPAM (Calico's IPPool → blocks
// model): a pool CIDR is cut into aligned blocks of 2^(max - blockSize)
// addresses; a block's i-th address is its network address + i (the
// "ordinal" stored in IPAMBlock.allocations). Block resources are named after
// their CIDR with '/' and ':' turned into '-' (Calico's names, and valid
// Kubernetes object names for IPv6 too). Numbers are bigint so that IPv6
// pools of any size can be indexed without enumerating them.
import { formatCidr, parseCidr as parseCidrText, type Cidr } from '../net/cidr.js';
import type { IPPoolSpec, ResourceOf } from '../datastore/types.js';

export type Family = 4 | 6;

/** Calico's accepted block sizes: IPv4 /20../32, IPv6 /116../128 (at most 4096 addresses per block). */
export const BLOCK_SIZE_RANGE: Readonly<Record<Family, readonly [number, number]>> = { 4: [20, 32], 6: [116, 128] };
export const DEFAULT_BLOCK_SIZE: Readonly<Record<Family, number>> = { 4: 26, 6: 122 };

export interface PoolInfo {
  readonly name: string;
  readonly cidr: Cidr;
  readonly cidrText: string;
  readonly family: Family;
  readonly blockSize: number;
  /** Number of blocks in the pool. */
  readonly blocks: bigint;
  readonly spec: IPPoolSpec;
}

const maxLen = (f: Family): number => (f === 4 ? 32 : 128);

/** Reads a pool resource; throws a readable error when its cidr or blockSize is invalid. */
export function poolInfo(pool: ResourceOf<'IPPool'>): PoolInfo {
  const where = `IPPool ${pool.metadata.name}`;
  let cidr: Cidr;
  try {
    cidr = parseCidrText(pool.spec.cidr);
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
  const family = cidr.family;
  const blockSize = pool.spec.blockSize ?? DEFAULT_BLOCK_SIZE[family];
  const [lo, hi] = BLOCK_SIZE_RANGE[family];
  if (!Number.isInteger(blockSize) || blockSize < lo || blockSize > hi) {
    throw new Error(`${where}: blockSize ${blockSize} out of range for IPv${family} (${lo}..${hi})`);
  }
  if (blockSize < cidr.len) throw new Error(`${where}: blockSize /${blockSize} is larger than the pool ${formatCidr(cidr)}`);
  return { name: pool.metadata.name, cidr, cidrText: formatCidr(cidr), family, blockSize, blocks: 1n << BigInt(blockSize - cidr.len), spec: pool.spec };
}

/** The k-th block of a pool (0-based). */
export function blockCidr(pool: PoolInfo, k: bigint): Cidr {
  if (k < 0n || k >= pool.blocks) throw new RangeError(`block index ${k} outside ${pool.cidrText}`);
  return { family: pool.family, bits: pool.cidr.bits + (k << BigInt(maxLen(pool.family) - pool.blockSize)), len: pool.blockSize };
}

/** Number of addresses in a block CIDR. */
export const blockLength = (c: Cidr): number => 2 ** (maxLen(c.family) - c.len);

/** The address text of ordinal `i` inside block `c`. */
export function addressAt(c: Cidr, i: number): string {
  const text = formatCidr({ family: c.family, bits: c.bits + BigInt(i), len: maxLen(c.family) });
  return text.slice(0, text.lastIndexOf('/'));
}

/** The ordinal of `addr` in block `c`, or undefined when outside it. */
export function ordinalOf(c: Cidr, addr: string): number | undefined {
  let a: Cidr;
  try { a = parseCidr(addr); } catch { return undefined; }
  if (a.family !== c.family) return undefined;
  const off = a.bits - c.bits;
  return off >= 0n && off < BigInt(blockLength(c)) ? Number(off) : undefined;
}

/** Host prefix text for an address ("/32" or "/128"). */
export const hostPrefix = (addr: string, family: Family): string => `${addr}/${maxLen(family)}`;

/** Resource name of the block with this CIDR: "100.64.0.0/26" → "100.64.0.0-26", "2001:db8::/122" → "2001-db8---122". */
export const blockName = (cidrText: string): string => cidrText.replace(/[/:]/g, '-');

/** Resource name of a node's affinity to a block. */
export const affinityName = (node: string, cidrText: string): string => `${node}-${blockName(cidrText)}`;

const parsed = new Map<string, Cidr>();

/** parseCidr of agent/policy/cidr.ts, memoised: block CIDRs are parsed on every pass over the blocks. */
export function parseCidr(text: string): Cidr {
  let c = parsed.get(text);
  if (c === undefined) {
    c = Object.freeze(parseCidrText(text));
    if (parsed.size >= 65_536) parsed.clear();
    parsed.set(text, c);
  }
  return c;
}

export { formatCidr, type Cidr };
