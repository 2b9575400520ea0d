// ROUTE-REFRESH (RFC 2918 §3): AFI (2), subtype (1), SAFI (1). Subtypes of
// enhanced route refresh (RFC 7313 §3): 0 normal request, 1 BoRR, 2 EoRR.
// Subtypes 1 and 2 must be exactly 4 octets long, else ROUTE-REFRESH Message
// Error / Invalid Message Length with the message as data (RFC 7313 §5).
// Other subtypes are ignored (RFC 7313 §5): decode returns undefined.
// Octets after a subtype-0 request (ORF entries, RFC 5291) are kept.

import { ErrorCode, HEADER_LENGTH, MessageType, RouteRefreshSubcode } from './constants.js';
import { wireError, type Result } from './errors.js';
import { allocMessage } from './header.js';

export const RefreshSubtype = { REQUEST: 0, BORR: 1, EORR: 2 } as const;

export interface RouteRefreshMessage {
  readonly kind: 'route-refresh';
  readonly afi: number;
  readonly safi: number;
  readonly subtype: number;
  /** ORF entries of a subtype-0 request (RFC 5291), kept as received. */
  readonly orf?: Buffer;
}

export function decodeRouteRefresh(msg: Buffer): Result<RouteRefreshMessage | undefined> {
  const afi = msg.readUInt16BE(19);
  const subtype = msg[21]!;
  const safi = msg[22]!;
  if (subtype > 2) return { ok: true, value: undefined };
  if (subtype !== 0 && msg.length !== HEADER_LENGTH + 4) {
    return { ok: false, error: wireError(ErrorCode.ROUTE_REFRESH, RouteRefreshSubcode.INVALID_MESSAGE_LENGTH, 'session-reset',
      `ROUTE-REFRESH subtype ${subtype} has length ${msg.length}, expected 23`, Buffer.from(msg)) };
  }
  const m: RouteRefreshMessage = msg.length > 23
    ? { kind: 'route-refresh', afi, safi, subtype, orf: Buffer.from(msg.subarray(23)) }
    : { kind: 'route-refresh', afi, safi, subtype };
  return { ok: true, value: m };
}

export function encodeRouteRefresh(m: Omit<RouteRefreshMessage, 'kind'>): Buffer {
  const extra = m.orf?.length ?? 0;
  const buf = allocMessage(HEADER_LENGTH + 4 + extra, MessageType.ROUTE_REFRESH);
  buf.writeUInt16BE(m.afi, 19);
  buf[21] = m.subtype;
  buf[22] = m.safi;
  m.orf?.copy(buf, 23);
  return buf;
}
