// Decoding the path attribute block of an UPDATE with RFC 7606 error handling:
//   §4   an attribute header or value running past the block: treat-as-withdraw,
//        stop parsing attributes (the NLRI is found from Total Attribute Length)
//   §3c  flags in conflict with the attribute's definition: the attribute's action
//   §3f  MP_REACH/MP_UNREACH more than once: session reset (Malformed Attribute
//        List); any other duplicate: later occurrences discarded
//   §7   each attribute's own malformations: the row's action (row.ts)
//   RFC 4271 §6.3: an unrecognised well-known attribute resets the session
//   RFC 6793 §6:  AS4_PATH/AS4_AGGREGATOR from a 4-octet-AS speaker are discarded
// Mandatory-attribute checks need the NLRI, so update.ts does them.

import { AttrFlag, AttrType, ErrorCode, UpdateSubcode } from '../constants.js';
import { NO_ERRORS, wireError, type WireError } from '../errors.js';
import type { WireOptions } from '../options.js';
import { canonicalRank, type AttributeLayout } from './layout.js';
import { decodeMpReach, decodeMpUnreach, isMpProblem, type MpReach, type MpUnreach } from './mp.js';
import { attributeRow } from './registry.js';
import { AttrProblem } from './row.js';
import type { PathAttributes, UnknownAttribute } from './types.js';

export interface DecodedAttributes {
  readonly attrs: PathAttributes;
  readonly mpReach?: MpReach;
  readonly mpUnreach?: MpUnreach;
  readonly layout?: AttributeLayout;
  /** Non-fatal errors, each with its RFC 7606 action. */
  readonly errors: readonly WireError[];
  /** Set when the session must be reset. */
  readonly fatal?: WireError;
}

// Scratch state: decoding is synchronous and not re-entrant, so one set of
// these serves every call without allocating.
const seen = new Uint8Array(256);
const order = new Uint8Array(256);

const upd = (subcode: number, action: WireError['action'], reason: string, data?: Buffer, type?: number, family?: string) =>
  wireError(ErrorCode.UPDATE, subcode, action, reason, data, { attrType: type, family });

/** A copy of an attribute for NOTIFICATION data (not a view: it must not pin the read buffer). */
function copyOf(buf: Buffer, s: number, e: number): Buffer {
  return Buffer.from(buf.subarray(s, e));
}

