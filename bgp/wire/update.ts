// UPDATE messages (RFC 4271 §4.3) in object form, decoded with RFC 7606
// error handling and re-encoded exactly. Routes: the IPv4 withdrawn-routes
// and NLRI fields, plus MP_REACH_NLRI / MP_UNREACH_NLRI for any family
// (RFC 4760). End-of-RIB markers (RFC 4724 §2).
//   Withdrawn Routes Length or Total Path Attribute Length overrunning the
//   message: session reset, Malformed Attribute List (RFC 7606 §5.3/§4).
//   Bad prefix in the IPv4 fields: session reset, Invalid Network Field.
//   Missing ORIGIN / AS_PATH (and NEXT_HOP with IPv4 NLRI-field routes) when
//   the UPDATE announces routes: treat-as-withdraw (RFC 7606 §3d).
// For sending many prefixes use pack.ts, which fills messages to the limit.

import { AttrType, ErrorCode, HEADER_LENGTH, MessageType, UpdateSubcode } from './constants.js';
import { NO_ERRORS, wireError, type Result, type WireError } from './errors.js';
import { findFamily, SAFI_UNICAST, type FamilyName } from './families.js';
import { allocMessage } from './header.js';
import { decodeNlri, nlriSize, writeNlri } from './nlri.js';
import { maxMessageLength, type WireOptions } from './options.js';
import { AFI_IPV4, type Prefix } from './prefix.js';
import { decodeAttributes } from './attrs/decode.js';
import { planAttributes } from './attrs/encode.js';
import type { AttributeLayout } from './attrs/layout.js';
import type { MpReach, MpUnreach } from './attrs/mp.js';
import type { PathAttributes } from './attrs/types.js';

export interface UpdateMessage {
  readonly kind: 'update';
  /** IPv4 unicast routes withdrawn in the Withdrawn Routes field. */
  readonly withdrawn: readonly Prefix[];
  readonly attrs: PathAttributes;
  /** IPv4 unicast routes announced in the NLRI field. */
  readonly nlri: readonly Prefix[];
  readonly mpReach?: MpReach;
  readonly mpUnreach?: MpUnreach;
  /** Only when the sender's attribute layout was not canonical (attrs/layout.ts). */
  readonly layout?: AttributeLayout;
}

export interface DecodedUpdate {
  readonly update: UpdateMessage;
  /** Errors short of a session reset, each with its RFC 7606 action. */
  readonly errors: readonly WireError[];
}

const V4: FamilyName = 'ipv4-unicast';

const malformedList = (reason: string) =>
  wireError(ErrorCode.UPDATE, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, 'session-reset', reason);

/** Decodes a whole UPDATE message (header included) whose header was already checked. */
export function decodeUpdate(msg: Buffer, opts: WireOptions): Result<DecodedUpdate> {
  const end = msg.length;
  let o = HEADER_LENGTH;
  const wlen = msg.readUInt16BE(o);
  o += 2;
  if (o + wlen + 2 > end) return { ok: false, error: malformedList(`Withdrawn Routes Length ${wlen} exceeds the message`) };
  const addPath4 = opts.addPath.has(V4);
  const withdrawn: Prefix[] = [];
  let bad = decodeNlri(msg, o, o + wlen, AFI_IPV4, addPath4, withdrawn);
  if (bad) return { ok: false, error: invalidNetwork(`withdrawn routes: ${bad}`) };
  o += wlen;
  const alen = msg.readUInt16BE(o);
  o += 2;
  if (o + alen > end) return { ok: false, error: malformedList(`Total Path Attribute Length ${alen} exceeds the message`) };
  const decoded = decodeAttributes(msg, o, o + alen, opts);
  if (decoded.fatal) return { ok: false, error: decoded.fatal };
  o += alen;
  const nlri: Prefix[] = [];
  bad = decodeNlri(msg, o, end, AFI_IPV4, addPath4, nlri);
  if (bad) return { ok: false, error: invalidNetwork(`NLRI: ${bad}`) };

  let errors = decoded.errors;
  const { attrs, mpReach, mpUnreach, layout } = decoded;
  const announces = nlri.length > 0 || (mpReach !== undefined && (mpReach.nlri.length > 0 || (mpReach.opaque?.nlri.length ?? 0) > 0));
  if (announces) {
    const missing: number[] = [];
    if (attrs.origin === undefined && !hasErrorFor(errors, AttrType.ORIGIN)) missing.push(AttrType.ORIGIN);
    if (attrs.asPath === undefined && !hasErrorFor(errors, AttrType.AS_PATH)) missing.push(AttrType.AS_PATH);
    if (nlri.length > 0 && attrs.nextHop === undefined && !hasErrorFor(errors, AttrType.NEXT_HOP)) missing.push(AttrType.NEXT_HOP);
    if (missing.length > 0) {
      errors = [...errors, ...missing.map((t) => wireError(ErrorCode.UPDATE, UpdateSubcode.MISSING_WELL_KNOWN_ATTRIBUTE, 'treat-as-withdraw',
        `missing well-known attribute ${ATTR_NAMES[t]} (RFC 7606 §3d)`, Buffer.from([t]), { attrType: t }))];
    }
  }
  const update: UpdateMessage = {
    kind: 'update', withdrawn, attrs, nlri,
    ...(mpReach ? { mpReach } : {}), ...(mpUnreach ? { mpUnreach } : {}), ...(layout ? { layout } : {}),
  };
  return { ok: true, value: { update, errors: errors.length ? errors : NO_ERRORS } };
}

