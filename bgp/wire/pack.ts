// The UPDATE packer: many prefixes sharing one attribute set become as few
// UPDATEs as the negotiated maximum size allows (4096, or 65535 with RFC 8654).
// The attribute block is encoded once per batch. Pass 1 computes where each
// message ends (sizes only); pass 2 allocates one buffer for all messages and
// writes them in place; the result is one view per message.
// IPv4 unicast goes in the NLRI / Withdrawn Routes fields (NEXT_HOP from the
// attributes), every other family, or IPv4 with an MP next hop (RFC 8950), in
// MP_REACH_NLRI / MP_UNREACH_NLRI placed first (RFC 7606 §5.1). ADD-PATH path
// identifiers are written when the options say so for the family.

import { AttrFlag, AttrType, HEADER_LENGTH, MessageType } from './constants.js';
import { familyByName, type FamilyName, type FamilyRow } from './families.js';
import { writeHeader } from './header.js';
import { writeNlri } from './nlri.js';
import { maxMessageLength, type WireOptions } from './options.js';
import { AFI_IPV4, type Prefix } from './prefix.js';
import { encodeAttributes } from './attrs/encode.js';
import { writeMpNextHop } from './attrs/mp.js';
import type { PathAttributes } from './attrs/types.js';

const FIXED = HEADER_LENGTH + 4; // header, withdrawn length, attribute length

function family(name: FamilyName): FamilyRow {
  const row = familyByName(name);
  if (!row) throw new RangeError(`unknown family ${name}`);
  return row;
}

/** Splits prefixes into runs whose NLRI fit in `room` octets; returns [end index, octets] per run. */
function split(prefixes: readonly Prefix[], addPath: boolean, room: number): number[] {
  if (room <= 0) throw new RangeError('attributes leave no room for NLRI in a message');
  const runs: number[] = [];
  let used = 0;
  for (let i = 0; i < prefixes.length; i++) {
    const p = prefixes[i]!;
    const s = (addPath ? 5 : 1) + ((p.length + 7) >> 3);
    if (used + s > room) {
      if (used === 0) throw new RangeError('a single prefix does not fit in a message');
      runs.push(i, used);
      used = 0;
    }
    used += s;
  }
  if (used > 0) runs.push(prefixes.length, used);
  return runs;
}

function views(buf: Buffer, lengths: number[]): Buffer[] {
  const out: Buffer[] = new Array<Buffer>(lengths.length);
  let o = 0;
  for (let i = 0; i < lengths.length; i++) {
    out[i] = buf.subarray(o, o + lengths[i]!);
    o += lengths[i]!;
  }
  return out;
}

/**
 * Announce `prefixes` (all of `familyName`) with one attribute set. For IPv4
 * unicast without `mpNextHop`, attrs.nextHop is the NEXT_HOP; otherwise
 * `mpNextHop` (one address, or IPv6 global + link-local) goes in MP_REACH_NLRI.
 */
