// Attribute layout: how a received UPDATE arranged its attributes when that
// differs from our canonical form (MP_REACH_NLRI, MP_UNREACH_NLRI, then
// ascending type code; Extended Length only when the value exceeds 255
// octets; Partial clear on attributes we implement). Kept only so that a
// received message re-encodes to the same bytes (golden fixtures from BIRD,
// FRR and GoBGP); routes never depend on it.

export interface AttributeLayout {
  /** Type codes in the order they were received. */
  readonly order: readonly number[];
  /** Types sent with Extended Length although the value fit in 255 octets. */
  readonly extendedLength: readonly number[];
  /** Implemented optional transitive attributes received with Partial set. */
  readonly partial: readonly number[];
}

/** Canonical position of a type code: MP attributes first, then by code. */
export function canonicalRank(type: number): number {
  return type === 14 ? 0 : type === 15 ? 1 : type + 2;
}
