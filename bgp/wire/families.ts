// Address-family registry (ARCHITECTURE.md rule 3: one row per family).
// A row says how the family's NLRI and MP_REACH next hops are encoded
// (RFC 4760 §3-4; RFC 2545 §3 for IPv6 global + link-local next hops;
// RFC 8950 for IPv6 next hops of IPv4 NLRI).

import { AFI_IPV4, AFI_IPV6, type Afi } from './prefix.js';

export const SAFI_UNICAST = 1;

export type FamilyName = 'ipv4-unicast' | 'ipv6-unicast';

export interface FamilyRow {
  readonly name: FamilyName;
  readonly afi: Afi;
  readonly safi: number;
  /** Longest prefix length. */
  readonly maxLength: number;
  /** Next hop lengths allowed in MP_REACH_NLRI. */
  readonly nextHopLengths: readonly number[];
}

export const FAMILIES: readonly FamilyRow[] = [
  { name: 'ipv4-unicast', afi: AFI_IPV4, safi: SAFI_UNICAST, maxLength: 32, nextHopLengths: [4, 16, 32] },
  { name: 'ipv6-unicast', afi: AFI_IPV6, safi: SAFI_UNICAST, maxLength: 128, nextHopLengths: [16, 32] },
];

const byKey = new Map<number, FamilyRow>(FAMILIES.map((f) => [familyKey(f.afi, f.safi), f]));
const byName = new Map<string, FamilyRow>(FAMILIES.map((f) => [f.name, f]));

export function familyKey(afi: number, safi: number): number {
  return afi * 256 + safi;
}

export function findFamily(afi: number, safi: number): FamilyRow | undefined {
  return byKey.get(familyKey(afi, safi));
}

export function familyByName(name: string): FamilyRow | undefined {
  return byName.get(name);
}

/** "ipv4-unicast" for known families, "afi-25-safi-70" for others. */
export function familyName(afi: number, safi: number): string {
  return findFamily(afi, safi)?.name ?? `afi-${afi}-safi-${safi}`;
}
