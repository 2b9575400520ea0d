// Support for 4-octet AS numbers (RFC 6793 §3): the speaker's 4-octet AS.

import { CapCode } from '../constants.js';
import type { CapRow } from './row.js';

export const as4Cap: CapRow<'as4'> = {
  code: CapCode.FOUR_OCTET_AS, kind: 'as4',
  decode: (v) => (v.length === 4 ? { kind: 'as4', asn: v.readUInt32BE(0) } : `4-octet AS capability has length ${v.length}, expected 4`),
  size: () => 4,
  write: (c, b, o) => void b.writeUInt32BE(c.asn, o),
};
