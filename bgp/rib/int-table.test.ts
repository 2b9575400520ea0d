// IntTable must stay healthy when filled in another IntTable's slot order —
// what happens when one speaker's Adj-RIB-Out is drained into the next
// speaker's tables. With one shared hash function that order is sorted by
// hash and linear probing builds long clusters; per-table seeds prevent it.
// Measured as probe lengths, not time.

import { describe, expect, it } from 'vitest';
import { IntTable } from './int-table.js';

describe('IntTable', () => {
  it('keeps short probe sequences when filled in another table’s slot order', () => {
    const a = new IntTable<number>();
    for (let i = 0; i < 300_000; i++) a.set((0x64400000 + i) | 0, i);
    const b = new IntTable<number>();
    for (const k of a.keysInSlotOrder()) b.set(k, 1);
    expect(b.size).toBe(300_000);
    expect(b.probes / b.size).toBeLessThan(4);
    expect(b.probeStats().mean).toBeLessThan(3);
  });
});
