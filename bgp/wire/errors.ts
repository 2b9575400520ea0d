// Protocol errors are values (ARCHITECTURE.md rule 4). Every malformation a
// decoder finds becomes a WireError carrying the NOTIFICATION code, subcode and
// data the RFCs require, and the RFC 7606 §2 action the receiver takes:
//   session-reset     send the NOTIFICATION and close the session
//   afi-safi-disable  drop the family's routes from this peer (RFC 4760 §7, RFC 7606 §3j)
//   treat-as-withdraw withdraw every NLRI the UPDATE carries (RFC 7606 §2)
//   attribute-discard drop the attribute, keep the route (RFC 7606 §2)
// When several errors occur the strongest action wins (RFC 7606 §3g).
// Exceptions are reserved for programming errors (e.g. encoding a value that
// does not fit the wire format).

export type ErrorAction = 'attribute-discard' | 'treat-as-withdraw' | 'afi-safi-disable' | 'session-reset';

const SEVERITY: Readonly<Record<ErrorAction, number>> = {
  'attribute-discard': 1,
  'treat-as-withdraw': 2,
  'afi-safi-disable': 3,
  'session-reset': 4,
};

export interface WireError {
  readonly code: number;
  readonly subcode: number;
  /** NOTIFICATION data field (e.g. the offending attribute, the bad length). */
  readonly data: Buffer;
  readonly action: ErrorAction;
  /** What was wrong, in words a network engineer can act on. */
  readonly reason: string;
  /** Attribute type code the error concerns, when there is one. */
  readonly attrType?: number;
  /** For afi-safi-disable: the family to disable, e.g. "ipv6-unicast". */
  readonly family?: string;
}

const EMPTY = Buffer.alloc(0);

export function wireError(
  code: number,
  subcode: number,
  action: ErrorAction,
  reason: string,
  data: Buffer = EMPTY,
  extra?: { attrType?: number; family?: string },
): WireError {
  return { code, subcode, data, action, reason, ...extra };
}

/** The strongest action among errors (RFC 7606 §3g), or undefined if none. */
export function strongestAction(errors: readonly WireError[]): ErrorAction | undefined {
  let best: ErrorAction | undefined;
  for (const e of errors) if (best === undefined || SEVERITY[e.action] > SEVERITY[best]) best = e.action;
  return best;
}

export function isStronger(a: ErrorAction, b: ErrorAction): boolean {
  return SEVERITY[a] > SEVERITY[b];
}

/** Shared empty error list so that a clean decode allocates nothing for it. */
export const NO_ERRORS: readonly WireError[] = Object.freeze([]);

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: WireError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T>(error: WireError): Result<T> {
  return { ok: false, error };
}
