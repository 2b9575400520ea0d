// The little CIDR handling validation needs: "addr/len" parsed into family,
// address bits and prefix length (RFC 4632 notation; IPv6 text per RFC 4291
// §2.2, including an embedded IPv4 tail), with the host bits checked and the
// validation's own messages; the bit arithmetic is agent/net/cidr.ts.
import { isIPv4, isIPv6 } from 'node:net';
import { toBits } from '../net/cidr.js';

export interface ParsedCidr {
  readonly family: 4 | 6;
  readonly bits: bigint;
  readonly len: number;
}

export const familyOf = (addr: string): 4 | 6 | undefined => (isIPv4(addr) ? 4 : isIPv6(addr) ? 6 : undefined);

/** An address's bits, or undefined when it is not an IP address. */
export function addressBits(addr: string): { family: 4 | 6; bits: bigint } | undefined {
  const family = familyOf(addr);
  if (family === undefined) return undefined;
  return { family, bits: toBits(addr, family) };
}

/**
 * Parses "addr/len" (the length is required). Throws an Error with a readable
 * message; host bits must be zero unless `allowHostBits` (interface addresses
 * such as a node's "198.18.1.1/24").
 */
export function parseCidr(text: unknown, allowHostBits = false): ParsedCidr {
  if (typeof text !== 'string') throw new Error(`must be a CIDR string (got ${JSON.stringify(text)})`);
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const lenText = slash < 0 ? undefined : text.slice(slash + 1);
  const a = addressBits(addr);
  if (a === undefined) throw new Error(`${JSON.stringify(text)} is not a CIDR (bad address)`);
  const max = a.family === 4 ? 32 : 128;
  if (lenText === undefined || !/^\d{1,3}$/.test(lenText) || Number(lenText) > max) {
    throw new Error(`${JSON.stringify(text)} is not a CIDR (prefix length must be 0..${max})`);
  }
  const len = Number(lenText);
  const hostMask = (1n << BigInt(max - len)) - 1n;
  if (!allowHostBits && (a.bits & hostMask) !== 0n) throw new Error(`${JSON.stringify(text)} has host bits set`);
  return { family: a.family, bits: a.bits & ~hostMask, len };
}

export const maxLen = (family: 4 | 6): number => (family === 4 ? 32 : 128);
