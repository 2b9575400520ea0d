// Golden fixtures both ways: decode(hex) equals the expected object and
// encode(object) gives back the exact bytes. Hand-assembled fixtures from
// fixtures/golden.ts; captured BIRD/FRR/GoBGP sessions from fixtures/captured/.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GOLDEN } from './fixtures/golden.js';
import { decodeMessage, encodeMessage } from './message.js';
import { wireOptions } from './options.js';
import type { FamilyName } from './families.js';

describe('golden fixtures (hand-assembled)', () => {
  for (const g of GOLDEN) {
    it(`${g.name}: decodes to the expected object`, () => {
      const r = decodeMessage(Buffer.from(g.hex, 'hex'), g.opts);
      if (!r.ok) throw new Error(`decode failed: ${r.error.reason}`);
      expect(r.errors).toEqual([]);
      expect(r.message).toEqual(g.message);
    });
    it(`${g.name}: encodes to the same bytes`, () => {
      expect(encodeMessage(g.message, g.opts).toString('hex')).toBe(g.hex);
    });
  }
});

interface CapturedFile {
  name: string;
  captured: string;
  messages: { from: string; to: string; type: string; note: string; hex: string; decode: { as4: boolean; addPath: FamilyName[]; extendedMessage: boolean } }[];
}

const capturedDir = join(import.meta.dirname, 'fixtures', 'captured');
const capturedFiles = readdirSync(capturedDir).filter((f) => f.endsWith('.json')).sort();

describe('golden fixtures captured from BIRD, FRR and GoBGP', () => {
  it('the captured fixture set is present (three sessions or more)', () => {
    expect(capturedFiles.length).toBeGreaterThanOrEqual(3);
  });
  for (const file of capturedFiles) {
    const fx = JSON.parse(readFileSync(join(capturedDir, file), 'utf8')) as CapturedFile;
    it(`${file}: every message decodes cleanly and re-encodes to the captured bytes`, () => {
      expect(fx.messages.length).toBeGreaterThan(0);
      for (const [i, m] of fx.messages.entries()) {
        const opts = wireOptions({ as4: m.decode.as4, addPath: new Set(m.decode.addPath), extendedMessage: m.decode.extendedMessage });
        const raw = Buffer.from(m.hex, 'hex');
        const where = `${file} #${i} ${m.from}->${m.to} ${m.type} (${m.note})`;
        const r = decodeMessage(raw, opts);
        if (!r.ok) throw new Error(`${where}: ${r.error.reason}`);
        expect(r.errors, where).toEqual([]);
        expect(r.message, where).toBeDefined();
        expect(encodeMessage(r.message!, opts).toString('hex'), where).toBe(m.hex);
      }
    });
  }
});
