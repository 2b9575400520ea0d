// What a session negotiated that changes the wire format. Always passed
// explicitly to decoders and encoders; never global state (ARCHITECTURE.md
// rule 2). Decoders take the receive side, encoders the send side:
//   as4              both OPENs carried the 4-octet AS capability (RFC 6793)
//   addPath          families whose NLRI carry path identifiers in this
//                    direction (RFC 7911: our send/receive x peer's receive/send)
//   extendedMessage  both sides announced RFC 8654: messages up to 65535 octets

import { MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH } from './constants.js';
import type { FamilyName } from './families.js';

export interface WireOptions {
  readonly as4: boolean;
  readonly addPath: ReadonlySet<FamilyName>;
  readonly extendedMessage: boolean;
}

export const NO_ADD_PATH: ReadonlySet<FamilyName> = new Set();

export function wireOptions(o: Partial<WireOptions> = {}): WireOptions {
  return { as4: o.as4 ?? true, addPath: o.addPath ?? NO_ADD_PATH, extendedMessage: o.extendedMessage ?? false };
}

export function maxMessageLength(o: WireOptions): number {
  return o.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
}