export function decodeAttributes(buf: Buffer, start: number, end: number, opts: WireOptions): DecodedAttributes {
  const attrs: Record<string, unknown> = {};
  let unknown: UnknownAttribute[] | undefined;
  let mpReach: MpReach | undefined;
  let mpUnreach: MpUnreach | undefined;
  let errors: WireError[] | undefined;
  let extended: number[] | undefined;
  let partial: number[] | undefined;
  let count = 0;
  let canonical = true;
  let lastRank = -1;
  const ctx = { as4: opts.as4 };
  const addErr = (e: WireError) => (errors ??= []).push(e);
  for (let i = 0; i < 256; i++) seen[i] = 0;

  let o = start;
  while (o < end) {
    const flags = buf[o]!;
    const ext = (flags & AttrFlag.EXTENDED_LENGTH) !== 0;
    const hdr = ext ? 4 : 3;
    if (o + hdr > end) {
      addErr(upd(UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, 'treat-as-withdraw',
        `${end - o} octet(s) left in the attribute block, too few for an attribute header (RFC 7606 §4)`));
      break;
    }
    const type = buf[o + 1]!;
    const len = ext ? buf.readUInt16BE(o + 2) : buf[o + 2]!;
    const vStart = o + hdr;
    const vEnd = vStart + len;
    if (vEnd > end) {
      addErr(upd(UpdateSubcode.ATTRIBUTE_LENGTH_ERROR, 'treat-as-withdraw',
        `attribute type ${type} of length ${len} runs ${vEnd - end} octet(s) past the attribute block (RFC 7606 §4)`,
        undefined, type));
      break;
    }
    o = vEnd;
    const value = buf.subarray(vStart, vEnd);
    const isMp = type === AttrType.MP_REACH_NLRI || type === AttrType.MP_UNREACH_NLRI;

    if (seen[type]) {
      if (isMp) {
        return { attrs, errors: errors ?? NO_ERRORS, fatal: upd(UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, 'session-reset',
          `${type === AttrType.MP_REACH_NLRI ? 'MP_REACH_NLRI' : 'MP_UNREACH_NLRI'} appears more than once (RFC 7606 §3f)`) };
      }
      addErr(upd(UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, 'attribute-discard', `attribute type ${type} appears more than once; later copies discarded (RFC 7606 §3f)`, undefined, type));
      continue;
    }
    seen[type] = 1;

    if (isMp) {
      if ((flags & 0xc0) !== AttrFlag.OPTIONAL) {
        return { attrs, errors: errors ?? NO_ERRORS, fatal: upd(UpdateSubcode.ATTRIBUTE_FLAGS_ERROR, 'session-reset',
          `attribute type ${type} flags 0x${flags.toString(16)}: must be optional non-transitive`, copyOf(buf, vStart - hdr, vEnd), type) };
      }
      const m = type === AttrType.MP_REACH_NLRI ? decodeMpReach(value, opts.addPath) : decodeMpUnreach(value, opts.addPath);
      if (isMpProblem(m)) {
        if (m.family === undefined) return { attrs, errors: errors ?? NO_ERRORS, fatal: upd(m.subcode, 'session-reset', m.reason, copyOf(buf, vStart - hdr, vEnd), type) };
        addErr(upd(m.subcode, 'afi-safi-disable', m.reason, copyOf(buf, vStart - hdr, vEnd), type, m.family));
        continue;
      }
      if (type === AttrType.MP_REACH_NLRI) mpReach = m as MpReach;
      else mpUnreach = m as MpUnreach;
    } else {
      const row = attributeRow(type);
      if (!row) {
        if ((flags & AttrFlag.OPTIONAL) === 0) {
          return { attrs, errors: errors ?? NO_ERRORS, fatal: upd(UpdateSubcode.UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE, 'session-reset',
            `unrecognised well-known attribute type ${type}`, copyOf(buf, vStart - hdr, vEnd), type) };
        }
        (unknown ??= []).push({ type, flags: flags & ~AttrFlag.EXTENDED_LENGTH, value: Buffer.from(value) });
      } else {
        const want = (row.optional ? AttrFlag.OPTIONAL : 0) | (row.transitive ? AttrFlag.TRANSITIVE : 0);
        if ((flags & 0xc0) !== want) {
          addErr(upd(UpdateSubcode.ATTRIBUTE_FLAGS_ERROR, row.onError,
            `${row.name} flags 0x${flags.toString(16)} conflict with its definition (optional=${row.optional}, transitive=${row.transitive})`, copyOf(buf, vStart - hdr, vEnd), type));
          continue;
        }
        if (opts.as4 && (type === AttrType.AS4_PATH || type === AttrType.AS4_AGGREGATOR)) {
          addErr(upd(UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, 'attribute-discard', `${row.name} received on a 4-octet-AS session (RFC 6793 §6)`, undefined, type));
          continue;
        }
        const v = row.decode(value, ctx);
        if (v instanceof AttrProblem) {
          addErr(upd(v.subcode, row.onError, v.reason, copyOf(buf, vStart - hdr, vEnd), type));
          continue;
        }
        attrs[row.key] = v;
        if ((flags & AttrFlag.PARTIAL) !== 0 && row.optional && row.transitive) (partial ??= []).push(type);
      }
    }
    const rank = canonicalRank(type);
    if (rank <= lastRank) canonical = false;
    lastRank = rank;
    order[count++] = type;
    if (ext && len <= 255) (extended ??= []).push(type);
  }

  if (unknown) attrs.unknown = unknown;
  const layout = canonical && !extended && !partial
    ? undefined
    : { order: Array.from(order.subarray(0, count)), extendedLength: extended ?? [], partial: partial ?? [] };
  return { attrs: attrs as PathAttributes, mpReach, mpUnreach, layout, errors: errors ?? NO_ERRORS };
}
