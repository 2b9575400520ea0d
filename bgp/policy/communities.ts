// Text forms of BGP communities for configuration and logs.
//   COMMUNITIES (RFC 1997): 32-bit values written "asn:value" (two 16-bit
//   halves), or as a plain 32-bit number, or by the name of a well-known
//   community: NO_EXPORT, NO_ADVERTISE, NO_EXPORT_SUBCONFED (RFC 1997),
//   NOPEER (RFC 3765), BLACKHOLE (RFC 7999), GRACEFUL_SHUTDOWN (RFC 8326),
//   LLGR_STALE and NO_LLGR (RFC 9494). Names are matched case-insensitively
//   and formatted in lower case with hyphens.
//   LARGE_COMMUNITY (RFC 8092 §3): three 32-bit values "global:local1:local2".
// Parsing is strict (decimal digits only, every part in range) and returns
// undefined on bad text; explainCommunity / explainLargeCommunity say why,
// for configuration messages. Formatting a value that is not one throws
// (a programming error, not input).

import type { LargeCommunity } from '../wire/index.js';

const U16 = 0xffff;
const U32 = 0xffffffff;

export const WELL_KNOWN_COMMUNITIES: ReadonlyMap<string, number> = new Map([
  ['graceful-shutdown', 0xffff0000],
  ['llgr-stale', 0xffff0006],
  ['no-llgr', 0xffff0007],
  ['blackhole', 0xffff029a],
  ['no-export', 0xffffff01],
  ['no-advertise', 0xffffff02],
  ['no-export-subconfed', 0xffffff03],
  ['no-peer', 0xffffff04],
]);

const nameOf = new Map<number, string>([...WELL_KNOWN_COMMUNITIES].map(([name, value]) => [value, name]));

const PAIR = /^(\d{1,5}):(\d{1,5})$/;
const NUMBER = /^\d{1,10}$/;
const TRIPLE = /^(\d{1,10}):(\d{1,10}):(\d{1,10})$/;

/** "64512:100", a well-known name (any case) or a plain 32-bit number; undefined when it is none of these. */
export function parseCommunity(text: string): number | undefined {
  const known = WELL_KNOWN_COMMUNITIES.get(text.toLowerCase());
  if (known !== undefined) return known;
  const m = PAIR.exec(text);
  if (m) {
    const hi = Number(m[1]);
    const lo = Number(m[2]);
    return hi <= U16 && lo <= U16 ? hi * 0x10000 + lo : undefined;
  }
  if (NUMBER.test(text)) {
    const n = Number(text);
    return n <= U32 ? n : undefined;
  }
  return undefined;
}

/** Well-known values by name, others "asn:value". */
export function formatCommunity(c: number): string {
  if (!Number.isInteger(c) || c < 0 || c > U32) throw new RangeError(`not a community value: ${c}`);
  return nameOf.get(c) ?? `${Math.floor(c / 0x10000)}:${c % 0x10000}`;
}

/** "4200000001:1:2"; undefined unless three decimal numbers, each 0..4294967295. */
export function parseLargeCommunity(text: string): LargeCommunity | undefined {
  const m = TRIPLE.exec(text);
  if (!m) return undefined;
  const a = Number(m[1]);
  const b = Number(m[2]);
  const c = Number(m[3]);
  return a <= U32 && b <= U32 && c <= U32 ? [a, b, c] : undefined;
}

export function formatLargeCommunity(c: LargeCommunity): string {
  for (const v of c) if (!Number.isInteger(v) || v < 0 || v > U32) throw new RangeError(`not a large community: ${String(c)}`);
  return `${c[0]}:${c[1]}:${c[2]}`;
}

/** Why `text` is not a community, in words a person can act on. */
export function explainCommunity(text: string): string {
  const m = PAIR.exec(text);
  if (m) {
    const bad = Number(m[1]) > U16 ? `the AS part ${m[1]}` : `the value part ${m[2]}`;
    return `${bad} of "${text}" is above 65535; a standard community is two 16-bit numbers ` +
      `(use a large community "asn:x:y" for 4-octet AS numbers)`;
  }
  if (TRIPLE.test(text)) return `"${text}" has three parts: that is a large community; list it under the large community field`;
  if (NUMBER.test(text)) return `${text} is above 4294967295, the largest 32-bit community`;
  return `"${text}" is not a community; expected "asn:value" with both parts 0..65535 (e.g. "64512:100"), ` +
    `a 32-bit number, or one of ${[...WELL_KNOWN_COMMUNITIES.keys()].join(', ')}`;
}

/** Why `text` is not a large community. */
export function explainLargeCommunity(text: string): string {
  const m = TRIPLE.exec(text);
  if (m) {
    const i = [m[1], m[2], m[3]].findIndex((p) => Number(p) > U32);
    return `part ${i + 1} of "${text}" is above 4294967295; each part of a large community is a 32-bit number`;
  }
  if (PAIR.test(text) || parseCommunity(text) !== undefined) {
    return `"${text}" is a standard community; a large community has three parts "global:local1:local2" (e.g. "4200000001:1:2")`;
  }
  return `"${text}" is not a large community; expected three 32-bit numbers "global:local1:local2" (e.g. "4200000001:1:2")`;
}
