// LOCAL_PREF (RFC 4271 §5.1.5): well-known, iBGP only, 4 octets.
// Wrong length: treat-as-withdraw (RFC 7606 §7.5). Received over eBGP it is
// discarded by the session layer, which knows the peer type.

import { AttrType } from '../constants.js';
import { u32Row } from './row.js';

export const localPrefRow = u32Row(AttrType.LOCAL_PREF, 'LOCAL_PREF', 'localPref', false, true,
  (b) => b.readUInt32BE(0), (v, b, o) => b.writeUInt32BE(v, o));
