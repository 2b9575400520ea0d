// ADD-PATH (RFC 7911 §4): tuples of AFI (2), SAFI (1), Send/Receive (1:
// 1 receive, 2 send, 3 both). Other Send/Receive values are kept as received;
// the session ignores such tuples.

import { CapCode } from '../constants.js';
import { tupleCap } from './row.js';

export const addPathCap = tupleCap(CapCode.ADD_PATH, 'add-path', 4,
  (b, o) => ({ afi: b.readUInt16BE(o), safi: b[o + 2]!, mode: b[o + 3]! }),
  (t, b, o) => {
    b.writeUInt16BE(t.afi, o);
    b[o + 2] = t.safi;
    b[o + 3] = t.mode;
  },
  (families) => ({ kind: 'add-path', families }), (c) => c.families);
