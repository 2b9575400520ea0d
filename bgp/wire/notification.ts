// NOTIFICATION (RFC 4271 §4.5) with every code/subcode of RFC 4271, 4486,
// 6608, 7313, 8538, 9384, 9687 named (constants.ts). Data of note:
//   Cease/Administrative Shutdown and Administrative Reset: a shutdown
//   communication, length octet + UTF-8 up to 255 octets (RFC 9003 §2); a bad
//   one is reported as absent, never an error (RFC 9003 §3).
//   Cease/Maximum Number of Prefixes Reached: AFI, SAFI, limit (RFC 4486 §4).
//   Cease/Hard Reset: the code, subcode and data of the cause (RFC 8538 §3).

import { CeaseSubcode, ERROR_NAMES, ErrorCode, HEADER_LENGTH, MessageType } from './constants.js';
import type { WireError } from './errors.js';
import { allocMessage } from './header.js';

export interface NotificationMessage {
  readonly kind: 'notification';
  readonly code: number;
  readonly subcode: number;
  readonly data: Buffer;
}

export function decodeNotification(msg: Buffer): NotificationMessage {
  return { kind: 'notification', code: msg[19]!, subcode: msg[20]!, data: Buffer.from(msg.subarray(21)) };
}

export function encodeNotification(n: Omit<NotificationMessage, 'kind'>, maxLength = 4096): Buffer {
  const dataLen = Math.min(n.data.length, maxLength - HEADER_LENGTH - 2);
  const buf = allocMessage(HEADER_LENGTH + 2 + dataLen, MessageType.NOTIFICATION);
  buf[19] = n.code;
  buf[20] = n.subcode;
  n.data.copy(buf, 21, 0, dataLen);
  return buf;
}

export function notificationFromError(e: WireError): NotificationMessage {
  return { kind: 'notification', code: e.code, subcode: e.subcode, data: e.data };
}

const hasCommunication = (n: { code: number; subcode: number }) =>
  n.code === ErrorCode.CEASE && (n.subcode === CeaseSubcode.ADMINISTRATIVE_SHUTDOWN || n.subcode === CeaseSubcode.ADMINISTRATIVE_RESET);

/** Cease/Administrative Shutdown or Reset carrying a shutdown communication (RFC 9003). */
export function shutdownNotification(subcode: 2 | 4, message: string): NotificationMessage {
  let text = Buffer.from(message, 'utf8');
  if (text.length > 255) {
    // cut at a character boundary
    let cut = 255;
    while (cut > 0 && (text[cut]! & 0xc0) === 0x80) cut--;
    text = text.subarray(0, cut);
  }
  return { kind: 'notification', code: ErrorCode.CEASE, subcode, data: Buffer.concat([Buffer.from([text.length]), text]) };
}

/** The shutdown communication of a Cease 2/4 NOTIFICATION, if it carries a valid one. */
export function shutdownCommunication(n: NotificationMessage): string | undefined {
  if (!hasCommunication(n) || n.data.length < 1) return undefined;
  const len = n.data[0]!;
  if (len === 0 || 1 + len > n.data.length) return undefined;
  const bytes = n.data.subarray(1, 1 + len);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Cease/Maximum Number of Prefixes Reached with AFI, SAFI and the limit (RFC 4486 §4). */
export function maxPrefixNotification(afi: number, safi: number, limit: number): NotificationMessage {
  const data = Buffer.alloc(7);
  data.writeUInt16BE(afi, 0);
  data[2] = safi;
  data.writeUInt32BE(limit, 3);
  return { kind: 'notification', code: ErrorCode.CEASE, subcode: CeaseSubcode.MAX_PREFIXES, data };
}

/** Cease/Hard Reset wrapping the real cause (RFC 8538 §3). */
export function hardResetNotification(cause: Omit<NotificationMessage, 'kind'>): NotificationMessage {
  return { kind: 'notification', code: ErrorCode.CEASE, subcode: CeaseSubcode.HARD_RESET, data: Buffer.concat([Buffer.from([cause.code, cause.subcode]), cause.data]) };
}

/** "Cease / Administrative Shutdown: \"maintenance\"" — for logs and status output. */
export function describeNotification(n: Omit<NotificationMessage, 'kind'>): string {
  const entry = ERROR_NAMES[n.code];
  const name = entry?.name ?? `error code ${n.code}`;
  const sub = entry?.subcodes[n.subcode] ?? (n.subcode === 0 ? undefined : `subcode ${n.subcode}`);
  let text = sub ? `${name} / ${sub}` : name;
  const comm = shutdownCommunication({ kind: 'notification', ...n });
  if (comm !== undefined) text += `: ${JSON.stringify(comm)}`;
  if (n.code === ErrorCode.CEASE && n.subcode === CeaseSubcode.HARD_RESET && n.data.length >= 2) {
    text += ` (cause: ${describeNotification({ code: n.data[0]!, subcode: n.data[1]!, data: n.data.subarray(2) })})`;
  }
  if (n.code === ErrorCode.CEASE && n.subcode === CeaseSubcode.MAX_PREFIXES && n.data.length >= 7) {
    text += ` (afi ${n.data.readUInt16BE(0)} safi ${n.data[2]} limit ${n.data.readUInt32BE(3)})`;
  }
  return text;
}
