// SpeakerSpec -> FRR bgpd.conf. Filters become prefix-lists + community-lists
// and one route-map per neighbour, direction and family (deny on the
// community test first, then permit on the prefix-list; implicit deny).
// Originated routes are `network` statements with a route-map that sets their
// attributes (`no bgp network import-check`: no IGP route needed). eBGP
// without policy is allowed (`no bgp ebgp-requires-policy`); the spec's
// filters are the policy. IPv6 next hops over IPv4 sessions: `set ipv6
// next-hop global` in the outbound route-map.
// Session features: `password`, `ttl-security hops`, `ebgp-multihop`; graceful
// restart is global in FRR (`bgp graceful-restart`, restart-time, LLGR
// stale-time, `notification` for RFC 8538), so neighbours asking for it must
// agree on the timers; per neighbour `graceful-restart`, `-disable` or (when
// the neighbour says nothing) `-helper`, FRR's default (FRR 8.4 logs "Invalid
// value" for these per-peer lines under a global mode but applies them:
// `show bgp neighbors A json` shows localGrMode Restart/Disable/Helper). Per family:
// `addpath-tx-all-paths` (FRR 8.4 has no send limit), `disable-addpath-rx`,
// `route-reflector-client`, `maximum-prefix N restart M` (minutes).
import { parseCidr } from '../netns/index.js';
import {
  familiesOf, isV6, type Family, type FilterSpec, type GracefulRestartSpec, type NeighborSpec, type SpeakerSpec,
} from './types.js';

interface Out { defs: string[]; af: Record<Family, string[]> }

function routeMap(out: Out, n: NeighborSpec, dir: 'in' | 'out', fam: Family, f: FilterSpec | undefined): string | undefined {
  const v6 = fam === 'ipv6-unicast';
  const name = `${n.name}-${dir}-${v6 ? '6' : '4'}`;
  const sets = dir === 'out' && v6 && n.nextHop6 ? [` set ipv6 next-hop global ${n.nextHop6}`] : [];
  if (f === undefined || f === 'all') {
    if (!sets.length) return undefined;
    out.defs.push(`route-map ${name} permit 10`, ...sets);
    return name;
  }
  if (f === 'none') { out.defs.push(`route-map ${name} deny 10`); return name; }
  const matches: string[] = [];
  if (f.community) {
    out.defs.push(...f.community.any.map((c) => `bgp community-list standard ${name}-c permit ${c}`));
    if (f.community.action === 'reject') out.defs.push(`route-map ${name} deny 5`, ` match community ${name}-c`);
    else matches.push(` match community ${name}-c`);
  }
  if (f.prefixList) {
    const rules = f.prefixList.filter((r) => isV6(r.prefix) === v6);
    if (!rules.length) { out.defs.push(`route-map ${name} deny 10`); return name; }
    rules.forEach((r, i) => {
      const len = parseCidr(r.prefix).len;
      const ge = r.ge !== undefined && r.ge !== len ? ` ge ${r.ge}` : '';
      const le = r.le !== undefined ? ` le ${r.le}` : r.ge !== undefined ? ` le ${v6 ? 128 : 32}` : '';
      out.defs.push(`${v6 ? 'ipv6' : 'ip'} prefix-list ${name}-p seq ${(i + 1) * 5} ${r.action} ${r.prefix}${ge}${le}`);
    });
    matches.push(` match ${v6 ? 'ipv6' : 'ip'} address prefix-list ${name}-p`);
  }
  out.defs.push(`route-map ${name} permit 10`, ...matches, ...sets);
  return name;
}

/** One value all neighbours that set it agree on (FRR keeps these timers per instance). */
function agreed<K extends keyof GracefulRestartSpec>(grs: GracefulRestartSpec[], key: K): GracefulRestartSpec[K] {
  const vals = [...new Set(grs.map((g) => g[key]).filter((v) => v !== undefined))];
  if (vals.length > 1) throw new Error(`frr: gracefulRestart.${key} is global in FRR; neighbours disagree (${vals.join(', ')})`);
  return vals[0];
}

/** Instance-level GR lines (before the neighbours) and per-neighbour modes (after their remote-as). */
function gracefulRestart(spec: SpeakerSpec): { global: string[]; peers: string[] } {
  const grs = spec.neighbors.map((n) => n.gracefulRestart).filter((g): g is GracefulRestartSpec => !!g);
  if (!grs.length) {
    return { global: [], peers: spec.neighbors.filter((n) => n.gracefulRestart === false).map((n) => ` neighbor ${n.address} graceful-restart-disable`) };
  }
  const out = [' bgp graceful-restart'];
  const rt = agreed(grs, 'restartTime');
  if (rt !== undefined) out.push(` bgp graceful-restart restart-time ${rt}`);
  const ll = agreed(grs, 'longLivedStaleTime');
  if (ll !== undefined) out.push(` bgp long-lived-graceful-restart stale-time ${ll}`);
  if (agreed(grs, 'notification')) out.push(' bgp graceful-restart notification');
  const peers = spec.neighbors.map((n) => {
    const mode = n.gracefulRestart === false ? '-disable' : n.gracefulRestart ? '' : '-helper';
    return ` neighbor ${n.address} graceful-restart${mode}`;
  });
  return { global: out, peers };
}

