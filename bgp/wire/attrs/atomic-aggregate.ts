// ATOMIC_AGGREGATE (RFC 4271 §5.1.6): well-known discretionary, length 0.
// Wrong length: attribute discard (RFC 7606 §7.6).

import { AttrType } from '../constants.js';
import { lengthProblem, type AttrRow } from './row.js';

export const atomicAggregateRow: AttrRow<'atomicAggregate'> = {
  type: AttrType.ATOMIC_AGGREGATE, name: 'ATOMIC_AGGREGATE', key: 'atomicAggregate', optional: false, transitive: true,
  onError: 'attribute-discard',
  decode: (value) => (value.length === 0 ? true : lengthProblem('ATOMIC_AGGREGATE', value.length, '0')),
  size: () => 0,
  write: () => undefined,
};
