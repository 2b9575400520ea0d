import { describe, expect, it } from 'vitest';
import { parseNodeSelector } from './selector.js';

const zoneA = { zone: 'a', rack: 'r1' };
const zoneB = { zone: 'b' };

describe('parseNodeSelector', () => {
  it.each([
    ['', zoneA, true],
    ['all()', zoneB, true],
    ["zone == 'a'", zoneA, true],
    ["zone == 'a'", zoneB, false],
    ['zone == "b"', zoneB, true],
    ["zone != 'a'", zoneB, true],
    ["zone != 'a'", {}, true],
    ["zone == 'a'", {}, false],
    ['has(rack)', zoneA, true],
    ['has(rack)', zoneB, false],
    ['!has(rack)', zoneB, true],
    ["has(rack) && zone == 'a'", zoneA, true],
    ["has(rack) && zone == 'b'", zoneA, false],
    ["zone == 'x' || zone == 'b'", zoneB, true],
    ["zone == 'x' || has(rack) && zone == 'b'", zoneA, false],
    ["(zone == 'x' || has(rack)) && zone == 'a'", zoneA, true],
    ["zone in {'a', 'c'}", zoneA, true],
    ["zone in {'a', 'c'}", zoneB, false],
    ["zone not in {'a'}", zoneB, true],
    ["zone not in {'a'}", {}, true],
    ["!(zone == 'a')", zoneA, false],
    ["topology.kubernetes.io/zone == 'z1'", { 'topology.kubernetes.io/zone': 'z1' }, true],
  ] as const)('%s on %j → %s', (src, labels, want) => {
    expect(parseNodeSelector(src)(labels)).toBe(want);
  });

  it.each([
    ["zone = 'a'", /invalid nodeSelector "zone = 'a'": unexpected "=" at 5/],
    ["zone == a", /expected a quoted value at 8/],
    ["zone == 'a", /unterminated string at 8/],
    ['has(zone', /expected "\)" at 8/],
    ["zone == 'a' &&", /expected a label key, all\(\) or has\(\) at 14/],
    ["zone == 'a' zone", /unexpected "zone" at 12/],
    ['zone', /expected ==, !=, in or not in after "zone"/],
  ])('rejects %s', (src, msg) => {
    expect(() => parseNodeSelector(src)).toThrow(msg);
  });
});
