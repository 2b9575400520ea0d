// MP_REACH_NLRI and MP_UNREACH_NLRI (RFC 4760 §3-4): routes of any address
// family, carried as optional non-transitive attributes. Next hops: 4 octets
// (IPv4), 16 (IPv6 global) or 32 (IPv6 global + link-local, RFC 2545 §3);
// IPv4 NLRI may have IPv6 next hops (RFC 8950). Families not in the family
// registry are kept as opaque bytes for the session layer to judge.
// Errors (RFC 7606 §7.11-7.12, §5.3): a malformed attribute whose family is
// known disables that AFI/SAFI; when even the family cannot be read, the
// session is reset.

import { AttrType, UpdateSubcode } from '../constants.js';
import { isIpv6Text, readIpv4, readIpv6, writeIpv4, writeIpv6 } from '../address.js';
import { findFamily, familyName, type FamilyName, type FamilyRow } from '../families.js';
import { decodeNlri, nlriSize, writeNlri } from '../nlri.js';
import type { Prefix } from '../prefix.js';

export interface MpReach {
  readonly afi: number;
  readonly safi: number;
  /** One address, or IPv6 global then link-local. */
  readonly nextHop: readonly string[];
  readonly nlri: readonly Prefix[];
  /** Families outside the registry: next hop and NLRI octets as received. */
  readonly opaque?: { readonly nextHop: Buffer; readonly nlri: Buffer };
}

export interface MpUnreach {
  readonly afi: number;
  readonly safi: number;
  readonly withdrawn: readonly Prefix[];
  readonly opaque?: Buffer;
}

export interface MpProblem {
  /** Undefined when the family could not be read: the session must be reset. */
  readonly family?: string;
  readonly reason: string;
  readonly subcode: number;
}

export const MP_REACH_TYPE = AttrType.MP_REACH_NLRI;
export const MP_UNREACH_TYPE = AttrType.MP_UNREACH_NLRI;

export function decodeMpReach(v: Buffer, addPath: ReadonlySet<FamilyName>): MpReach | MpProblem {
  if (v.length < 5) return { reason: `MP_REACH_NLRI of ${v.length} octets is too short`, subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR };
  const afi = v.readUInt16BE(0);
  const safi = v[2]!;
  const nhLen = v[3]!;
  const row = findFamily(afi, safi);
  const name = familyName(afi, safi);
  if (5 + nhLen > v.length) {
    return { family: row ? name : undefined, reason: `MP_REACH_NLRI next hop length ${nhLen} runs past the attribute`, subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR };
  }
  const nlriStart = 5 + nhLen; // 4 fixed octets, next hop, 1 reserved octet
  if (!row) {
    return { afi, safi, nextHop: [], nlri: [], opaque: { nextHop: Buffer.from(v.subarray(4, 4 + nhLen)), nlri: Buffer.from(v.subarray(nlriStart)) } };
  }
  if (!row.nextHopLengths.includes(nhLen)) {
    return { family: name, reason: `MP_REACH_NLRI ${name} next hop length ${nhLen} (expected ${row.nextHopLengths.join(', ')})`, subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR };
  }
  const nextHop = nhLen === 4 ? [readIpv4(v, 4)] : nhLen === 16 ? [readIpv6(v, 4)] : [readIpv6(v, 4), readIpv6(v, 20)];
  const nlri: Prefix[] = [];
  const bad = decodeNlri(v, nlriStart, v.length, row.afi, addPath.has(row.name), nlri);
  if (bad) return { family: name, reason: `MP_REACH_NLRI ${name}: ${bad}`, subcode: UpdateSubcode.INVALID_NETWORK_FIELD };
  return { afi, safi, nextHop, nlri };
}

export function decodeMpUnreach(v: Buffer, addPath: ReadonlySet<FamilyName>): MpUnreach | MpProblem {
  if (v.length < 3) return { reason: `MP_UNREACH_NLRI of ${v.length} octets is too short`, subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR };
  const afi = v.readUInt16BE(0);
  const safi = v[2]!;
  const row = findFamily(afi, safi);
  if (!row) return { afi, safi, withdrawn: [], opaque: Buffer.from(v.subarray(3)) };
  const withdrawn: Prefix[] = [];
  const bad = decodeNlri(v, 3, v.length, row.afi, addPath.has(row.name), withdrawn);
  if (bad) return { family: row.name, reason: `MP_UNREACH_NLRI ${row.name}: ${bad}`, subcode: UpdateSubcode.INVALID_NETWORK_FIELD };
  return { afi, safi, withdrawn };
}

export function isMpProblem(x: MpReach | MpUnreach | MpProblem): x is MpProblem {
  return 'reason' in x;
}

function nextHopSize(nh: readonly string[]): number {
  let n = 0;
  for (const a of nh) n += isIpv6Text(a) ? 16 : 4;
  return n;
}

function familyOf(afi: number, safi: number): FamilyRow {
  const row = findFamily(afi, safi);
  if (!row) throw new RangeError(`family afi ${afi} safi ${safi} has no NLRI codec`);
  return row;
}

export function mpReachSize(m: MpReach, addPath: ReadonlySet<FamilyName>): number {
  if (m.opaque) return 5 + m.opaque.nextHop.length + m.opaque.nlri.length;
  const ap = addPath.has(familyOf(m.afi, m.safi).name);
  let n = 5 + nextHopSize(m.nextHop);
  for (const p of m.nlri) n += nlriSize(p, ap);
  return n;
}

/** Writes the MP_REACH_NLRI value (not the attribute header); returns the end offset. */
export function writeMpReach(m: MpReach, addPath: ReadonlySet<FamilyName>, buf: Buffer, off: number): number {
  buf.writeUInt16BE(m.afi, off);
  buf[off + 2] = m.safi;
  off = writeMpNextHop(m, buf, off + 3);
  if (m.opaque) return off + m.opaque.nlri.copy(buf, off);
  const ap = addPath.has(familyOf(m.afi, m.safi).name);
  for (const p of m.nlri) off = writeNlri(p, ap, buf, off);
  return off;
}

/** Writes next hop length, next hop and the reserved octet; returns the offset of the NLRI. */
export function writeMpNextHop(m: Pick<MpReach, 'nextHop' | 'opaque'>, buf: Buffer, off: number): number {
  if (m.opaque) {
    buf[off++] = m.opaque.nextHop.length;
    off += m.opaque.nextHop.copy(buf, off);
  } else {
    buf[off++] = nextHopSize(m.nextHop);
    for (const a of m.nextHop) {
      if (isIpv6Text(a)) { writeIpv6(a, buf, off); off += 16; } else { writeIpv4(a, buf, off); off += 4; }
    }
  }
  buf[off++] = 0;
  return off;
}

export function mpUnreachSize(m: MpUnreach, addPath: ReadonlySet<FamilyName>): number {
  if (m.opaque) return 3 + m.opaque.length;
  const ap = addPath.has(familyOf(m.afi, m.safi).name);
  let n = 3;
  for (const p of m.withdrawn) n += nlriSize(p, ap);
  return n;
}

export function writeMpUnreach(m: MpUnreach, addPath: ReadonlySet<FamilyName>, buf: Buffer, off: number): number {
  buf.writeUInt16BE(m.afi, off);
  buf[off + 2] = m.safi;
  off += 3;
  if (m.opaque) return off + m.opaque.copy(buf, off);
  const ap = addPath.has(familyOf(m.afi, m.safi).name);
  for (const p of m.withdrawn) off = writeNlri(p, ap, buf, off);
  return off;
}
