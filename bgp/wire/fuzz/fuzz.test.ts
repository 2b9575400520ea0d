// Short runs of the wire-codec mutation fuzzer (fuzz.ts) so that every test
// run checks the decoder's contract on tens of thousands of malformed inputs:
// decodeMessage and the Framer never throw, failures are well-formed
// WireErrors, accepted messages re-encode and decode back to the same value,
// nothing hangs. The long run is `npm run fuzz:wire`. Also checks that the
// corpus the fuzzer mutates is valid to begin with (otherwise the runs would
// prove little) and that a run is reproducible from its seed.

import { describe, expect, it } from 'vitest';
import { decodeMessage, wireOptions } from '../index.js';
import { checkInput, corpusForTest, runFuzz, type FuzzResult } from './fuzz.js';

function sane(r: FuzzResult, iterations: number): void {
  expect(r.violations).toBe(0);
  expect(r.iterations).toBe(iterations);
  expect(r.decoded + r.rejected).toBe(iterations);
  // the mutations must reach past the header checks into the body decoders
  expect(r.decoded).toBeGreaterThan(iterations * 0.05);
  expect(r.reencoded).toBeGreaterThan(iterations * 0.05);
  expect(Object.keys(r.byCode).length).toBeGreaterThanOrEqual(8);
  for (const action of ['none', 'attribute-discard', 'treat-as-withdraw', 'afi-safi-disable', 'session-reset']) {
    expect(r.byAction[action] ?? 0, action).toBeGreaterThan(0);
  }
  expect(r.maxHeapMiB).toBeLessThan(512);
}

describe('wire fuzzer', () => {
  it('mutates a corpus of valid messages (encoder-built and captured)', () => {
    const corpus = corpusForTest();
    expect(corpus.length).toBeGreaterThan(40);
    const kinds = new Set<string>();
    for (const c of corpus) {
      const r = decodeMessage(c.bytes, c.opts);
      expect(r.ok, c.name).toBe(true);
      if (!r.ok) continue;
      expect(r.errors, c.name).toEqual([]);
      if (r.message) kinds.add(r.message.kind);
      else expect(c.name).toBe('route-refresh-subtype-3'); // the one message to ignore (RFC 7313 §5)
    }
    expect([...kinds].sort()).toEqual(['keepalive', 'notification', 'open', 'route-refresh', 'update']);
  });

  it('30,000 iterations, seed 1: no violations', () => {
    const r = runFuzz({ iterations: 30_000, seed: 1 });
    sane(r, 30_000);
    expect(r.ms).toBeLessThan(15_000);
  });

  it('20,000 iterations, seed 0xC0FFEE: no violations', () => {
    sane(runFuzz({ iterations: 20_000, seed: 0xc0ffee }), 20_000);
  });

  // Found by the fuzzer (`fuzz:wire`, source open-extended-params): the FQDN
  // capability decodes its octets as UTF-8 text, so invalid UTF-8 becomes
  // U+FFFD (3 octets each) and the decoded OPEN no longer fits on re-encode
  // (RangeError "capability 73 of 302 octets is too long"). A smaller growth
  // re-encodes, but not to the octets received. Minimal case: one FQDN
  // capability, hostname of 100 octets 0xff, empty domain.
  it('regression: an OPEN whose FQDN capability is not UTF-8 re-encodes', () => {
    const hex = `${'ff'.repeat(16)}0087 01 04 fde9 005a 0a000001 6a 02 68 49 66 64 ${'ff'.repeat(100)} 00`.replace(/ /g, '');
    const input = Buffer.from(hex, 'hex');
    expect(decodeMessage(input, wireOptions()).ok).toBe(true);
    expect(checkInput(input, wireOptions())).toBeUndefined();
  });

  it('is reproducible from its seed', () => {
    const strip = ({ ms: _ms, maxHeapMiB: _h, ...rest }: FuzzResult) => rest;
    expect(strip(runFuzz({ iterations: 2_000, seed: 42 }))).toEqual(strip(runFuzz({ iterations: 2_000, seed: 42 })));
  });
});
