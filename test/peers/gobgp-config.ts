// SpeakerSpec -> gobgpd.toml. Filters are global import/export policies whose
// statements are scoped to a neighbour (match-neighbor-set: the source
// neighbour on import, the destination on export) and a family (afi-safi-in):
// community test first, then one statement per prefix-list entry in order,
// then a final reject when a prefix list was given. Default policies accept.
// Originated routes are not config in GoBGP: the driver adds them with
// `gobgp global rib add` after start (gobgpRibAddArgs).
// Session features per neighbour: auth-password (TCP-MD5), ttl-security with
// ttl-min = 256 - hops (GTSM), ebgp-multihop, graceful-restart (+ per family
// mp-graceful-restart and long-lived-graceful-restart), per family add-paths
// and prefix-limit, route-reflector (client flag and cluster ID; GoBGP keeps
// the cluster ID per neighbour, so the spec's applies to every client).
import { parseCidr } from '../netns/index.js';
import { familiesOf, isV6, type Family, type FilterSpec, type NeighborSpec, type OriginRoute, type SpeakerSpec } from './types.js';

const q = (s: string) => JSON.stringify(s);

interface Acc { sets: string[]; stmts: Record<'import' | 'export', string[]> }

function statement(acc: Acc, dir: 'import' | 'export', name: string, conds: string[], action: 'accept-route' | 'reject-route'): void {
  acc.stmts[dir].push([
    '  [[policy-definitions.statements]]', `    name = ${q(name)}`,
    ...conds,
    '    [policy-definitions.statements.actions]', `      route-disposition = ${q(action)}`,
  ].join('\n'));
}

function filter(acc: Acc, n: NeighborSpec, dir: 'import' | 'export', fam: Family, f: FilterSpec | undefined): void {
  if (f === undefined || f === 'all') return;
  const base = `${n.name}-${dir}-${fam === 'ipv4-unicast' ? '4' : '6'}`;
  const scope = [
    '    [policy-definitions.statements.conditions.match-neighbor-set]', `      neighbor-set = ${q(`nb-${n.name}`)}`,
    '    [policy-definitions.statements.conditions.bgp-conditions]', `      afi-safi-in-list = [${q(fam)}]`,
  ];
  if (f === 'none') { statement(acc, dir, `${base}-none`, scope, 'reject-route'); return; }
  if (f.community) {
    acc.sets.push('[[defined-sets.bgp-defined-sets.community-sets]]', `  community-set-name = ${q(`${base}-c`)}`,
      `  community-list = [${f.community.any.map((c) => q(`^${c}$`)).join(', ')}]`);
    statement(acc, dir, `${base}-c`, [...scope,
      '    [policy-definitions.statements.conditions.bgp-conditions.match-community-set]', `      community-set = ${q(`${base}-c`)}`,
      `      match-set-options = ${q(f.community.action === 'reject' ? 'any' : 'invert')}`], 'reject-route');
  }
  if (!f.prefixList) return;
  f.prefixList.filter((r) => isV6(r.prefix) === (fam === 'ipv6-unicast')).forEach((r, i) => {
    const { len, family } = parseCidr(r.prefix);
    const range = `${r.ge ?? len}..${r.le ?? (r.ge !== undefined ? (family === 'ipv4' ? 32 : 128) : len)}`;
    acc.sets.push('[[defined-sets.prefix-sets]]', `  prefix-set-name = ${q(`${base}-p${i}`)}`,
      '  [[defined-sets.prefix-sets.prefix-list]]', `    ip-prefix = ${q(r.prefix)}`, `    masklength-range = ${q(range)}`);
    statement(acc, dir, `${base}-p${i}`, [...scope,
      '    [policy-definitions.statements.conditions.match-prefix-set]', `      prefix-set = ${q(`${base}-p${i}`)}`],
    r.action === 'permit' ? 'accept-route' : 'reject-route');
  });
  statement(acc, dir, `${base}-end`, scope, 'reject-route');
}

/** Neighbour-level tables for the session features. */
function sessionTables(spec: SpeakerSpec, n: NeighborSpec): string[] {
  const out: string[] = [];
  if (n.ttlSecurity !== undefined) out.push('  [neighbors.ttl-security.config]', '    enabled = true', `    ttl-min = ${256 - n.ttlSecurity}`);
  if (n.multihop !== undefined) out.push('  [neighbors.ebgp-multihop.config]', '    enabled = true', `    multihop-ttl = ${n.multihop}`);
  const gr = n.gracefulRestart;
  if (gr !== undefined) {
    out.push('  [neighbors.graceful-restart.config]', `    enabled = ${gr !== false}`);
    if (gr) {
      if (gr.restartTime !== undefined) out.push(`    restart-time = ${gr.restartTime}`);
      if (gr.notification !== undefined) out.push(`    notification-enabled = ${gr.notification}`);
      if (gr.longLivedStaleTime !== undefined) out.push('    long-lived-enabled = true');
    }
  }
  if (n.rrClient) {
    out.push('  [neighbors.route-reflector.config]', '    route-reflector-client = true',
      `    route-reflector-cluster-id = ${q(spec.clusterId ?? spec.routerId)}`);
  }
  return out;
}

