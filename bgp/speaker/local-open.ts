// The OPEN this speaker sends to a peer: 4-octet AS (RFC 6793), route
// refresh (RFC 2918) and enhanced route refresh (RFC 7313), a Multiprotocol
// capability per configured family (RFC 4760), extended message (RFC 8654),
// ADD-PATH per family when configured (RFC 7911 §4: receive 1, send 2,
// both 3), graceful restart when on for the peer (RFC 4724 §3: restart time,
// R bit while we are the restarting speaker, F bit per family when forwarding
// state is kept; RFC 8538 N bit), long-lived graceful restart (RFC 9494 §3)
// when a long-lived stale time is set, and the hostname (FQDN capability).

import { familyByName, makeOpen, type Capability, type OpenMessage } from '../wire/index.js';
import { grConfigOf, type PeerConfig, type SpeakerConfig } from './config.js';

export interface LocalOpenState {
  /** We are in the restarting role (R bit) until selection deferral ends. */
  readonly restarting: boolean;
}

export function localOpen(sp: Pick<SpeakerConfig, 'asn' | 'routerId' | 'hostname' | 'gracefulRestart'>, peer: PeerConfig, st: LocalOpenState = { restarting: false }): OpenMessage {
  const caps: Capability[] = [];
  const fams = peer.families.map((n) => familyByName(n)).filter((f) => f !== undefined);
  for (const f of fams) caps.push({ kind: 'multiprotocol', afi: f.afi, safi: f.safi });
  caps.push({ kind: 'route-refresh' }, { kind: 'enhanced-route-refresh' }, { kind: 'as4', asn: sp.asn }, { kind: 'extended-message' });
  const ap = peer.addPath;
  const mode = (ap?.receive ? 1 : 0) | ((ap?.send ?? 0) > 0 ? 2 : 0);
  if (mode) caps.push({ kind: 'add-path', families: fams.map((f) => ({ afi: f.afi, safi: f.safi, mode })) });
  const gr = grConfigOf(sp, peer);
  if (gr) {
    // F bit: the agent keeps the kernel routes while the speaker restarts, so forwarding state survives us
    caps.push({
      kind: 'graceful-restart', restarting: st.restarting, notification: gr.notification, restartTime: Math.min(gr.restartTime, 4095),
      families: fams.map((f) => ({ afi: f.afi, safi: f.safi, forwarding: st.restarting })),
    });
    if (gr.longLivedStaleTime > 0) {
      caps.push({ kind: 'long-lived-graceful-restart', families: fams.map((f) => ({ afi: f.afi, safi: f.safi, forwarding: st.restarting, staleTime: Math.min(gr.longLivedStaleTime, 0xffffff) })) });
    }
  }
  if (sp.hostname) caps.push({ kind: 'fqdn', hostname: sp.hostname.slice(0, 64), domain: '' });
  return makeOpen({ asn: sp.asn, holdTime: peer.holdTime, routerId: sp.routerId, capabilities: caps });
}
