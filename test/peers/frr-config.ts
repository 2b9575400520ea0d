// SpeakerSpec -> FRR bgpd.conf. Filters become prefix-lists + community-lists
// and one route-map per neighbour, direction and family (deny on the
// community test first, then permit on the prefix-list; implicit deny).
// Originated routes are `network` statements with a route-map that sets their
// attributes (`no bgp network import-check`: no IGP route needed). eBGP
// without policy is allowed (`no bgp ebgp-requires-policy`); the spec's
// filters are the policy. IPv6 next hops over IPv4 sessions: `set ipv6
// next-hop global` in the outbound route-map.
import { parseCidr } from '../netns/index.js';
import { familiesOf, isV6, type Family, type FilterSpec, type NeighborSpec, type SpeakerSpec } from './types.js';

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

export function frrConfig(spec: SpeakerSpec, logFile: string): string {
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
    for (const fam of familiesOf(n)) {
      const lines = out.af[fam];
      lines.push(`  neighbor ${n.address} activate`);
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
    ' no bgp default ipv4-unicast', ...nb, ...af('ipv4-unicast', 'ipv4'), ...af('ipv6-unicast', 'ipv6'), '!', '',
  ].join('\n');
}
