// ORIGIN (RFC 4271 §5.1.1): well-known mandatory, one octet 0..2.
// Malformed (length != 1 or undefined value): treat-as-withdraw (RFC 7606 §7.1).

import { AttrType } from '../constants.js';
import { AttrProblem, lengthProblem, type AttrRow } from './row.js';
import type { Origin } from './types.js';

const INVALID_ORIGIN = 6;

export const originRow: AttrRow<'origin'> = {
  type: AttrType.ORIGIN, name: 'ORIGIN', key: 'origin', optional: false, transitive: true,
  onError: 'treat-as-withdraw',
  decode(value) {
    if (value.length !== 1) return lengthProblem('ORIGIN', value.length, '1');
    const v = value[0]!;
    return v <= 2 ? (v as Origin) : new AttrProblem(INVALID_ORIGIN, `ORIGIN value ${v} is not IGP(0), EGP(1) or INCOMPLETE(2)`);
  },
  size: () => 1,
  write(v, buf, off) {
    buf[off] = v;
  },
};
