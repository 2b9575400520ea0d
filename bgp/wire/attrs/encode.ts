// Encoding a path attribute block. Canonical form: MP_REACH_NLRI,
// MP_UNREACH_NLRI, then ascending type code (RFC 7606 §5.1); Extended Length
// only for values over 255 octets; flags from the registry row. A layout
// (layout.ts) from a received message overrides order and flags so that
// received messages re-encode byte for byte.
// RFC 6793 §4.2.2 on a 2-octet-AS session: ASNs above 65535 become AS_TRANS
// and AS4_PATH / AS4_AGGREGATOR carry the real ones; on a 4-octet session
// AS4_PATH / AS4_AGGREGATOR are never sent.

import { AS_TRANS, AttrFlag, AttrType } from '../constants.js';
import type { WireOptions } from '../options.js';
import { canonicalRank, type AttributeLayout } from './layout.js';
import { MP_REACH_TYPE, MP_UNREACH_TYPE, mpReachSize, mpUnreachSize, writeMpReach, writeMpUnreach, type MpReach, type MpUnreach } from './mp.js';
import { ATTRIBUTE_ROWS } from './registry.js';
import type { AttrContext, AttrRow } from './row.js';
import type { AsPathSegment, PathAttributes } from './types.js';

interface Item {
  readonly type: number;
  readonly flags: number;
  readonly size: number;
  write(buf: Buffer, off: number): void;
}

export interface MpParts {
  readonly mpReach?: MpReach;
  readonly mpUnreach?: MpUnreach;
}

const needsAs4 = (segs: readonly AsPathSegment[] | undefined) => !!segs && segs.some((s) => s.asns.some((a) => a > 0xffff));

/** The attributes as they go to a session with or without 4-octet AS (RFC 6793 §4.2.2). */
export function attributesForSession(attrs: PathAttributes, as4: boolean): PathAttributes {
  if (as4) {
    if (attrs.as4Path === undefined && attrs.as4Aggregator === undefined) return attrs;
    const { as4Path: _p, as4Aggregator: _a, ...rest } = attrs;
    return rest;
  }
  // AS4_PATH carries no confederation segments (RFC 6793 §4.2.2); when
  // nothing else remains, no AS4_PATH is sent rather than an empty one.
  const as4Path = attrs.asPath?.filter((s) => s.type <= 2);
  const addPath = attrs.as4Path === undefined && needsAs4(attrs.asPath) && as4Path !== undefined && as4Path.length > 0;
  const addAgg = attrs.as4Aggregator === undefined && attrs.aggregator !== undefined && attrs.aggregator.asn > 0xffff;
  if (!addPath && !addAgg) return attrs;
  return {
    ...attrs,
    ...(addPath ? { as4Path } : {}),
    ...(addAgg ? { as4Aggregator: attrs.aggregator, aggregator: { asn: AS_TRANS, address: attrs.aggregator!.address } } : {}),
  };
}

function rowItem(row: AttrRow, value: unknown, ctx: AttrContext): Item {
  const v = value as never;
  return {
    type: row.type,
    flags: (row.optional ? AttrFlag.OPTIONAL : 0) | (row.transitive ? AttrFlag.TRANSITIVE : 0),
    size: row.size(v, ctx),
    write: (buf, off) => row.write(v, buf, off, ctx),
  };
}

function items(attrs: PathAttributes, opts: WireOptions, mp: MpParts | undefined): Item[] {
  const ctx: AttrContext = { as4: opts.as4 };
  const a = attributesForSession(attrs, opts.as4);
  const out: Item[] = [];
  if (mp?.mpReach) {
    const m = mp.mpReach;
    out.push({ type: MP_REACH_TYPE, flags: AttrFlag.OPTIONAL, size: mpReachSize(m, opts.addPath), write: (b, o) => writeMpReach(m, opts.addPath, b, o) });
  }
  if (mp?.mpUnreach) {
    const m = mp.mpUnreach;
    out.push({ type: MP_UNREACH_TYPE, flags: AttrFlag.OPTIONAL, size: mpUnreachSize(m, opts.addPath), write: (b, o) => writeMpUnreach(m, opts.addPath, b, o) });
  }
  for (const row of ATTRIBUTE_ROWS) {
    const v = a[row.key];
    if (v === undefined) continue;
    if (opts.as4 && (row.type === AttrType.AS4_PATH || row.type === AttrType.AS4_AGGREGATOR)) continue;
    out.push(rowItem(row, v, ctx));
  }
  for (const u of a.unknown ?? []) {
    out.push({ type: u.type, flags: u.flags & ~AttrFlag.EXTENDED_LENGTH, size: u.value.length, write: (b, o) => void u.value.copy(b, o) });
  }
  return out;
}

function arrange(list: Item[], layout: AttributeLayout | undefined): Item[] {
  const pos = (t: number) => {
    const i = layout ? layout.order.indexOf(t) : -1;
    return i >= 0 ? i : 1000 + canonicalRank(t);
  };
  return list.sort((x, y) => pos(x.type) - pos(y.type));
}

export interface EncodedAttributes {
  readonly size: number;
  write(buf: Buffer, off: number): number;
}

/** Plans the block: its size, and a writer that returns the end offset. */
export function planAttributes(attrs: PathAttributes, opts: WireOptions, mp?: MpParts, layout?: AttributeLayout): EncodedAttributes {
  const list = arrange(items(attrs, opts, mp), layout);
  const ext = new Set(layout?.extendedLength);
  const partial = new Set(layout?.partial);
  let size = 0;
  const heads: number[] = [];
  for (const it of list) {
    let flags = it.flags;
    if (it.size > 255 || ext.has(it.type)) flags |= AttrFlag.EXTENDED_LENGTH;
    if (partial.has(it.type)) flags |= AttrFlag.PARTIAL;
    if (it.size > 0xffff) throw new RangeError(`attribute type ${it.type} of ${it.size} octets does not fit in a BGP message`);
    heads.push(flags);
    size += (flags & AttrFlag.EXTENDED_LENGTH ? 4 : 3) + it.size;
  }
  return {
    size,
    write(buf, off) {
      for (let i = 0; i < list.length; i++) {
        const it = list[i]!;
        const flags = heads[i]!;
        buf[off] = flags;
        buf[off + 1] = it.type;
        if (flags & AttrFlag.EXTENDED_LENGTH) {
          buf.writeUInt16BE(it.size, off + 2);
          off += 4;
        } else {
          buf[off + 2] = it.size;
          off += 3;
        }
        it.write(buf, off);
        off += it.size;
      }
      return off;
    },
  };
}

/** The attribute block as bytes (used by the packer, which encodes it once per batch). */
export function encodeAttributes(attrs: PathAttributes, opts: WireOptions): Buffer {
  const plan = planAttributes(attrs, opts);
  const buf = Buffer.allocUnsafe(plan.size);
  plan.write(buf, 0);
  return buf;
}
