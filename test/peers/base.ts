// What every peer driver shares: a working directory inside the lab's scratch
// directory, the processes it started (by PID, through the lab so teardown
// knows them), stop (SIGTERM) / crash (SIGKILL) / restart / freeze / thaw, readiness waits that give up as
// soon as the daemon exits, and log tails for failure messages.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { assertRoutePrefix, waitUntil, type Lab, type LabProcess, type WaitOptions } from '../netns/index.js';
import {
  validateSpec, type Family, type OriginRoute, type Route, type SessionState, type Speaker, type SpeakerSpec,
} from './types.js';

export abstract class BaseSpeaker implements Speaker {
  abstract readonly kind: Speaker['kind'];
  readonly dir: string;
  protected procs: LabProcess[] = [];
  private generation = 0;

  constructor(readonly lab: Lab, readonly ns: string, readonly spec: SpeakerSpec) {
    validateSpec(spec);
    this.dir = join(lab.dir, spec.name);
    mkdirSync(this.dir, { recursive: true, mode: 0o755 });
  }

  pids(): Record<string, number> {
    return Object.fromEntries(this.procs.filter((p) => p.alive()).map((p) => [p.name.replace(`${this.spec.name}-`, ''), p.pid]));
  }

  /** Starts argv in the speaker's namespace under a unique process name (logs go to the speaker's directory). */
  protected async spawn(what: string, argv: string[], env?: NodeJS.ProcessEnv, cwd?: string): Promise<LabProcess> {
    const name = `${this.spec.name}-${what}`;
    const p = await this.lab.spawn(this.ns, name, argv, { log: join(this.dir, `${what}.${++this.generation}.log`), env, cwd });
    this.procs.push(p);
    return p;
  }

  /** waitUntil that gives up when one of our processes exits, and appends the log tails. */
  protected wait<T>(what: string, probe: () => T | Promise<T>, pred: (v: T) => boolean = Boolean, opts: WaitOptions = {}): Promise<T> {
    return waitUntil(`${this.spec.name}: ${what}`, probe, pred, {
      abort: () => {
        const dead = this.procs.find((p) => !p.alive());
        return dead ? `${dead.name} (pid ${dead.pid}) ${dead.exited()}` : undefined;
      },
      diagnose: () => this.diagnose(),
      ...opts,
    });
  }

  abstract start(): Promise<void>;

  async originate(r: OriginRoute): Promise<void> {
    assertRoutePrefix(r.prefix);
    await this.changeOrigin(r, true, [...(this.spec.originate ?? []).filter((x) => x.prefix !== r.prefix), r]);
  }

  async withdraw(prefix: string): Promise<void> {
    const r = (this.spec.originate ?? []).find((x) => x.prefix === prefix);
    if (!r) throw new Error(`${this.spec.name}: does not originate ${prefix}`);
    await this.changeOrigin(r, false, (this.spec.originate ?? []).filter((x) => x !== r));
  }

  /** Sets spec.originate and applies the change; the spec is restored when applying fails. */
  private async changeOrigin(r: OriginRoute, add: boolean, next: OriginRoute[]): Promise<void> {
    const before = this.spec.originate;
    this.spec.originate = next;
    try {
      await this.applyOrigin(r, add);
    } catch (e) {
      this.spec.originate = before;
      throw e;
    }
  }

  /** Applies one change of spec.originate (already updated) to the running speaker. */
  protected abstract applyOrigin(r: OriginRoute, add: boolean): Promise<void>;

  async stop(): Promise<void> {
    this.closeClients();
    for (const p of [...this.procs].reverse()) await p.stop();
    this.procs = [];
  }

  /** SIGKILL of every process of the speaker, by PID: a crash (no NOTIFICATION, sockets reset by the kernel). */
  async crash(): Promise<void> {
    this.closeClients();
    for (const p of [...this.procs].reverse()) await p.kill();
    this.procs = [];
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  freeze(): void { for (const p of this.procs) p.freeze(); }
  thaw(): void { for (const p of this.procs) p.thaw(); }

  diagnose(): string { return this.procs.map((p) => p.logTail(25)).join('\n') || `${this.spec.name}: no processes`; }

  /** Waits until the session with the neighbour is Established. */
  waitEstablished(neighbor: string, timeoutMs = 30_000): Promise<SessionState> {
    return this.wait(`session ${neighbor} Established`, () => this.sessionState(neighbor), (s) => s === 'Established', { timeoutMs, intervalMs: 200 });
  }

  /** Waits until the accepted route count from the neighbour satisfies pred (default: >= n). */
  waitRouteCount(neighbor: string, family: Family, n: number, timeoutMs = 30_000, pred = (c: number) => c >= n): Promise<number> {
    return this.wait(`${n} ${family} routes from ${neighbor}`, () => this.routeCount(neighbor, family), pred, { timeoutMs, intervalMs: 200 });
  }

  protected closeClients(): void { /* drivers with persistent sockets override */ }

  abstract sessionState(neighbor: string): Promise<SessionState>;
  abstract routes(neighbor: string, family: Family): Promise<Route[]>;
  abstract routeCount(neighbor: string, family: Family): Promise<number>;
}