/** One [[neighbors.afi-safis]] entry with its per-family feature tables. */
function afiSafi(n: NeighborSpec, f: Family): string[] {
  const out = ['  [[neighbors.afi-safis]]', '    [neighbors.afi-safis.config]', `      afi-safi-name = ${q(f)}`];
  const gr = n.gracefulRestart;
  if (gr) {
    out.push('    [neighbors.afi-safis.mp-graceful-restart.config]', '      enabled = true');
    if (gr.longLivedStaleTime !== undefined) {
      out.push('    [neighbors.afi-safis.long-lived-graceful-restart.config]', '      enabled = true', `      restart-time = ${gr.longLivedStaleTime}`);
    }
  }
  if (n.addPath && (n.addPath.receive !== undefined || n.addPath.send !== undefined)) {
    out.push('    [neighbors.afi-safis.add-paths.config]', `      receive = ${n.addPath.receive === true}`, `      send-max = ${n.addPath.send ?? 0}`);
  }
  if (n.maxPrefix) {
    out.push('    [neighbors.afi-safis.prefix-limit.config]', `      max-prefixes = ${n.maxPrefix.limit}`,
      ...(n.maxPrefix.restartTime !== undefined ? [`      restart-timer = ${n.maxPrefix.restartTime}`] : []));
  }
  return out;
}

export function gobgpConfig(spec: SpeakerSpec): string {
  const acc: Acc = { sets: [], stmts: { import: [], export: [] } };
  const nbrs: string[] = [];
  const locals = [...new Set(spec.neighbors.map((n) => n.localAddress).filter((a): a is string => !!a))];
  for (const n of spec.neighbors) {
    acc.sets.push('[[defined-sets.neighbor-sets]]', `  neighbor-set-name = ${q(`nb-${n.name}`)}`, `  neighbor-info-list = [${q(n.address)}]`);
    const hold = n.holdTime ?? 9;
    nbrs.push('[[neighbors]]', '  [neighbors.config]', `    neighbor-address = ${q(n.address)}`, `    peer-as = ${n.asn}`,
      `    description = ${q(n.name)}`, ...(n.disabled ? ['    admin-down = true'] : []),
      ...(n.password !== undefined ? [`    auth-password = ${q(n.password)}`] : []),
      '  [neighbors.timers.config]', `    hold-time = ${hold}`, `    keepalive-interval = ${Math.max(1, Math.floor(hold / 3))}`,
      '    connect-retry = 2', '    idle-hold-time-after-reset = 1',
      '  [neighbors.transport.config]', ...(n.localAddress ? [`    local-address = ${q(n.localAddress)}`] : []),
      ...(n.passive ? ['    passive-mode = true'] : []),
      ...sessionTables(spec, n),
      ...familiesOf(n).flatMap((f) => afiSafi(n, f)));
    for (const fam of familiesOf(n)) { filter(acc, n, 'import', fam, n.import); filter(acc, n, 'export', fam, n.export); }
  }
  const policies: string[] = [];
  const lists: string[] = [];
  for (const dir of ['import', 'export'] as const) {
    if (!acc.stmts[dir].length) continue;
    policies.push('[[policy-definitions]]', `  name = ${q(`pol-${dir}`)}`, ...acc.stmts[dir]);
    lists.push(`  ${dir}-policy-list = [${q(`pol-${dir}`)}]`);
  }
  return [
    '[global.config]', `  as = ${spec.asn}`, `  router-id = ${q(spec.routerId)}`, '  port = 179',
    ...(locals.length ? [`  local-address-list = [${locals.map(q).join(', ')}]`] : []),
    '[global.apply-policy.config]', ...lists, '  default-import-policy = "accept-route"', '  default-export-policy = "accept-route"',
    '', ...acc.sets, '', ...policies, '', ...nbrs, '',
  ].join('\n');
}

/** `gobgp global rib add` arguments for one originated route (IPv6 needs an explicit next hop). */
export function gobgpRibAddArgs(r: OriginRoute, nextHop6?: string): string[] {
  const v6 = isV6(r.prefix);
  const args = ['global', 'rib', 'add', '-a', v6 ? 'ipv6' : 'ipv4', r.prefix];
  if (v6 && nextHop6) args.push('nexthop', nextHop6);
  if (r.communities?.length) args.push('community', r.communities.join(','));
  if (r.largeCommunities?.length) args.push('large-community', r.largeCommunities.join(','));
  if (r.med !== undefined) args.push('med', String(r.med));
  if (r.localPref !== undefined) args.push('local-pref', String(r.localPref));
  return args;
}
