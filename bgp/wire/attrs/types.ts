// The decoded path attribute set (RFC 4271 §5 and the RFCs of each optional
// attribute). Immutable plain data, so that the RIB can intern identical sets.
// MP_REACH_NLRI / MP_UNREACH_NLRI carry routes, not attributes of a route, so
// they live on the UPDATE (update.ts), not here.

export const Origin = { IGP: 0, EGP: 1, INCOMPLETE: 2 } as const;
export type Origin = (typeof Origin)[keyof typeof Origin];

export const AsSegment = { AS_SET: 1, AS_SEQUENCE: 2, AS_CONFED_SEQUENCE: 3, AS_CONFED_SET: 4 } as const;

export interface AsPathSegment {
  /** AsSegment.AS_SET .. AS_CONFED_SET */
  readonly type: number;
  readonly asns: readonly number[];
}

export interface Aggregator {
  readonly asn: number;
  readonly address: string;
}

/** RFC 8092: global administrator, local data 1, local data 2. */
export type LargeCommunity = readonly [number, number, number];

/** An attribute this speaker does not implement, kept byte for byte (RFC 4271 §5). */
export interface UnknownAttribute {
  readonly type: number;
  /** Flags as received. Optional transitive ones are forwarded with Partial set. */
  readonly flags: number;
  readonly value: Buffer;
}

export interface PathAttributes {
  readonly origin?: Origin;
  readonly asPath?: readonly AsPathSegment[];
  /** IPv4 NEXT_HOP attribute (type 3). MP next hops are on MP_REACH_NLRI. */
  readonly nextHop?: string;
  readonly med?: number;
  readonly localPref?: number;
  readonly atomicAggregate?: true;
  readonly aggregator?: Aggregator;
  /** RFC 1997, each a 32-bit value (ASN << 16 | value). */
  readonly communities?: readonly number[];
  readonly originatorId?: string;
  readonly clusterList?: readonly string[];
  /** RFC 4360, each the 8 octets as an unsigned 64-bit value. */
  readonly extCommunities?: readonly bigint[];
  /** RFC 6793: only on sessions without 4-octet AS; see as4.ts for the merge. */
  readonly as4Path?: readonly AsPathSegment[];
  readonly as4Aggregator?: Aggregator;
  readonly largeCommunities?: readonly LargeCommunity[];
  readonly unknown?: readonly UnknownAttribute[];
}
