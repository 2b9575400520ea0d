// Framer (framer.ts): TCP delivers a byte stream cut anywhere, so the framer
// must give back exactly the messages that were sent whatever the cuts,
// without copying messages that lie inside one chunk, and must reject a bad
// header (RFC 4271 §6.1: marker, length, type) as soon as the 19 header
// octets are in, before buffering a body, so that a peer can never make a
// session hold more than one maximum-size message.

import { describe, expect, it } from 'vitest';
import { encodeKeepalive, encodeMessage, encodeNotification, encodeOpen, encodeRouteRefresh, encodeUpdate, endOfRib, makeOpen } from './index.js';
import { Framer, type FrameResult } from './framer.js';
import { decodeMessage } from './message.js';
import { wireOptions } from './options.js';
import { Prefix } from './prefix.js';
import type { WireError } from './errors.js';

const opts = wireOptions();

function stream(): Buffer[] {
  return [
    encodeOpen(makeOpen({ asn: 4200000001, holdTime: 90, routerId: '198.18.0.1', capabilities: [{ kind: 'as4', asn: 4200000001 }, { kind: 'route-refresh' }] })),
    encodeKeepalive(),
    encodeUpdate({
      kind: 'update', withdrawn: [Prefix.parse('10.0.0.0/8')], nlri: [Prefix.parse('100.64.0.1/32'), Prefix.parse('100.64.1.0/24')],
      attrs: { origin: 0, asPath: [{ type: 2, asns: [65001, 4200000001] }], nextHop: '198.18.0.1', communities: [1, 2] },
    }, opts),
    encodeUpdate(endOfRib(2), opts),
    encodeRouteRefresh({ afi: 1, safi: 1, subtype: 0 }),
    encodeNotification({ code: 6, subcode: 2, data: Buffer.from('\x05bye!!') }),
    encodeKeepalive(),
  ];
}

/** A header: marker, length, type. */
function header(length: number, type: number, marker = 0xff): Buffer {
  const b = Buffer.alloc(19, marker);
  b.writeUInt16BE(length, 16);
  b[18] = type;
  return b;
}

function pushAll(f: Framer, chunks: Buffer[]): FrameResult {
  const messages: Buffer[] = [];
  let error: WireError | undefined;
  for (const c of chunks) {
    const r = f.push(c);
    messages.push(...r.messages);
    error ??= r.error;
  }
  return error ? { messages, error } : { messages };
}

function expectError(r: FrameResult, code: number, subcode: number, data?: Buffer): WireError {
  expect(r.error).toBeDefined();
  const e = r.error!;
  expect([e.code, e.subcode]).toEqual([code, subcode]);
  expect(e.action).toBe('session-reset');
  expect(e.reason).not.toBe('');
  if (data) expect(e.data).toEqual(data);
  return e;
}

