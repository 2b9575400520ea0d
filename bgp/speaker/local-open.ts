// The OPEN this speaker sends to a peer: 4-octet AS (RFC 6793), route
// refresh (RFC 2918) and enhanced route refresh (RFC 7313), a Multiprotocol
// capability per configured family (RFC 4760), extended message (RFC 8654),
// and the hostname (FQDN capability) when known.

import { familyByName, makeOpen, type Capability, type OpenMessage } from '../wire/index.js';
import type { PeerConfig, SpeakerConfig } from './config.js';

export function localOpen(sp: Pick<SpeakerConfig, 'asn' | 'routerId' | 'hostname'>, peer: PeerConfig): OpenMessage {
  const caps: Capability[] = [];
  for (const name of peer.families) {
    const f = familyByName(name);
    if (f) caps.push({ kind: 'multiprotocol', afi: f.afi, safi: f.safi });
  }
  caps.push({ kind: 'route-refresh' }, { kind: 'enhanced-route-refresh' }, { kind: 'as4', asn: sp.asn }, { kind: 'extended-message' });
  if (sp.hostname) caps.push({ kind: 'fqdn', hostname: sp.hostname.slice(0, 64), domain: '' });
  return makeOpen({ asn: sp.asn, holdTime: peer.holdTime, routerId: sp.routerId, capabilities: caps });
}
