// OPEN messages (RFC 4271 §4.2): version, My AS, Hold Time, BGP Identifier,
// optional parameters; capabilities in parameter type 2 (RFC 5492), with the
// extended optional parameters length of RFC 9072 when they exceed 255 octets.
// Checks here are the ones that need nothing but the message (RFC 4271 §6.2):
// version (data: the highest version we support), hold time 1 or 2 s,
// BGP Identifier 0 (RFC 6286 §2.2), unsupported optional parameters, and
// malformed parameters/capabilities (OPEN Message Error, unspecific subcode,
// data the offending bytes). Peer AS and required capabilities need the
// session's configuration and are checked above this layer.

import { AS_TRANS, BGP_VERSION, ErrorCode, HEADER_LENGTH, MAX_MESSAGE_LENGTH, MessageType, OpenSubcode } from './constants.js';
import { parseIpv4, readIpv4, writeIpv4 } from './address.js';
import { wireError, type Result, type WireError } from './errors.js';
import { allocMessage, lengthError } from './header.js';
import { capabilityByCode, capabilityCodec } from './caps/registry.js';
import type { Capability } from './caps/types.js';

const PARAM_CAPABILITIES = 2;
const PARAM_EXTENDED_LENGTH = 255;

export interface OpenMessage {
  readonly kind: 'open';
  readonly version: number;
  /** The 2-octet My AS field (AS_TRANS when the real AS needs 4 octets). */
  readonly myAs: number;
  readonly holdTime: number;
  readonly routerId: string;
  readonly capabilities: readonly Capability[];
  /**
   * How capabilities were grouped into optional parameters when not one per
   * parameter (our canonical form), e.g. BIRD sends them all in one; and
   * whether RFC 9072 extended lengths were used without need. Only for exact
   * re-encoding of received messages.
   */
  readonly layout?: { readonly groups: readonly number[]; readonly extendedParams: boolean };
}

const openErr = (subcode: number, reason: string, data?: Buffer): WireError =>
  wireError(ErrorCode.OPEN, subcode, 'session-reset', reason, data);

/** The speaker's real AS: from the 4-octet AS capability when present. */
export function openAsn(open: OpenMessage): number {
  for (const c of open.capabilities) if (c.kind === 'as4') return c.asn;
  return open.myAs;
}

/** An OPEN for `asn` (My AS is AS_TRANS above 65535; add the 'as4' capability yourself). */
export function makeOpen(o: { asn: number; holdTime: number; routerId: string; capabilities: readonly Capability[] }): OpenMessage {
  return { kind: 'open', version: BGP_VERSION, myAs: o.asn > 0xffff ? AS_TRANS : o.asn, holdTime: o.holdTime, routerId: o.routerId, capabilities: o.capabilities };
}

export function decodeOpen(msg: Buffer): Result<OpenMessage> {
  if (msg.length > MAX_MESSAGE_LENGTH) return { ok: false, error: lengthError(msg.length, 'OPEN may not exceed 4096 octets (RFC 8654 §4)') };
  const version = msg[19]!;
  if (version !== BGP_VERSION) {
    return { ok: false, error: openErr(OpenSubcode.UNSUPPORTED_VERSION, `BGP version ${version} is not supported (only 4)`, Buffer.from([0, BGP_VERSION])) };
  }
  const myAs = msg.readUInt16BE(20);
  const holdTime = msg.readUInt16BE(22);
  if (holdTime === 1 || holdTime === 2) {
    return { ok: false, error: openErr(OpenSubcode.UNACCEPTABLE_HOLD_TIME, `hold time ${holdTime} s is not allowed (0 or at least 3)`) };
  }
  if (msg.readUInt32BE(24) === 0) return { ok: false, error: openErr(OpenSubcode.BAD_BGP_IDENTIFIER, 'BGP Identifier 0.0.0.0 is not valid') };
  const routerId = readIpv4(msg, 24);

  let o = 29;
  let end = 29 + msg[28]!;
  let extendedParams = false;
  if (msg[28] === PARAM_EXTENDED_LENGTH && msg.length >= 32 && msg[29] === PARAM_EXTENDED_LENGTH) {
    extendedParams = true;
    end = 32 + msg.readUInt16BE(30);
    o = 32;
  }
  if (end !== msg.length) {
    return { ok: false, error: openErr(OpenSubcode.UNSPECIFIC, `optional parameters length ${end - o} does not match the ${msg.length - o} octets after it`) };
  }
  const capabilities: Capability[] = [];
  const groups: number[] = [];
  let plainLength = 0; // the parameters' length in the non-extended form
  while (o < end) {
    const hdr = extendedParams ? 3 : 2;
    if (o + hdr > end) return { ok: false, error: openErr(OpenSubcode.UNSPECIFIC, 'optional parameter header is truncated') };
    const type = msg[o]!;
    const len = extendedParams ? msg.readUInt16BE(o + 1) : msg[o + 1]!;
    const vs = o + hdr;
    if (vs + len > end) return { ok: false, error: openErr(OpenSubcode.UNSPECIFIC, `optional parameter type ${type} of length ${len} runs past the message`) };
    if (type !== PARAM_CAPABILITIES) {
      return { ok: false, error: openErr(OpenSubcode.UNSUPPORTED_OPTIONAL_PARAMETER, `optional parameter type ${type} is not supported`, Buffer.from(msg.subarray(o, vs + len))) };
    }
    const before = capabilities.length;
    const bad = decodeCapabilities(msg, vs, vs + len, capabilities);
    if (bad) return { ok: false, error: bad };
    groups.push(capabilities.length - before);
    plainLength += 2 + len;
    o = vs + len;
  }
  const canonical = extendedParams === plainLength > 255 && groups.every((g) => g === 1);
  const open: OpenMessage = { kind: 'open', version, myAs, holdTime, routerId, capabilities, ...(canonical ? {} : { layout: { groups, extendedParams } }) };
  return { ok: true, value: open };
}