describe('Framer: reassembly', () => {
  const msgs = stream();
  const all = Buffer.concat(msgs);

  it('yields exactly the messages for a split at every byte offset', () => {
    for (let cut = 0; cut <= all.length; cut++) {
      const f = new Framer();
      const r = pushAll(f, [all.subarray(0, cut), all.subarray(cut)]);
      expect(r.error).toBeUndefined();
      expect(r.messages).toEqual(msgs);
      expect(f.buffered).toBe(0);
    }
  });

  it('yields exactly the messages for two cuts at every pair of offsets around each header', () => {
    // every pair would be ~10^5 runs; pairs within 40 octets cover a header split three ways
    for (let a = 0; a <= all.length; a++) {
      for (let b = a; b <= Math.min(all.length, a + 40); b++) {
        const r = pushAll(new Framer(), [all.subarray(0, a), all.subarray(a, b), all.subarray(b)]);
        expect(r.error).toBeUndefined();
        expect(r.messages.length).toBe(msgs.length);
      }
    }
  });

  it('yields exactly the messages one byte at a time', () => {
    const f = new Framer();
    const out: Buffer[] = [];
    for (let i = 0; i < all.length; i++) {
      const r = f.push(all.subarray(i, i + 1));
      expect(r.error).toBeUndefined();
      out.push(...r.messages);
      expect(f.buffered).toBeLessThan(4096);
    }
    expect(out).toEqual(msgs);
    expect(f.buffered).toBe(0);
  });

  it('accepts empty chunks anywhere', () => {
    const f = new Framer();
    const r = pushAll(f, [Buffer.alloc(0), all.subarray(0, 5), Buffer.alloc(0), all.subarray(5, 30), Buffer.alloc(0), all.subarray(30)]);
    expect(r.messages).toEqual(msgs);
  });

  it('returns messages lying in one chunk as zero-copy views of that chunk', () => {
    const chunk = Buffer.concat(msgs); // one allocation: its own ArrayBuffer region
    const r = new Framer().push(chunk);
    expect(r.messages.length).toBe(msgs.length);
    let off = 0;
    for (const m of r.messages) {
      expect(m.buffer).toBe(chunk.buffer);
      expect(m.byteOffset).toBe(chunk.byteOffset + off);
      off += m.length;
    }
    // a message split across chunks is copied into a buffer of its own length
    const [a, b] = [chunk.subarray(0, 40), chunk.subarray(40)];
    const f = new Framer();
    expect(f.push(a).messages).toEqual([]);
    const first = f.push(b).messages[0]!;
    expect(first).toEqual(msgs[0]);
    const insideChunk = first.buffer === b.buffer && first.byteOffset >= b.byteOffset && first.byteOffset < b.byteOffset + b.length;
    expect(insideChunk).toBe(false);
  });

  it('frames, decodes and re-encodes an encoded stream in any chunk size', () => {
    const msgs = stream();
    const all = Buffer.concat(msgs.map((m) => Buffer.from(m)));
    for (const size of [1, 2, 3, 18, 19, 20, 64, 1000]) {
      const chunks: Buffer[] = [];
      for (let o = 0; o < all.length; o += size) chunks.push(all.subarray(o, o + size));
      const r = pushAll(new Framer(), chunks);
      expect(r.error).toBeUndefined();
      const decoded = r.messages.map((m) => decodeMessage(m, opts));
      expect(decoded).toEqual(msgs.map((m) => decodeMessage(m, opts)));
      expect(decoded.map((d) => (d.ok && d.message ? encodeMessage(d.message, opts) : undefined))).toEqual(msgs);
    }
  });

  it('decodes what it frames', () => {
    for (const m of new Framer().push(all).messages) expect(decodeMessage(m, opts).ok).toBe(true);
  });
});

