// Maximum prefixes per peer (RFC 4486 §4, Cease subcode 1): a warning once per
// session at warningPercent of the limit; above the limit the verdict to
// close the session, with the NOTIFICATION data of RFC 4486 (AFI, SAFI,
// upper bound) for the family of the UPDATE that crossed it, and the restart
// time. The count is what the peer sent (accepted + rejected by policy).

import type { Logger } from 'pino';
import { maxPrefixNotification, type NotificationMessage } from '../wire/index.js';
import type { Peer } from './peer.js';

export interface MaxPrefixVerdict {
  readonly notification: NotificationMessage;
  /** Seconds before connecting again; 0: stay down until reset or enabled. */
  readonly restartTime: number;
}

export function checkMaxPrefix(peer: Peer, u: { mpReach?: { afi: number; safi: number } }, log: Logger): MaxPrefixVerdict | undefined {
  const mp = peer.cfg.maxPrefix;
  if (!mp) return undefined;
  const n = peer.adjIn.counters.received;
  const pct = mp.warningPercent ?? 75;
  if (n >= Math.ceil((mp.limit * pct) / 100) && !peer.maxPrefixWarned && n <= mp.limit) {
    peer.maxPrefixWarned = true;
    log.warn({ peer: peer.cfg.name, prefixes: n, limit: mp.limit }, `peer ${peer.cfg.name} sent ${n} prefixes, ${pct}% of its limit ${mp.limit}`);
  }
  if (n <= mp.limit) return undefined;
  const restartTime = mp.restartTime ?? 0;
  log.error({ peer: peer.cfg.name, prefixes: n, limit: mp.limit, restartSeconds: restartTime },
    `peer ${peer.cfg.name} exceeded its maximum of ${mp.limit} prefixes (${n}); session closed (Cease 1)${restartTime > 0 ? `, reconnecting in ${restartTime} s` : ' until reset or enabled'}`);
  return { notification: maxPrefixNotification(u.mpReach?.afi ?? 1, u.mpReach?.safi ?? 1, mp.limit), restartTime };
}
