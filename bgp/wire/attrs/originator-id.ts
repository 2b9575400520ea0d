// ORIGINATOR_ID (RFC 4456 §8): optional non-transitive, a 4-octet router ID.
// Wrong length: treat-as-withdraw (RFC 7606 §7.9).

import { AttrType } from '../constants.js';
import { ipv4Row } from './row.js';

export const originatorIdRow = ipv4Row(AttrType.ORIGINATOR_ID, 'ORIGINATOR_ID', 'originatorId', true, false);
