// Our speaker as a peer or DUT: `node --import tsx <repo>/bgp/daemon/main.ts
// --config <file>` in a namespace (node execs in place, so the PID is the
// daemon's), configured with the YAML of docs/bgpd-config.md and queried over
// its status socket (one request line, one JSON answer line):
//   peers        -> [{name, address, asn, state, since, received, accepted, advertised, lastError}]
//   peer <name>  -> one of those
// Counts come from `peer <name>` (accepted, all families of the peer). Routes
// come from the gRPC API (bgpd-api.ts, `api.socket` in the YAML): every
// Loc-RIB candidate path learned from the neighbour, not only best paths, so a
// prefix held from two reflectors shows at both.
// role 'reflector' runs the `reflector` command (reflector/main.ts, same YAML,
// plus its health endpoint) instead. restart({ graceful }) starts the daemon
// again with --graceful-restart (the RFC 4724 restarting role); crash() is a
// SIGKILL by PID, stop() a SIGTERM.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lab } from '../netns/index.js';
import { BaseSpeaker } from './base.js';
import { bgpdConfig } from './bgpd-config.js';
import { BgpdApi } from './bgpd-api.js';
import { bgpdApiRoutes } from './bgpd-routes.js';
import { SocketClient } from './line-socket.js';
import { familiesOf, neighbor, normState, sortRoutes, type Family, type OriginRoute, type Route, type SessionState, type SpeakerSpec } from './types.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** the daemon's entry point; BGPD_MAIN overrides it (e.g. a built dist/bgp/daemon/main.js), read at each start */
export const bgpdMain = (): string => process.env.BGPD_MAIN ?? join(REPO_ROOT, 'bgp/daemon/main.ts');
/** the reflector's entry point; REFLECTOR_MAIN overrides it (e.g. dist/reflector/main.js), read at each start */
export const reflectorMain = (): string => process.env.REFLECTOR_MAIN ?? join(REPO_ROOT, 'reflector/main.ts');

export interface BgpdOptions {
  /** 'bgpd' (default) or 'reflector' (the RR command: needs at least one rrClient neighbour) */
  role?: 'bgpd' | 'reflector';
  /** node flags before the entry point (e.g. --max-old-space-size) */
  nodeArgs?: string[];
  /** extra daemon arguments after --config (e.g. ['--health', '127.0.0.1:9100']) */
  args?: string[];
  /** entry point instead of bgpdMain() / reflectorMain() */
  main?: string;
}

export interface BgpdPeerStatus {
  name: string; address: string; asn: number; state: string; since?: number;
  received: number; accepted: number; advertised: number; lastError?: string;
}

const lineEnd = (buf: Buffer) => { const i = buf.indexOf(0x0a); return i < 0 ? -1 : i + 1; };

export class BgpdSpeaker extends BaseSpeaker {
  readonly kind = 'bgpd' as const;
  readonly socket: string;
  readonly apiSocket: string;
  private client: SocketClient | undefined;
  private apiClient: BgpdApi | undefined;
  private gracefulNext = false;

  constructor(lab: Lab, ns: string, spec: SpeakerSpec, readonly opts: BgpdOptions = {}) {
    super(lab, ns, spec);
    this.socket = join(this.dir, 'bgpd.sock');
    this.apiSocket = join(this.dir, 'api.sock');
  }

  get api(): BgpdApi {
    this.apiClient ??= new BgpdApi(this.apiSocket);
    return this.apiClient;
  }

  get role(): 'bgpd' | 'reflector' { return this.opts.role ?? 'bgpd'; }

  /** One status-socket request; resolves to the parsed JSON answer; throws on {"error": …}. */
  async request<T>(line: string): Promise<T> {
    this.client ??= new SocketClient(this.socket, lineEnd, false, 600_000);
    const j = JSON.parse(await this.client.request(`${line}\n`)) as T | { error?: string };
    if (j && typeof j === 'object' && !Array.isArray(j) && typeof (j as { error?: unknown }).error === 'string') {
      throw new Error(`bgpd ${this.spec.name}: ${line}: ${(j as { error: string }).error}`);
    }
    return j as T;
  }

  /** Writes the YAML (also for a SIGHUP reload after changing the spec); returns its path. */
  writeConfig(): string {
    const conf = join(this.dir, 'bgpd.yaml');
    writeFileSync(conf, bgpdConfig(this.spec, this.socket, this.apiSocket));
    return conf;
  }

  async start(): Promise<void> {
    const conf = this.writeConfig();
    const main = this.opts.main ?? (this.role === 'reflector' ? reflectorMain() : bgpdMain());
    const loader = main.endsWith('.ts') ? ['--import', 'tsx'] : []; // compiled JavaScript runs on plain node
    const extra = [...(this.opts.args ?? []), ...(this.gracefulNext ? ['--graceful-restart'] : [])];
    this.gracefulNext = false;
    await this.spawn(this.role, [process.execPath, ...(this.opts.nodeArgs ?? []), ...loader, main, '--config', conf, ...extra],
      { ...process.env, NODE_OPTIONS: '' }, REPO_ROOT);
    await this.wait('status socket', () => this.request<unknown[]>('peers').then(Array.isArray), Boolean, { intervalMs: 100, timeoutMs: 60_000 });
  }

  /**
   * Stops (SIGTERM, or SIGKILL with crash) and starts again; graceful adds
   * --graceful-restart to the new process (RFC 4724 restarting speaker).
   */
  override async restart(how: { graceful?: boolean; crash?: boolean } = {}): Promise<void> {
    if (how.crash) await this.crash(); else await this.stop();
    this.gracefulNext = how.graceful === true;
    await this.start();
  }

  /** Rewrites the YAML from the (mutated) spec and sends SIGHUP to the daemon by PID. */
  reload(): void {
    this.writeConfig();
    const p = this.procs.find((x) => x.alive());
    if (!p) throw new Error(`bgpd ${this.spec.name}: not running, cannot reload`);
    p.send('SIGHUP');
  }

  protected async applyOrigin(_r: OriginRoute, _add: boolean): Promise<void> { this.reload(); }

  protected override closeClients(): void {
    this.client?.close();
    this.client = undefined;
    this.apiClient?.close();
    this.apiClient = undefined;
  }

  peers(): Promise<BgpdPeerStatus[]> { return this.request<BgpdPeerStatus[]>('peers'); }
  peer(name: string): Promise<BgpdPeerStatus> { return this.request<BgpdPeerStatus>(`peer ${name}`); }

  async sessionState(name: string): Promise<SessionState> {
    neighbor(this.spec, name);
    return normState((await this.peer(name)).state);
  }

  /** Accepted routes from the neighbour: the peer's counter when it has one family, else its best paths of that family. */
  async routeCount(name: string, family: Family): Promise<number> {
    const n = neighbor(this.spec, name);
    if (familiesOf(n).length === 1) return familiesOf(n)[0] === family ? (await this.peer(name)).accepted : 0;
    return (await this.routes(name, family)).length;
  }

  async routes(name: string, family: Family): Promise<Route[]> {
    const n = neighbor(this.spec, name);
    return sortRoutes(bgpdApiRoutes(await this.api.pathsFrom(n.name, family)));
  }
}
