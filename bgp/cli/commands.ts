// ctl's commands over the bgp.v1 client. Each returns the text to print;
// errors from the daemon are thrown as CliError with a message to act on.

import { CheckResponse_ServingStatus, Family, Table, type ApiClient } from '../api/index.js';
import { boxTable, columns, since, structured, truncate, type OutputFormat } from './render.js';
import { peerView, routeView, type PeerView, type RouteView } from './views.js';

export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

export interface Ctx {
  client: ApiClient;
  output: OutputFormat;
  now: number;
}

const isV6 = (a: string) => a.includes(':');

/** BIRD's protocol state column: up when Established, down when disabled, start otherwise. */
const birdState = (p: PeerView) => (p.adminDown ? 'down' : p.state === 'Established' ? 'up' : 'start');
const info = (p: PeerView, wide: boolean) => {
  const why = p.lastError ? ` ${wide ? p.lastError : truncate(p.lastError, 40)}` : '';
  if (p.adminDown) return `${p.state} (disabled)`;
  const gr = p.gracefulRestart ? ` (graceful restart: ${p.gracefulRestart.staleRoutes} stale routes kept, ${p.gracefulRestart.phase})` : '';
  return p.state === 'Established' ? `Established${gr}` : `${p.state}${gr}${why}`;
};
const peerType = (p: PeerView) => (p.type === 'ibgp' ? 'iBGP' : 'eBGP');

export async function nodeStatus(ctx: Ctx): Promise<string> {
  const [g, health, { peers }] = await Promise.all([ctx.client.call('getGlobal', {}), ctx.client.check(), ctx.client.call('listPeers', {})]);
  const views = peers.map(peerView);
  if (ctx.output === 'json' || ctx.output === 'yaml') {
    const row = (p: PeerView) => ({ peerAddress: p.address, peerType: peerType(p), state: birdState(p), since: p.since, info: info(p, true), name: p.name });
    return structured({
      running: true, asn: g.asn, routerId: g.routerId, ready: health.status === CheckResponse_ServingStatus.SERVING_STATUS_SERVING,
      ipv4: views.filter((p) => !isV6(p.address)).map(row), ipv6: views.filter((p) => isV6(p.address)).map(row),
    }, ctx.output);
  }
  const wide = ctx.output === 'wide';
  const section = (title: string, rows: PeerView[], fam: string) => {
    if (!rows.length) return `${title}\nNo ${fam} peers found.`;
    const headers = ['PEER ADDRESS', 'PEER TYPE', 'STATE', 'SINCE', 'INFO', ...(wide ? ['NAME', 'AS'] : [])];
    return `${title}\n${boxTable(headers, rows.map((p) => [p.address, peerType(p), birdState(p), since(p.sinceMs, ctx.now), info(p, wide), ...(wide ? [p.name, String(p.asn)] : [])]))}`;
  };
  return [
    `bgpd is running (AS ${g.asn}, router ID ${g.routerId}; ${g.establishedPeers}/${g.peers} peers established).`,
    '',
    section('IPv4 BGP status', views.filter((p) => !isV6(p.address)), 'IPv4'),
    '',
    section('IPv6 BGP status', views.filter((p) => isV6(p.address)), 'IPv6'),
  ].join('\n');
}

export async function bgpPeers(ctx: Ctx, name?: string): Promise<string> {
  const peers = name ? [(await ctx.client.call('getPeer', { name })).peer!] : (await ctx.client.call('listPeers', {})).peers;
  const views = peers.map(peerView);
  if (ctx.output === 'json' || ctx.output === 'yaml') return structured(name ? views[0] : views, ctx.output);
  const wide = ctx.output === 'wide';
  const headers = ['NAME', 'ADDRESS', 'AS', 'TYPE', 'STATE', 'SINCE', 'RECEIVED', 'ACCEPTED', 'ADVERTISED', ...(wide ? ['FAMILIES', 'UPDATES IN/OUT', 'LAST ERROR'] : [])];
  return columns(headers, views.map((p) => [
    p.name, p.address, String(p.asn), p.type, p.adminDown ? `${p.state} (disabled)` : p.state, since(p.sinceMs, ctx.now),
    String(p.received), String(p.accepted), String(p.advertised),
    ...(wide ? [p.families.join(',') || '-', `${p.updatesIn}/${p.updatesOut}`, p.lastError || '-'] : []),
  ]));
}

