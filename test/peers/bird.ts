// BIRD 2 as a peer or DUT: `bird -f -c bird.conf -s bird.ctl` in a namespace
// (foreground, so the PID is BIRD's), queried over its control socket
// (bird-ctl.ts). Counts come from `show protocols all` (O(1) counters per
// channel); routes from `show route all … protocol <neighbour>`. Originate /
// withdraw rewrite bird.conf and `configure` (only the static protocol changes).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, type Lab } from '../netns/index.js';
import { BaseSpeaker } from './base.js';
import { BirdCtl, type BirdProtocol } from './bird-ctl.js';
import { BULK_PROTOCOL, birdConfig, writeBulkInclude } from './bird-config.js';
import { neighbor, sortRoutes, type Family, type OriginRoute, type Route, type SessionState, type SpeakerSpec } from './types.js';

export interface BirdOptions {
  /** originate N /32s from 100.64.0.0 in static protocol `bulk` (benchmark injector) */
  bulkRoutes?: number;
  /** where the generated include file is kept (default: the lab's directory); reused when present */
  bulkDir?: string;
}

export class BirdSpeaker extends BaseSpeaker {
  readonly kind = 'bird' as const;
  readonly conf: string;
  readonly socket: string;
  private ctlClient: BirdCtl | undefined;

  constructor(lab: Lab, ns: string, spec: SpeakerSpec, readonly opts: BirdOptions = {}) {
    super(lab, ns, spec);
    this.conf = join(this.dir, 'bird.conf');
    this.socket = join(this.dir, 'bird.ctl');
  }

  get ctl(): BirdCtl {
    this.ctlClient ??= new BirdCtl(this.socket);
    return this.ctlClient;
  }

  writeConfig(): void {
    let bulkInclude: string | undefined;
    if (this.opts.bulkRoutes) {
      bulkInclude = join(this.opts.bulkDir ?? this.lab.dir, `bulk-${this.opts.bulkRoutes}.inc`);
      if (!existsSync(bulkInclude)) writeBulkInclude(bulkInclude, this.opts.bulkRoutes);
    }
    writeFileSync(this.conf, birdConfig(this.spec, { logFile: join(this.dir, 'bird.log'), bulkInclude }));
  }

  async start(): Promise<void> {
    this.writeConfig();
    if (!this.opts.bulkRoutes) { // a parse check first gives a clear error; skipped for bulk configs (parsing 1M routes twice)
      await run(['bird', '-p', '-c', this.conf]).catch((e: Error) => { throw new Error(`bird: invalid config ${this.conf}: ${e.message}`); });
    }
    await this.spawn('bird', ['bird', '-f', '-c', this.conf, '-s', this.socket, '-P', join(this.dir, 'bird.pid')]);
    await this.wait('control socket', () => this.ctl.cmd('show status').then(() => true), Boolean, { intervalMs: 50 });
    if (this.opts.bulkRoutes) {
      const n = this.opts.bulkRoutes;
      await this.wait(`${n} bulk routes loaded`, () => this.ctl.protocol(BULK_PROTOCOL), (p) => (p.channels.ipv4?.imported ?? 0) >= n,
        { timeoutMs: 300_000, intervalMs: 100 });
    }
  }

  /** Rewrites bird.conf from the spec and applies it (`configure`; protocols whose config changed restart). */
  async reload(): Promise<void> {
    this.writeConfig();
    await this.ctl.cmd('configure');
  }

  protected async applyOrigin(_r: OriginRoute, _add: boolean): Promise<void> { await this.reload(); }

  protected override closeClients(): void {
    this.ctlClient?.close();
    this.ctlClient = undefined;
  }

  /** `show protocols all` of the neighbour's protocol: state, since, per-channel counters. */
  protocol(name: string): Promise<BirdProtocol> { return this.ctl.protocol(name); }

  /** `birdc enable|disable <protocol>` (for sessions and static protocols alike). */
  async enable(protocol: string): Promise<void> { await this.ctl.cmd(`enable ${protocol}`); }
  async disable(protocol: string): Promise<void> { await this.ctl.cmd(`disable ${protocol}`); }

  async sessionState(name: string): Promise<SessionState> {
    neighbor(this.spec, name);
    return (await this.ctl.protocol(name)).bgpState;
  }

  async routeCount(name: string, family: Family): Promise<number> {
    neighbor(this.spec, name);
    const p = await this.ctl.protocol(name);
    return p.channels[family === 'ipv4-unicast' ? 'ipv4' : 'ipv6']?.imported ?? 0;
  }

  /** Routes exported to the neighbour (counter), e.g. the injector's progress. */
  async exportedCount(name: string, family: Family = 'ipv4-unicast'): Promise<number> {
    const p = await this.ctl.protocol(name);
    return p.channels[family === 'ipv4-unicast' ? 'ipv4' : 'ipv6']?.exported ?? 0;
  }

  async routes(name: string, family: Family): Promise<Route[]> {
    neighbor(this.spec, name);
    return sortRoutes(await this.ctl.routes(name, family));
  }
}