describe('Framer: header errors (RFC 4271 §6.1)', () => {
  it('bad marker: Connection Not Synchronized (1/1)', () => {
    for (const i of [0, 7, 15]) {
      const ka = encodeKeepalive();
      ka[i] = 0xfe;
      expectError(new Framer().push(ka), 1, 1);
    }
    expectError(new Framer().push(header(19, 4, 0)), 1, 1);
  });

  it('length below 19: Bad Message Length (1/2), data the 2-octet length', () => {
    for (const len of [0, 1, 18]) expectError(new Framer().push(header(len, 4)), 1, 2, Buffer.from([len >> 8, len & 255]));
  });

  it('length above 4096: Bad Message Length (1/2), data the 2-octet length', () => {
    for (const len of [4097, 5000, 65535]) expectError(new Framer().push(header(len, 2)), 1, 2, Buffer.from([len >> 8, len & 255]));
  });

  it('accepts up to 65535 after setMaxLength(65535) (RFC 8654)', () => {
    const big = Buffer.alloc(65535);
    header(65535, 3).copy(big);
    const f = new Framer();
    f.setMaxLength(65535);
    const r = pushAll(f, [big.subarray(0, 1000), big.subarray(1000, 40000), big.subarray(40000)]);
    expect(r.error).toBeUndefined();
    expect(r.messages).toEqual([big]);
    const g = new Framer(65535);
    expect(g.push(big).messages[0]!.length).toBe(65535);
    // the extended limit applies to the decoder too
    expect(decodeMessage(big, wireOptions({ extendedMessage: true })).ok).toBe(true);
    expect(decodeMessage(big, opts).ok).toBe(false);
  });

  it('unknown type: Bad Message Type (1/3), data the type', () => {
    for (const t of [0, 6, 7, 128, 255]) expectError(new Framer().push(header(19, t)), 1, 3, Buffer.from([t]));
  });

  it('per-type minimum lengths (RFC 4271 §4, RFC 2918 §3)', () => {
    // the framer knows the minimum of each type
    for (const [type, min] of [[1, 29], [2, 23], [3, 21], [5, 23]] as const) {
      expectError(new Framer().push(header(min - 1, type)), 1, 2, Buffer.from([0, min - 1]));
      const ok = Buffer.alloc(min);
      header(min, type).copy(ok);
      expect(new Framer().push(ok).error).toBeUndefined();
    }
    // KEEPALIVE has no maximum in the framer; decodeMessage insists on 19
    const ka = Buffer.alloc(20);
    header(20, 4).copy(ka);
    const r = new Framer().push(ka);
    expect(r.error).toBeUndefined();
    expect(r.messages).toEqual([ka]);
    const d = decodeMessage(r.messages[0]!, opts);
    expect(d.ok).toBe(false);
    if (!d.ok) expect([d.error.code, d.error.subcode, d.error.data]).toEqual([1, 2, Buffer.from([0, 20])]);
  });

  it('reports the error as soon as the header is in, before the body', () => {
    const f = new Framer();
    expectError(f.push(header(4097, 2)), 1, 2);
    expect(f.buffered).toBe(0);
    // header itself split: the error comes with its 19th octet
    const g = new Framer();
    const h = header(60000, 2);
    expect(g.push(h.subarray(0, 10))).toEqual({ messages: [] });
    expect(g.push(h.subarray(10, 18))).toEqual({ messages: [] });
    expectError(g.push(h.subarray(18)), 1, 2, Buffer.from([0xea, 0x60]));
    // a valid header alone is buffered, waiting for the body
    const k = new Framer();
    expect(k.push(header(4096, 2))).toEqual({ messages: [] });
    expect(k.buffered).toBe(19);
  });

  it('messages before the error in the same chunk are delivered with it', () => {
    const ka = encodeKeepalive();
    const r = new Framer().push(Buffer.concat([ka, ka, header(19, 9)]));
    expect(r.messages).toEqual([ka, ka]);
    expectError(r, 1, 3);
  });

  it('after an error further pushes return the same error and no messages', () => {
    const f = new Framer();
    const e = expectError(f.push(header(3, 4)), 1, 2);
    for (const more of [encodeKeepalive(), Buffer.alloc(0), Buffer.concat(stream())]) {
      const r = f.push(more);
      expect(r.error).toBe(e);
      expect(r.messages).toEqual([]);
      expect(f.buffered).toBe(0);
    }
  });
});

describe('Framer: memory', () => {
  it('never buffers more than one maximum-size message', () => {
    for (const max of [4096, 65535]) {
      const f = new Framer(max);
      const msg = Buffer.alloc(max);
      header(max, 3).copy(msg);
      const s = Buffer.concat([msg, msg, encodeKeepalive(), msg]);
      let seen = 0;
      for (let o = 0, step = 1; o < s.length; o += step, step = (step * 7 + 3) % 1500 + 1) {
        const r = f.push(s.subarray(o, o + step));
        expect(r.error).toBeUndefined();
        seen += r.messages.length;
        expect(f.buffered).toBeLessThanOrEqual(max);
        expect(f.buffered).toBeLessThan(max); // a complete message is handed out, not kept
      }
      expect(seen).toBe(4);
      expect(f.buffered).toBe(0);
    }
  });

  it('a header announcing 4096 octets is only followed by what arrives', () => {
    const f = new Framer();
    const h = header(4096, 2);
    f.push(h);
    f.push(Buffer.alloc(100));
    expect(f.buffered).toBe(119);
  });
});
