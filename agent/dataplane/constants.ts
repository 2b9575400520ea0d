// Constants shared by the agent's dataplane drivers: the marks that make
// what we write recognisable as ours after a restart (ARCHITECTURE.md rule 9).
//  - ROUTE_PROTOCOL: the rtm_protocol number on every route we write
//    (rtnetlink, RFC 3549 §3.1.1 "rtm_protocol"). 201 is unassigned in
//    /etc/iproute2/rt_protos (boot=3, static=4, bird=12, zebra=11, calico=80,
//    bgp=186, ...), so `ip route show proto 201` lists exactly our routes.
//  - WORKLOAD_IF_PREFIX: host-side workload interfaces are `cali` + 11 hex
//    chars of SHA-1("<namespace>.<pod>") (REFERENCE.md, Workload plumbing).
import { createHash } from 'node:crypto';

export const ROUTE_PROTOCOL = 201;
export const RT_TABLE_MAIN = 254;
export const WORKLOAD_IF_PREFIX = 'cali';
export const WORKLOAD_MAC = 'ee:ee:ee:ee:ee:ee';
/** Calico's defaults: routes/interfaces resync every 90 s, 10 s grace before cleaning what we do not know yet. */
export const DEFAULT_RESYNC_INTERVAL_MS = 90_000;
export const DEFAULT_GRACE_PERIOD_MS = 10_000;

/** Host-side interface name of a workload: prefix + first 11 hex chars of SHA-1("<namespace>.<pod>"). */
export function workloadInterfaceName(namespace: string, pod: string, prefix = WORKLOAD_IF_PREFIX): string {
  const name = prefix + createHash('sha1').update(`${namespace}.${pod}`).digest('hex').slice(0, 11);
  if (name.length > 15) throw new Error(`interface name ${name} is longer than 15 characters (prefix "${prefix}" too long)`);
  return name;
}