function sessionLines(n: NeighborSpec): string[] {
  const a = n.address;
  return [
    ...(n.password !== undefined ? [` neighbor ${a} password ${n.password}`] : []),
    ...(n.ttlSecurity !== undefined ? [` neighbor ${a} ttl-security hops ${n.ttlSecurity}`] : []),
    ...(n.multihop !== undefined ? [` neighbor ${a} ebgp-multihop ${n.multihop}`] : []),
  ];
}

function familyLines(n: NeighborSpec): string[] {
  const a = n.address;
  const out: string[] = [];
  if ((n.addPath?.send ?? 0) > 0) out.push(`  neighbor ${a} addpath-tx-all-paths`);
  if (n.addPath?.receive === false) out.push(`  neighbor ${a} disable-addpath-rx`);
  if (n.rrClient) out.push(`  neighbor ${a} route-reflector-client`);
  if (n.maxPrefix) {
    const rt = n.maxPrefix.restartTime;
    if (rt !== undefined && (rt % 60 !== 0 || rt < 60)) {
      throw new Error(`frr: neighbour ${n.name}: maximum-prefix restart is in whole minutes (maxPrefix.restartTime ${rt} s)`);
    }
    out.push(`  neighbor ${a} maximum-prefix ${n.maxPrefix.limit}${rt !== undefined ? ` restart ${rt / 60}` : ''}`);
  }
  return out;
}

export function frrConfig(spec: SpeakerSpec, logFile: string): string {
  const gr = gracefulRestart(spec);
  const out: Out = { defs: [], af: { 'ipv4-unicast': [], 'ipv6-unicast': [] } };
  (spec.originate ?? []).forEach((r, i) => {
    const set = [
      ...(r.communities?.length ? [` set community ${r.communities.join(' ')}`] : []),
      ...(r.largeCommunities?.length ? [` set large-community ${r.largeCommunities.join(' ')}`] : []),
      ...(r.med !== undefined ? [` set metric ${r.med}`] : []),
      ...(r.localPref !== undefined ? [` set local-preference ${r.localPref}`] : []),
    ];
    const rm = set.length ? ` route-map orig-${i}` : '';
    if (set.length) out.defs.push(`route-map orig-${i} permit 10`, ...set);
    out.af[isV6(r.prefix) ? 'ipv6-unicast' : 'ipv4-unicast'].push(`  network ${r.prefix}${rm}`);
  });
  const nb: string[] = [];
  for (const n of spec.neighbors) {
    const hold = n.holdTime ?? 9;
    nb.push(` neighbor ${n.address} remote-as ${n.asn}`, ` neighbor ${n.address} description ${n.name}`,
      ` neighbor ${n.address} timers ${Math.max(1, Math.floor(hold / 3))} ${hold}`, ` neighbor ${n.address} timers connect 2`);
    if (n.localAddress) nb.push(` neighbor ${n.address} update-source ${n.localAddress}`);
    if (n.passive) nb.push(` neighbor ${n.address} passive`);
    if (n.disabled) nb.push(` neighbor ${n.address} shutdown`);
    nb.push(...sessionLines(n));
    for (const fam of familiesOf(n)) {
      const lines = out.af[fam];
      lines.push(`  neighbor ${n.address} activate`, ...familyLines(n));
      const rin = routeMap(out, n, 'in', fam, n.import);
      const rout = routeMap(out, n, 'out', fam, n.export);
      if (rin) lines.push(`  neighbor ${n.address} route-map ${rin} in`);
      if (rout) lines.push(`  neighbor ${n.address} route-map ${rout} out`);
    }
  }
  const af = (fam: Family, name: string) => (out.af[fam].length ? [` address-family ${name} unicast`, ...out.af[fam], ' exit-address-family'] : []);
  return [
    'frr defaults traditional', `hostname ${spec.name}`, `log file ${logFile} informational`, '!',
    ...out.defs, '!',
    `router bgp ${spec.asn}`, ` bgp router-id ${spec.routerId}`, ' no bgp ebgp-requires-policy', ' no bgp network import-check',
    ' no bgp default ipv4-unicast', ...(spec.clusterId !== undefined ? [` bgp cluster-id ${spec.clusterId}`] : []),
    ...gr.global, ...nb, ...gr.peers, ...af('ipv4-unicast', 'ipv4'), ...af('ipv6-unicast', 'ipv6'), '!', '',
  ].join('\n');
}
