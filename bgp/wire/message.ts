// Decoding and encoding whole messages: dispatch on the header's type.
// decodeMessage never throws on input; it returns a typed result:
//   ok + message (+ RFC 7606 errors for UPDATEs), or ok + undefined for a
//   message to ignore (unknown ROUTE-REFRESH subtype), or a WireError.

import { HEADER_LENGTH, MessageType } from './constants.js';
import { NO_ERRORS, type WireError } from './errors.js';
import { allocMessage, checkHeader, lengthError } from './header.js';
import { decodeNotification, encodeNotification, type NotificationMessage } from './notification.js';
import { decodeOpen, encodeOpen, type OpenMessage } from './open.js';
import { maxMessageLength, type WireOptions } from './options.js';
import { decodeRouteRefresh, encodeRouteRefresh, type RouteRefreshMessage } from './route-refresh.js';
import { decodeUpdate, encodeUpdate, type UpdateMessage } from './update.js';

export interface KeepaliveMessage {
  readonly kind: 'keepalive';
}

export type Message = OpenMessage | UpdateMessage | NotificationMessage | KeepaliveMessage | RouteRefreshMessage;

export type DecodeResult =
  | { readonly ok: true; readonly message: Message | undefined; readonly errors: readonly WireError[] }
  | { readonly ok: false; readonly error: WireError };

const KEEPALIVE: KeepaliveMessage = Object.freeze({ kind: 'keepalive' });

/** Decodes one complete message (header included), e.g. from the Framer. */
export function decodeMessage(msg: Buffer, opts: WireOptions): DecodeResult {
  if (msg.length < HEADER_LENGTH) return { ok: false, error: lengthError(msg.length, 'shorter than the header') };
  const bad = checkHeader(msg, 0, maxMessageLength(opts));
  if (bad) return { ok: false, error: bad };
  if (msg.readUInt16BE(16) !== msg.length) return { ok: false, error: lengthError(msg.readUInt16BE(16), `length field does not match the ${msg.length} octets given`) };
  switch (msg[18]) {
    case MessageType.UPDATE: {
      const r = decodeUpdate(msg, opts);
      return r.ok ? { ok: true, message: r.value.update, errors: r.value.errors } : r;
    }
    case MessageType.KEEPALIVE:
      if (msg.length !== HEADER_LENGTH) return { ok: false, error: lengthError(msg.length, 'KEEPALIVE must be 19 octets') };
      return { ok: true, message: KEEPALIVE, errors: NO_ERRORS };
    case MessageType.OPEN: {
      const r = decodeOpen(msg);
      return r.ok ? { ok: true, message: r.value, errors: NO_ERRORS } : r;
    }
    case MessageType.NOTIFICATION:
      return { ok: true, message: decodeNotification(msg), errors: NO_ERRORS };
    default: {
      const r = decodeRouteRefresh(msg);
      return r.ok ? { ok: true, message: r.value, errors: NO_ERRORS } : r;
    }
  }
}

export function encodeKeepalive(): Buffer {
  return allocMessage(HEADER_LENGTH, MessageType.KEEPALIVE);
}

export function encodeMessage(m: Message, opts: WireOptions): Buffer {
  switch (m.kind) {
    case 'open': return encodeOpen(m);
    case 'update': return encodeUpdate(m, opts);
    case 'notification': return encodeNotification(m, maxMessageLength(opts));
    case 'keepalive': return encodeKeepalive();
    case 'route-refresh': return encodeRouteRefresh(m);
  }
}
