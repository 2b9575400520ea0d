// Public entry of the wire codec (bgp/wire): pure functions over Buffer for
// every BGP message this speaker exchanges. No I/O, no timers; what a session
// negotiated is passed in as WireOptions.

export * from './constants.js';
export * from './errors.js';
export * from './address.js';
export { Prefix, AFI_IPV4, AFI_IPV6, tryParsePrefix, type Afi } from './prefix.js';
export * from './families.js';
export * from './options.js';
export { Framer, type FrameResult } from './framer.js';
export { decodeMessage, encodeMessage, encodeKeepalive, type Message, type KeepaliveMessage, type DecodeResult } from './message.js';
export { decodeOpen, encodeOpen, makeOpen, openAsn, type OpenMessage } from './open.js';
export { negotiateWire, type NegotiatedWire } from './negotiate.js';
export { decodeUpdate, encodeUpdate, endOfRib, endOfRibFamily, mpFamily, type UpdateMessage, type DecodedUpdate } from './update.js';
export * from './notification.js';
export * from './route-refresh.js';
export { packAnnouncements, packWithdrawals } from './pack.js';
export { mergeAs4, asPathLength } from './as4.js';
export { forwardableAttributes } from './attrs/forward.js';
export { attributesForSession, encodeAttributes } from './attrs/encode.js';
export type { AttributeLayout } from './attrs/layout.js';
export type { MpReach, MpUnreach } from './attrs/mp.js';
export { ATTRIBUTE_ROWS, attributeRow } from './attrs/registry.js';
export * from './attrs/types.js';
export { CAPABILITY_ROWS } from './caps/registry.js';
export * from './caps/types.js';
