// FRR as a peer or DUT: zebra (interface addresses, next-hop tracking) and
// bgpd in a namespace, both as user frr (FRR refuses `-u root`) with their
// directory chowned to frr, vty sockets in that directory and no TCP vty.
// bgpd runs with -n (no kernel install) unless fib is set. Queries go over
// bgpd's vty socket (frr-vty.ts) as JSON; originate / withdraw are `network`
// statements entered on the same vty.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, type Lab } from '../netns/index.js';
import { BaseSpeaker } from './base.js';
import { frrConfig } from './frr-config.js';
import { FrrVty } from './frr-vty.js';
import { isV6, normState, neighbor, sortRoutes, type Family, type OriginRoute, type Route, type SessionState, type SpeakerSpec } from './types.js';
import { frrRoutes, type FrrRouteTable } from './frr-routes.js';

export const FRR_BIN = '/usr/lib/frr';

export interface FrrOptions {
  /** install routes into the namespace's kernel table (bgpd without -n) */
  fib?: boolean;
}

interface SummaryJson { peers?: Record<string, { pfxRcd?: number; state?: string }> }

export class FrrSpeaker extends BaseSpeaker {
  readonly kind = 'frr' as const;
  private vtyClient: FrrVty | undefined;

  constructor(lab: Lab, ns: string, spec: SpeakerSpec, readonly opts: FrrOptions = {}) {
    super(lab, ns, spec);
  }

  get vty(): FrrVty {
    this.vtyClient ??= new FrrVty(join(this.dir, 'bgpd.vty'));
    return this.vtyClient;
  }

  async start(): Promise<void> {
    const d = this.dir;
    writeFileSync(join(d, 'zebra.conf'), `hostname ${this.spec.name}\n`);
    writeFileSync(join(d, 'bgpd.conf'), frrConfig(this.spec, join(d, 'bgpd.log')));
    for (const f of ['bgpd.vty', 'zebra.vty', 'zserv.api']) rmSync(join(d, f), { force: true });
    await run(['chown', '-R', 'frr:frr', d]);
    const common = ['-u', 'frr', '-g', 'frr', '-z', join(d, 'zserv.api'), '--vty_socket', d, '-P', '0'];
    await this.spawn('zebra', [`${FRR_BIN}/zebra`, '-f', join(d, 'zebra.conf'), '-i', join(d, 'zebra.pid'), ...common,
      '--log', `file:${join(d, 'zebra.log')}`]);
    await this.wait('zebra socket', () => existsSync(join(d, 'zserv.api')), Boolean, { intervalMs: 50 });
    await this.spawn('bgpd', [`${FRR_BIN}/bgpd`, '-f', join(d, 'bgpd.conf'), '-i', join(d, 'bgpd.pid'), ...common,
      ...(this.opts.fib ? [] : ['-n'])]);
    await this.wait('bgpd vty', () => this.vty.cmd('show bgp summary json').then(() => true), Boolean, { intervalMs: 50 });
  }

  /** Runs configuration commands on bgpd's vty (enable, configure terminal … end; a vty starts in view mode). */
  async configure(lines: string[]): Promise<void> {
    await this.vty.cmd('enable');
    await this.vty.cmd('configure terminal');
    try {
      for (const l of lines) await this.vty.cmd(l);
    } finally { await this.vty.cmd('end'); }
  }

  protected async applyOrigin(r: OriginRoute, add: boolean): Promise<void> {
    if (add && (r.communities?.length || r.largeCommunities?.length || r.med !== undefined || r.localPref !== undefined)) {
      throw new Error('frr: originate() at run time takes a bare prefix (attributes need a route-map: put them in the spec before start)');
    }
    await this.configure([`router bgp ${this.spec.asn}`, `address-family ${isV6(r.prefix) ? 'ipv6' : 'ipv4'} unicast`,
      `${add ? '' : 'no '}network ${r.prefix}`]);
  }

  protected override closeClients(): void {
    this.vtyClient?.close();
    this.vtyClient = undefined;
  }

  /** PIDs by role: bgpd, zebra. */
  pid(role: 'bgpd' | 'zebra'): number | undefined { return this.pids()[role]; }

  async sessionState(name: string): Promise<SessionState> {
    const n = neighbor(this.spec, name);
    const j = await this.vty.json<Record<string, { bgpState?: string }>>(`show bgp neighbors ${n.address} json`);
    return normState(j[n.address]?.bgpState);
  }

  async routeCount(name: string, family: Family): Promise<number> {
    const n = neighbor(this.spec, name);
    const j = await this.vty.json<SummaryJson>(`show bgp ${family === 'ipv4-unicast' ? 'ipv4' : 'ipv6'} unicast summary json`);
    return j.peers?.[n.address]?.pfxRcd ?? 0;
  }

  async routes(name: string, family: Family): Promise<Route[]> {
    const n = neighbor(this.spec, name);
    const afi = family === 'ipv4-unicast' ? 'ipv4' : 'ipv6';
    const j = await this.vty.json<FrrRouteTable>(`show bgp ${afi} unicast json detail`);
    return sortRoutes(frrRoutes(j, n.address));
  }
}
