// The 19-octet message header (RFC 4271 §4.1): 16-octet marker of all ones,
// 2-octet length, 1-octet type; validation errors per RFC 4271 §6.1.

import { ErrorCode, HEADER_LENGTH, HeaderSubcode, MARKER_LENGTH, MIN_LENGTH } from './constants.js';
import { wireError, type WireError } from './errors.js';

export function writeHeader(buf: Buffer, off: number, length: number, type: number): void {
  buf.fill(0xff, off, off + MARKER_LENGTH);
  buf.writeUInt16BE(length, off + 16);
  buf[off + 18] = type;
}

/** Allocates a message of `length` octets with its header written. */
export function allocMessage(length: number, type: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  writeHeader(buf, 0, length, type);
  return buf;
}

export function markerError(): WireError {
  return wireError(ErrorCode.MESSAGE_HEADER, HeaderSubcode.CONNECTION_NOT_SYNCHRONIZED, 'session-reset', 'message marker is not all ones');
}

export function lengthError(length: number, why: string): WireError {
  const data = Buffer.alloc(2);
  data.writeUInt16BE(length & 0xffff);
  return wireError(ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_LENGTH, 'session-reset', `bad message length ${length}: ${why}`, data);
}

export function typeError(type: number): WireError {
  return wireError(ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_TYPE, 'session-reset', `unknown message type ${type}`, Buffer.from([type]));
}

/** Checks marker, length bounds and the per-type minimum; undefined when valid. */
export function checkHeader(buf: Buffer, off: number, maxLength: number): WireError | undefined {
  for (let i = 0; i < MARKER_LENGTH; i++) if (buf[off + i] !== 0xff) return markerError();
  const length = buf.readUInt16BE(off + 16);
  const type = buf[off + 18]!;
  if (length < HEADER_LENGTH) return lengthError(length, `shorter than the ${HEADER_LENGTH}-octet header`);
  if (length > maxLength) return lengthError(length, `longer than the negotiated maximum of ${maxLength}`);
  const min = MIN_LENGTH[type];
  if (min === undefined) return typeError(type);
  if (length < min) return lengthError(length, `shorter than the minimum ${min} for message type ${type}`);
  return undefined;
}
