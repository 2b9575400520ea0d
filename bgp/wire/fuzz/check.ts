// The invariants the wire fuzzer checks on each input. The codec decodes bytes
// from untrusted peers, so its contract must hold on any octets:
//   - decodeMessage and Framer.push never throw;
//   - every failure is a well-formed WireError (NOTIFICATION code 1..8, a
//     subcode, a Buffer of data, an RFC 7606 action, a non-empty reason);
//   - every message that decodes re-encodes with encodeMessage (same options),
//     and the re-encoded bytes decode again to a structurally equal message;
//   - the Framer reassembles exactly the bytes it was given, never buffers
//     more than one maximum-size message, and stays closed after an error.
// examine checks them on the input as one message, as a stream through a
// Framer in the given chunks, and on each framed message; it returns the
// first violation as a Problem and counts outcomes into Stats when given
// some. The run-level checks (input not modified, no hang, bounded heap) are
// in fuzz.ts.

import { inspect, isDeepStrictEqual } from 'node:util';
import {
  Framer, decodeMessage, encodeMessage, maxMessageLength, strongestAction,
  type Message, type WireError, type WireOptions,
} from '../index.js';

export interface Stats {
  decoded: number;
  rejected: number;
  reencoded: number;
  framed: number;
  framerErrors: number;
  byAction: Record<string, number>;
  byCode: Record<string, number>;
}

export function newStats(): Stats {
  return { decoded: 0, rejected: 0, reencoded: 0, framed: 0, framerErrors: 0, byAction: {}, byCode: {} };
}

const bump = (r: Record<string, number>, k: string) => { r[k] = (r[k] ?? 0) + 1; };

export type Problem = { kind: string; detail: string };

const ACTIONS = new Set(['session-reset', 'afi-safi-disable', 'treat-as-withdraw', 'attribute-discard']);

function errorProblem(e: unknown, where: string): Problem | undefined {
  const bad = (why: string): Problem => ({ kind: 'bad-error', detail: `${where}: ${why}: ${inspect(e, { depth: 2 })}` });
  if (typeof e !== 'object' || e === null) return bad('not an object');
  const w = e as Partial<WireError>;
  if (!Number.isInteger(w.code) || w.code! < 1 || w.code! > 8) return bad('code is not an integer 1..8');
  if (!Number.isInteger(w.subcode) || w.subcode! < 0 || w.subcode! > 255) return bad('subcode is not an integer 0..255');
  if (!Buffer.isBuffer(w.data)) return bad('data is not a Buffer');
  if (typeof w.action !== 'string' || !ACTIONS.has(w.action)) return bad('action is not one of RFC 7606 §2');
  if (typeof w.reason !== 'string' || w.reason.length === 0) return bad('reason is empty');
  return undefined;
}

function decodeChecked(buf: Buffer, opts: WireOptions, where: string, stats: Stats | undefined): Problem | { result: ReturnType<typeof decodeMessage> } {
  let r: ReturnType<typeof decodeMessage>;
  try {
    r = decodeMessage(buf, opts);
  } catch (e) {
    return { kind: 'decode-threw', detail: `${where}: decodeMessage threw ${(e as Error)?.stack ?? String(e)}` };
  }
  if (r.ok) {
    for (const e of r.errors) {
      const p = errorProblem(e, `${where}: non-fatal error of an accepted message`);
      if (p) return p;
    }
    if (stats) {
      stats.decoded++;
      bump(stats.byAction, strongestAction(r.errors) ?? 'none');
    }
  } else {
    const p = errorProblem(r.error, `${where}: rejection`);
    if (p) return p;
    if (stats) {
      stats.rejected++;
      bump(stats.byAction, r.error.action);
      bump(stats.byCode, `${r.error.code}/${r.error.subcode}`);
    }
  }
  return { result: r };
}

const show = (m: unknown) => {
  const s = inspect(m, { depth: 8, maxArrayLength: 30, breakLength: 160 });
  return s.length > 4000 ? `${s.slice(0, 4000)}…` : s;
};