export function packAnnouncements(
  familyName: FamilyName, attrs: PathAttributes, prefixes: readonly Prefix[], opts: WireOptions, mpNextHop?: readonly string[],
): Buffer[] {
  if (prefixes.length === 0) return [];
  const fam = family(familyName);
  const addPath = opts.addPath.has(fam.name);
  const max = maxMessageLength(opts);
  const classic = fam.afi === AFI_IPV4 && fam.safi === 1 && mpNextHop === undefined;
  if (classic && attrs.nextHop === undefined) throw new RangeError('IPv4 announcements need attrs.nextHop or an MP next hop');
  if (!classic && !mpNextHop) throw new RangeError(`${fam.name} announcements need an MP next hop`);
  const block = encodeAttributes(classic ? attrs : withoutNextHop(attrs), opts);

  if (classic) {
    const runs = split(prefixes, addPath, max - FIXED - block.length);
    const lengths: number[] = [];
    for (let r = 0; r < runs.length; r += 2) lengths.push(FIXED + block.length + runs[r + 1]!);
    const buf = Buffer.allocUnsafe(lengths.reduce((a, b) => a + b, 0));
    let o = 0;
    let i = 0;
    for (let r = 0; r < runs.length; r += 2) {
      writeHeader(buf, o, lengths[r >> 1]!, MessageType.UPDATE);
      buf.writeUInt16BE(0, o + 19);
      buf.writeUInt16BE(block.length, o + 21);
      o += FIXED + block.copy(buf, o + FIXED);
      for (const end = runs[r]!; i < end; i++) o = writeNlri(prefixes[i]!, addPath, buf, o);
    }
    return views(buf, lengths);
  }

  const nh = { nextHop: mpNextHop! };
  const nhScratch = Buffer.alloc(64);
  const mpFixed = writeMpNextHop(nh, nhScratch, 0) + 3; // afi+safi, then nh length, next hop, reserved
  const runs = split(prefixes, addPath, max - FIXED - 4 - mpFixed - block.length);
  const lengths: number[] = [];
  for (let r = 0; r < runs.length; r += 2) {
    const value = mpFixed + runs[r + 1]!;
    lengths.push(FIXED + (value > 255 ? 4 : 3) + value + block.length);
  }
  const buf = Buffer.allocUnsafe(lengths.reduce((a, b) => a + b, 0));
  let o = 0;
  let i = 0;
  for (let r = 0; r < runs.length; r += 2) {
    const value = mpFixed + runs[r + 1]!;
    const hdr = value > 255 ? 4 : 3;
    writeHeader(buf, o, lengths[r >> 1]!, MessageType.UPDATE);
    buf.writeUInt16BE(0, o + 19);
    buf.writeUInt16BE(hdr + value + block.length, o + 21);
    o += FIXED;
    o = writeAttrHeader(buf, o, AttrType.MP_REACH_NLRI, value);
    buf.writeUInt16BE(fam.afi, o);
    buf[o + 2] = fam.safi;
    o += 3 + nhScratch.copy(buf, o + 3, 0, mpFixed - 3);
    for (const end = runs[r]!; i < end; i++) o = writeNlri(prefixes[i]!, addPath, buf, o);
    o += block.copy(buf, o);
  }
  return views(buf, lengths);
}

/** Withdraw `prefixes` (all of `familyName`) in as few UPDATEs as possible. */
export function packWithdrawals(familyName: FamilyName, prefixes: readonly Prefix[], opts: WireOptions): Buffer[] {
  if (prefixes.length === 0) return [];
  const fam = family(familyName);
  const addPath = opts.addPath.has(fam.name);
  const max = maxMessageLength(opts);
  const classic = fam.afi === AFI_IPV4 && fam.safi === 1;
  const runs = split(prefixes, addPath, max - FIXED - (classic ? 0 : 4 + 3));
  const lengths: number[] = [];
  for (let r = 0; r < runs.length; r += 2) {
    const n = runs[r + 1]!;
    lengths.push(classic ? FIXED + n : FIXED + (3 + n > 255 ? 4 : 3) + 3 + n);
  }
  const buf = Buffer.allocUnsafe(lengths.reduce((a, b) => a + b, 0));
  let o = 0;
  let i = 0;
  for (let r = 0; r < runs.length; r += 2) {
    const n = runs[r + 1]!;
    writeHeader(buf, o, lengths[r >> 1]!, MessageType.UPDATE);
    if (classic) {
      buf.writeUInt16BE(n, o + 19);
      o += 21;
      for (const end = runs[r]!; i < end; i++) o = writeNlri(prefixes[i]!, addPath, buf, o);
      buf.writeUInt16BE(0, o);
      o += 2;
    } else {
      const value = 3 + n;
      buf.writeUInt16BE(0, o + 19);
      buf.writeUInt16BE((value > 255 ? 4 : 3) + value, o + 21);
      o = writeAttrHeader(buf, o + FIXED, AttrType.MP_UNREACH_NLRI, value);
      buf.writeUInt16BE(fam.afi, o);
      buf[o + 2] = fam.safi;
      o += 3;
      for (const end = runs[r]!; i < end; i++) o = writeNlri(prefixes[i]!, addPath, buf, o);
    }
  }
  return views(buf, lengths);
}

function writeAttrHeader(buf: Buffer, o: number, type: number, len: number): number {
  if (len > 255) {
    buf[o] = AttrFlag.OPTIONAL | AttrFlag.EXTENDED_LENGTH;
    buf[o + 1] = type;
    buf.writeUInt16BE(len, o + 2);
    return o + 4;
  }
  buf[o] = AttrFlag.OPTIONAL;
  buf[o + 1] = type;
  buf[o + 2] = len;
  return o + 3;
}

function withoutNextHop(attrs: PathAttributes): PathAttributes {
  if (attrs.nextHop === undefined) return attrs;
  const { nextHop: _nh, ...rest } = attrs;
  return rest;
}