function decodeCapabilities(msg: Buffer, o: number, end: number, out: Capability[]): WireError | undefined {
  while (o < end) {
    if (o + 2 > end) return openErr(OpenSubcode.UNSPECIFIC, 'capability header is truncated');
    const code = msg[o]!;
    const len = msg[o + 1]!;
    if (o + 2 + len > end) return openErr(OpenSubcode.UNSPECIFIC, `capability ${code} of length ${len} runs past its parameter`, Buffer.from(msg.subarray(o, end)));
    const value = msg.subarray(o + 2, o + 2 + len);
    const row = capabilityByCode(code);
    if (!row) out.push({ kind: 'unknown', code, value: Buffer.from(value) });
    else {
      const c = row.decode(value);
      if (typeof c === 'string') return openErr(OpenSubcode.UNSPECIFIC, c, Buffer.from(msg.subarray(o, o + 2 + len)));
      out.push(c);
    }
    o += 2 + len;
  }
  return undefined;
}

export function encodeOpen(m: OpenMessage): Buffer {
  if (parseIpv4(m.routerId) === undefined) throw new TypeError(`router ID ${m.routerId} is not a dotted quad`);
  const caps = m.capabilities.map(capabilityCodec);
  for (const c of caps) if (c.size > 255) throw new RangeError(`capability ${c.code} of ${c.size} octets is too long`);
  let groups = m.layout?.groups;
  if (!groups || groups.reduce((a, b) => a + b, 0) !== caps.length) groups = caps.map(() => 1);
  const groupSizes: number[] = [];
  let k = 0;
  for (const g of groups) {
    let s = 0;
    for (let i = 0; i < g; i++) s += 2 + caps[k++]!.size;
    groupSizes.push(s);
  }
  let extended = m.layout?.extendedParams ?? false;
  const paramsLen = (ext: boolean) => groupSizes.reduce((a, s) => a + (ext ? 3 : 2) + s, 0);
  if (!extended && (paramsLen(false) > 255 || groupSizes.some((s) => s > 255))) extended = true;
  const plen = paramsLen(extended);
  const length = HEADER_LENGTH + 10 + (extended ? 3 : 0) + plen;
  if (length > MAX_MESSAGE_LENGTH) throw new RangeError(`OPEN of ${length} octets exceeds 4096`);
  const buf = allocMessage(length, MessageType.OPEN);
  buf[19] = m.version;
  buf.writeUInt16BE(m.myAs, 20);
  buf.writeUInt16BE(m.holdTime, 22);
  writeIpv4(m.routerId, buf, 24);
  let o = 28;
  if (extended) {
    buf[o] = PARAM_EXTENDED_LENGTH;
    buf[o + 1] = PARAM_EXTENDED_LENGTH;
    buf.writeUInt16BE(plen, o + 2);
    o += 4;
  } else {
    buf[o++] = plen;
  }
  k = 0;
  for (let gi = 0; gi < groups.length; gi++) {
    buf[o++] = PARAM_CAPABILITIES;
    if (extended) { buf.writeUInt16BE(groupSizes[gi]!, o); o += 2; } else buf[o++] = groupSizes[gi]!;
    for (let i = 0; i < groups[gi]!; i++) {
      const c = caps[k++]!;
      buf[o] = c.code;
      buf[o + 1] = c.size;
      c.write(buf, o + 2);
      o += 2 + c.size;
    }
  }
  return buf;
}
