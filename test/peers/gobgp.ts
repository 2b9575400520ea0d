// GoBGP as a peer or DUT: `gobgpd -f gobgpd.toml` in a namespace with its
// gRPC API on 127.0.0.1 of that namespace (each namespace has its own
// loopback), no pprof, no FIB. Originated routes are added over the API after
// start; queries use the gobgp CLI with -j (neighbor counters, global RIB).
// Counts are the neighbour's `accepted` counter: GoBGP counts its Adj-RIB-In
// there, before the global import policy (routes() shows what passed it).
// GoBGP's neighbour counters walk its table; poll them sparingly.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../netns/index.js';
import { BaseSpeaker } from './base.js';
import { gobgpConfig, gobgpRibAddArgs } from './gobgp-config.js';
import { gobgpRoutes, type GobgpRib } from './gobgp-routes.js';
import { isV6, neighbor, normState, sortRoutes, type Family, type OriginRoute, type Route, type SessionState, type SpeakerSpec } from './types.js';

const API = ['-u', '127.0.0.1', '-p', '50051'];

interface NeighborJson {
  state?: { session_state?: number | string; admin_state?: number | string };
  afi_safis?: { config?: { family?: { afi?: number } }; state?: { family?: { afi?: number }; accepted?: number; received?: number } }[];
}

export class GobgpSpeaker extends BaseSpeaker {
  readonly kind = 'gobgp' as const;

  constructor(lab: Lab, ns: string, spec: SpeakerSpec) {
    super(lab, ns, spec);
  }

  /** Runs the gobgp CLI against this instance; resolves to stdout. */
  gobgp(args: string[]): Promise<string> {
    return this.lab.exec(this.ns, ['gobgp', ...API, ...args], { timeoutMs: 600_000 });
  }

  async start(): Promise<void> {
    const conf = join(this.dir, 'gobgpd.toml');
    writeFileSync(conf, gobgpConfig(this.spec));
    await this.spawn('gobgpd', ['gobgpd', '-f', conf, '-t', 'toml', '--api-hosts', '127.0.0.1:50051', '--pprof-disable', '-p', '-l', 'info']);
    await this.wait('API', () => this.gobgp(['global']).then((o) => o.includes('AS')), Boolean, { intervalMs: 100 });
    const nh6 = this.spec.neighbors.find((n) => n.nextHop6)?.nextHop6;
    for (const r of this.spec.originate ?? []) await this.gobgp(gobgpRibAddArgs(r, isV6(r.prefix) ? nh6 : undefined));
  }

  protected async applyOrigin(r: OriginRoute, add: boolean): Promise<void> {
    const nh6 = this.spec.neighbors.find((n) => n.nextHop6)?.nextHop6;
    const args = gobgpRibAddArgs(r, isV6(r.prefix) ? nh6 : undefined);
    if (!add) args[2] = 'del';
    await this.gobgp(args);
  }

  async neighborJson(name: string): Promise<NeighborJson> {
    const n = neighbor(this.spec, name);
    return JSON.parse(await this.gobgp(['neighbor', n.address, '-j'])) as NeighborJson;
  }

  async sessionState(name: string): Promise<SessionState> {
    return normState((await this.neighborJson(name)).state?.session_state);
  }

  async routeCount(name: string, family: Family): Promise<number> {
    const afi = family === 'ipv4-unicast' ? 1 : 2;
    for (const af of (await this.neighborJson(name)).afi_safis ?? []) {
      if ((af.state?.family?.afi ?? af.config?.family?.afi) === afi) return af.state?.accepted ?? 0;
    }
    return 0;
  }

  async routes(name: string, family: Family): Promise<Route[]> {
    const n = neighbor(this.spec, name);
    const rib = JSON.parse(await this.gobgp(['global', 'rib', '-a', family === 'ipv4-unicast' ? 'ipv4' : 'ipv6', '-j'])) as GobgpRib;
    return sortRoutes(gobgpRoutes(rib, n.address));
  }
}
