// ORIGINATOR_ID (RFC 4456 §8): optional non-transitive, a 4-octet router ID.
// Wrong length: treat-as-withdraw (RFC 7606 §7.9).

import { AttrType } from '../constants.js';
import { readIpv4, writeIpv4 } from '../address.js';
import { lengthProblem, type AttrRow } from './row.js';

export const originatorIdRow: AttrRow<'originatorId'> = {
  type: AttrType.ORIGINATOR_ID, name: 'ORIGINATOR_ID', key: 'originatorId', optional: true, transitive: false,
  onError: 'treat-as-withdraw',
  decode: (value) => (value.length === 4 ? readIpv4(value, 0) : lengthProblem('ORIGINATOR_ID', value.length, '4')),
  size: () => 4,
  write: (v, buf, off) => writeIpv4(v, buf, off),
};