/** Re-encode an accepted message and decode it again: it must come back equal. */
function reencode(m: Message, opts: WireOptions, where: string, stats: Stats | undefined): Problem | undefined {
  let bytes: Buffer;
  try {
    bytes = encodeMessage(m, opts);
  } catch (e) {
    return { kind: 'reencode-threw', detail: `${where}: encodeMessage threw on a decoded ${m.kind}: ${String(e)}\ndecoded: ${show(m)}` };
  }
  if (bytes.length > maxMessageLength(opts)) {
    return { kind: 'reencode-too-long', detail: `${where}: re-encoded ${m.kind} is ${bytes.length} octets` };
  }
  let again: ReturnType<typeof decodeMessage>;
  try {
    again = decodeMessage(bytes, opts);
  } catch (e) {
    return { kind: 'decode-threw', detail: `${where}: decodeMessage threw on re-encoded bytes ${bytes.toString('hex')}: ${String(e)}` };
  }
  if (stats) stats.reencoded++;
  if (!again.ok) {
    return { kind: 'reencode-rejected', detail: `${where}: re-encoded ${m.kind} is rejected: ${show(again.error)}\ndecoded: ${show(m)}\nre-encoded: ${bytes.toString('hex')}` };
  }
  if (!isDeepStrictEqual(again.message, m)) {
    return { kind: 'reencode-mismatch', detail: `${where}: re-encoded ${m.kind} decodes differently\nfirst:  ${show(m)}\nsecond: ${show(again.message)}\nre-encoded: ${bytes.toString('hex')}` };
  }
  return undefined;
}

function checkDecode(buf: Buffer, opts: WireOptions, where: string, stats: Stats | undefined): Problem | undefined {
  const d = decodeChecked(buf, opts, where, stats);
  if (!('result' in d)) return d;
  const r = d.result;
  if (r.ok && r.message) return reencode(r.message, opts, where, stats);
  return undefined;
}

export function examine(input: Buffer, opts: WireOptions, chunks: readonly number[], stats: Stats | undefined): Problem | undefined {
  // 1. The input as one message.
  const direct = checkDecode(input, opts, 'direct decode', stats);
  if (direct) return direct;

  // 2. The input as a stream through a Framer, in the given chunks.
  const max = maxMessageLength(opts);
  const framer = new Framer(max);
  const framed: Buffer[] = [];
  let error: WireError | undefined;
  let o = 0;
  for (const size of chunks) {
    const chunk = input.subarray(o, o + size);
    o += size;
    let r;
    try {
      r = framer.push(chunk);
    } catch (e) {
      return { kind: 'framer-threw', detail: `Framer.push threw at stream offset ${o - size}: ${(e as Error)?.stack ?? String(e)}` };
    }
    if (error && r.messages.length > 0) return { kind: 'framer', detail: 'Framer returned messages after an error' };
    if (error && r.error !== error) return { kind: 'framer', detail: 'Framer returned a different error after the first' };
    framed.push(...r.messages);
    if (r.error) {
      const p = errorProblem(r.error, 'Framer error');
      if (p) return p;
      error = r.error;
    }
    if (framer.buffered > max) return { kind: 'framer', detail: `Framer buffers ${framer.buffered} octets, more than one ${max}-octet message` };
  }
  if (error) {
    const after = framer.push(Buffer.from([0xff]));
    if (after.error !== error || after.messages.length) return { kind: 'framer', detail: 'Framer did not stay closed after its error' };
  }
  let consumed = 0;
  for (const m of framed) {
    if (m.length < 19 || m.length > max || m.readUInt16BE(16) !== m.length) {
      return { kind: 'framer', detail: `Framer produced a message of ${m.length} octets with length field ${m.length >= 18 ? m.readUInt16BE(16) : '?'}` };
    }
    if (!m.equals(input.subarray(consumed, consumed + m.length))) return { kind: 'framer', detail: `Framer message at stream offset ${consumed} differs from the input` };
    consumed += m.length;
  }
  if (!error && consumed + framer.buffered !== input.length) {
    return { kind: 'framer', detail: `Framer lost octets: ${consumed} framed + ${framer.buffered} buffered of ${input.length}` };
  }
  if (stats) {
    stats.framed += framed.length;
    if (error) stats.framerErrors++;
  }
  // 3. Each framed message that is not the whole input (those were checked in 1).
  for (let i = 0; i < framed.length; i++) {
    const m = framed[i]!;
    if (m.length === input.length) continue;
    const p = checkDecode(m, opts, `framed message ${i}`, undefined);
    if (p) return p;
  }
  return undefined;
}