export const TABLES: Record<string, Table> = { loc: Table.TABLE_LOC, 'adj-in': Table.TABLE_ADJ_IN, 'adj-out': Table.TABLE_ADJ_OUT };
export const FAMILIES: Record<string, Family> = { ipv4: Family.FAMILY_IPV4_UNICAST, 'ipv4-unicast': Family.FAMILY_IPV4_UNICAST, ipv6: Family.FAMILY_IPV6_UNICAST, 'ipv6-unicast': Family.FAMILY_IPV6_UNICAST };

export async function bgpRoutes(ctx: Ctx, o: { prefix?: string; peer?: string; table: string; family?: string; all: boolean }): Promise<string> {
  const table = TABLES[o.table];
  if (table === undefined) throw new CliError(`--table must be loc, adj-in or adj-out (got ${o.table})`, 2);
  if (table !== Table.TABLE_LOC && !o.peer) throw new CliError(`--table ${o.table} needs --peer NAME`, 2);
  const family = o.family === undefined ? Family.FAMILY_UNSPECIFIED : FAMILIES[o.family];
  if (family === undefined) throw new CliError(`--family must be ipv4 or ipv6 (got ${o.family})`, 2);
  const rows: RouteView[] = [];
  for await (const p of ctx.client.listPaths({ table, family, prefix: o.prefix ?? '', peer: o.peer ?? '', allPaths: o.all })) rows.push(routeView(p));
  rows.sort((a, b) => a.family.localeCompare(b.family) || a.prefix.localeCompare(b.prefix, 'en', { numeric: true }));
  if (ctx.output === 'json' || ctx.output === 'yaml') return structured(rows, ctx.output);
  if (!rows.length) return 'No routes found.';
  const wide = ctx.output === 'wide';
  const headers = ['PREFIX', 'NEXT HOP', 'AS PATH', 'FROM', ...(wide ? ['ORIGIN', 'MED', 'LOCAL PREF', 'COMMUNITIES'] : []), ...(o.all ? ['BEST'] : [])];
  return columns(headers, rows.map((r) => [
    r.prefix, r.nextHops.join(',') || (r.from === 'local' ? 'self' : '-'), r.asPath || '-', r.from,
    ...(wide ? [r.origin, r.med === undefined ? '-' : String(r.med), r.localPref === undefined ? '-' : String(r.localPref), [...r.communities, ...r.largeCommunities].join(',') || '-'] : []),
    ...(o.all ? [r.best ? '*' : ''] : []),
  ]));
}

export async function originate(ctx: Ctx, o: { prefix: string; communities: string[]; largeCommunities: string[]; med?: number; localPref?: number; nextHop?: string }): Promise<string> {
  const r = await ctx.client.call('addPath', {
    prefix: o.prefix, communities: o.communities, largeCommunities: o.largeCommunities, nextHop: o.nextHop ?? '',
    ...(o.med !== undefined ? { med: o.med } : {}), ...(o.localPref !== undefined ? { localPref: o.localPref } : {}),
  });
  if (ctx.output === 'json' || ctx.output === 'yaml') return structured(r.path ? routeView(r.path) : {}, ctx.output);
  const extra = o.communities.length || o.largeCommunities.length ? ` with communities ${[...o.communities, ...o.largeCommunities].join(',')}` : '';
  return `originated ${r.path?.prefix ?? o.prefix}${extra}`;
}

export async function withdraw(ctx: Ctx, prefix: string): Promise<string> {
  await ctx.client.call('deletePath', { prefix });
  return `withdrew ${prefix}`;
}

export async function peerAction(ctx: Ctx, action: 'enable' | 'disable' | 'reset' | 'delete', name: string, message = ''): Promise<string> {
  if (action === 'enable') await ctx.client.call('enablePeer', { name });
  else if (action === 'disable') await ctx.client.call('disablePeer', { name, message });
  else if (action === 'reset') await ctx.client.call('resetPeer', { name, message });
  else await ctx.client.call('deletePeer', { name });
  return `peer ${name}: ${action === 'reset' ? 'reset' : `${action}d`}`;
}
