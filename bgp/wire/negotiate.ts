// What two OPENs agree on that changes the wire format, per direction:
//   as4              both announced 4-octet AS (RFC 6793 §4)
//   extendedMessage  both announced extended messages (RFC 8654 §3)
//   addPath          receive: we announced receive (1 or 3) and the peer send
//                    (2 or 3) for the family; send: the converse (RFC 7911 §4)
// Families outside the registry are ignored.

import { AddPathMode, type Capability } from './caps/types.js';
import { findFamily, type FamilyName } from './families.js';
import type { OpenMessage } from './open.js';
import { wireOptions, type WireOptions } from './options.js';

export interface NegotiatedWire {
  /** For decoding what the peer sends. */
  readonly rx: WireOptions;
  /** For encoding what we send. */
  readonly tx: WireOptions;
}

const has = (o: OpenMessage, kind: Capability['kind']) => o.capabilities.some((c) => c.kind === kind);

function addPathModes(o: OpenMessage): Map<FamilyName, number> {
  const m = new Map<FamilyName, number>();
  for (const c of o.capabilities) {
    if (c.kind !== 'add-path') continue;
    for (const f of c.families) {
      const row = findFamily(f.afi, f.safi);
      if (row && f.mode >= AddPathMode.RECEIVE && f.mode <= AddPathMode.BOTH) m.set(row.name, f.mode);
    }
  }
  return m;
}

export function negotiateWire(local: OpenMessage, remote: OpenMessage): NegotiatedWire {
  const as4 = has(local, 'as4') && has(remote, 'as4');
  const extendedMessage = has(local, 'extended-message') && has(remote, 'extended-message');
  const mine = addPathModes(local);
  const theirs = addPathModes(remote);
  const rx = new Set<FamilyName>();
  const tx = new Set<FamilyName>();
  for (const [fam, m] of mine) {
    const t = theirs.get(fam);
    if (t === undefined) continue;
    if (m & AddPathMode.RECEIVE && t & AddPathMode.SEND) rx.add(fam);
    if (m & AddPathMode.SEND && t & AddPathMode.RECEIVE) tx.add(fam);
  }
  return { rx: wireOptions({ as4, extendedMessage, addPath: rx }), tx: wireOptions({ as4, extendedMessage, addPath: tx }) };
}