const ATTR_NAMES: Record<number, string> = { 1: 'ORIGIN', 2: 'AS_PATH', 3: 'NEXT_HOP' };

function hasErrorFor(errors: readonly WireError[], type: number): boolean {
  for (const e of errors) if (e.attrType === type) return true;
  return false;
}

function invalidNetwork(reason: string): WireError {
  return wireError(ErrorCode.UPDATE, UpdateSubcode.INVALID_NETWORK_FIELD, 'session-reset', reason);
}

/** Encodes one UPDATE exactly as given. Throws RangeError if it exceeds the negotiated size. */
export function encodeUpdate(u: UpdateMessage, opts: WireOptions): Buffer {
  const addPath4 = opts.addPath.has(V4);
  let wlen = 0;
  for (const p of u.withdrawn) wlen += nlriSize(p, addPath4);
  let nlen = 0;
  for (const p of u.nlri) nlen += nlriSize(p, addPath4);
  const plan = planAttributes(u.attrs, opts, u, u.layout);
  const length = HEADER_LENGTH + 4 + wlen + plan.size + nlen;
  const max = maxMessageLength(opts);
  if (length > max) throw new RangeError(`UPDATE of ${length} octets exceeds the maximum ${max}; use packUpdates`);
  const buf = allocMessage(length, MessageType.UPDATE);
  let o = HEADER_LENGTH;
  buf.writeUInt16BE(wlen, o);
  o += 2;
  for (const p of u.withdrawn) o = writeNlri(p, addPath4, buf, o);
  buf.writeUInt16BE(plan.size, o);
  o = plan.write(buf, o + 2);
  for (const p of u.nlri) o = writeNlri(p, addPath4, buf, o);
  return buf;
}

/** The End-of-RIB marker of a family (RFC 4724 §2). */
export function endOfRib(afi: number, safi: number = SAFI_UNICAST): UpdateMessage {
  if (afi === AFI_IPV4 && safi === SAFI_UNICAST) return { kind: 'update', withdrawn: [], attrs: {}, nlri: [] };
  return { kind: 'update', withdrawn: [], attrs: {}, nlri: [], mpUnreach: { afi, safi, withdrawn: [] } };
}

/** The family an End-of-RIB marker is for, or undefined if the UPDATE is not one. */
export function endOfRibFamily(u: UpdateMessage): { afi: number; safi: number } | undefined {
  if (u.withdrawn.length || u.nlri.length || u.mpReach) return undefined;
  const keys = Object.keys(u.attrs).length;
  if (!u.mpUnreach) return keys === 0 ? { afi: AFI_IPV4, safi: SAFI_UNICAST } : undefined;
  const m = u.mpUnreach;
  if (keys !== 0 || m.withdrawn.length || (m.opaque?.length ?? 0) > 0) return undefined;
  return { afi: m.afi, safi: m.safi };
}

/** The family row of an MP attribute, when the registry knows it. */
export function mpFamily(m: { afi: number; safi: number }): FamilyName | undefined {
  return findFamily(m.afi, m.safi)?.name;
}
