// Mutations of corpus messages, and the random decode conditions they meet.
// Each input is one corpus message with 1-4 seeded mutations: bit flips,
// interesting and random bytes, tweaks of the header length and of the body's
// length/count fields and attribute flags (located once per corpus message,
// see corpus.ts), truncation, extension, duplicated and removed slices, and
// splices with (or concatenation of) another message. Positions favour the
// body, and most inputs get an honest header length again, so that the damage
// reaches the body decoders instead of stopping at the header check. The
// input is then decoded with the message's own options or random ones (AS4,
// ADD-PATH families, Extended Message) and fed to the Framer in random
// chunks (whole, octet by octet, random sizes, sometimes an empty chunk).

import { AttrFlag, wireOptions, type FamilyName, type WireOptions } from '../index.js';
import type { Entry } from './corpus.js';
import type { Rng } from './rng.js';

const INTERESTING = [0, 1, 0x7f, 0x80, 0xff];

/** A position in [0, len), mostly in the body: damage to the marker only ever meets the header check. */
function position(rng: Rng, len: number): number {
  return len > 19 && rng.bool(0.85) ? 19 + rng.int(len - 19) : rng.int(len);
}

export function mutate(rng: Rng, e: Entry, corpus: readonly Entry[]): Buffer {
  let buf = Buffer.from(e.bytes);
  let concatenated = false;
  const n = 1 + rng.int(4);
  for (let k = 0; k < n; k++) {
    const len = buf.length;
    switch (rng.int(10)) {
      case 0: // bit flip
        if (len) buf[position(rng, len)]! ^= 1 << rng.int(8);
        break;
      case 1: // interesting byte
        if (len) buf[position(rng, len)] = rng.pick(INTERESTING);
        break;
      case 2: { // header length field
        if (len < 18) break;
        const cur = buf.readUInt16BE(16);
        const v = rng.pick([cur - 1, cur + 1, cur - 1 - rng.int(16), cur + 1 + rng.int(16), 0, 18, 19, 20, 22, 28, 4095, 4096, 4097, 65535, rng.int(65536)]);
        buf.writeUInt16BE(v & 0xffff, 16);
        break;
      }
      case 3: { // a length/count field inside the body, or an attribute's flags
        if (e.flags.length && rng.bool(0.25)) {
          const p = rng.pick(e.flags);
          if (p < len) buf[p]! ^= rng.pick([AttrFlag.EXTENDED_LENGTH, AttrFlag.PARTIAL, AttrFlag.OPTIONAL, AttrFlag.TRANSITIVE, 0x0f]);
          break;
        }
        if (!e.fields.length) break;
        const f = rng.pick(e.fields);
        if (f.pos + f.size > len) break;
        const maxV = f.size === 1 ? 0xff : 0xffff;
        const cur = f.size === 1 ? buf[f.pos]! : buf.readUInt16BE(f.pos);
        const d = 1 + rng.int(4);
        let v = rng.pick([cur + d, cur - d, cur + 1, cur - 1, 0, maxV, rng.int(maxV + 1), cur ^ 0x80]);
        v = ((v % (maxV + 1)) + maxV + 1) % (maxV + 1);
        if (f.size === 1) buf[f.pos] = v;
        else buf.writeUInt16BE(v, f.pos);
        break;
      }
      case 4: // truncation
        buf = Buffer.from(buf.subarray(0, position(rng, len + 1)));
        break;
      case 5: // extension with random bytes
        buf = Buffer.concat([buf, rng.bytes(1 + rng.int(rng.bool(0.8) ? 16 : 300))]);
        break;
      case 6: { // duplicate a slice
        if (!len) break;
        const a = rng.int(len);
        const b = a + 1 + rng.int(Math.min(len - a, 96));
        const at = position(rng, len + 1);
        buf = Buffer.concat([buf.subarray(0, at), buf.subarray(a, b), buf.subarray(at)]);
        break;
      }
      case 7: { // splice with another message
        const other = rng.pick(corpus).bytes;
        if (rng.bool(0.4)) {
          buf = Buffer.concat([buf, other]);
          concatenated = true;
        } else {
          buf = Buffer.concat([buf.subarray(0, position(rng, len + 1)), other.subarray(position(rng, other.length + 1))]);
        }
        break;
      }
      case 8: // random byte
        if (len) buf[position(rng, len)] = rng.int(256);
        break;
      default: { // remove a slice
        if (!len) break;
        const a = position(rng, len);
        const b = a + 1 + rng.int(Math.min(len - a, 32));
        buf = Buffer.concat([buf.subarray(0, a), buf.subarray(b)]);
      }
    }
  }
  // Most mutations would otherwise only meet the header check: often make
  // the length field honest again so that the body decoders see the damage.
  if (!concatenated && buf.length >= 19 && buf.length <= 0xffff && rng.bool(0.75)) buf.writeUInt16BE(buf.length, 16);
  if (buf.length > 18 && rng.bool(0.05)) buf[18] = rng.pick([0, 1, 2, 3, 4, 5, 6, 255]);
  return buf;
}

const ADD_PATH_SETS: readonly ReadonlySet<FamilyName>[] = [
  new Set(), new Set(['ipv4-unicast']), new Set(['ipv6-unicast']), new Set(['ipv4-unicast', 'ipv6-unicast']),
];

export function randomOptions(rng: Rng): WireOptions {
  return wireOptions({ as4: rng.bool(0.6), addPath: rng.pick(ADD_PATH_SETS), extendedMessage: rng.bool(0.3) });
}

export function chunking(rng: Rng, len: number): number[] {
  const mode = rng.int(6);
  if (mode === 0 || len === 0) return [len];
  if (mode === 1 && len <= 128) return new Array<number>(len).fill(1);
  const out: number[] = [];
  const scale = rng.pick([2, 8, 19, 20, 64, 512, 4096]);
  for (let left = len; left > 0;) {
    const s = Math.min(left, 1 + rng.int(scale));
    out.push(s);
    left -= s;
  }
  if (rng.bool(0.2)) out.splice(rng.int(out.length + 1), 0, 0); // an empty chunk
  return out;
}
