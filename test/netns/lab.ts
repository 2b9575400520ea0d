// A Lab is one test topology: network namespaces joined by veth pairs, and
// the processes started inside them. It records everything it creates (in
// memory and in a state file, see registry.ts) and tears it all down —
// processes by PID, then namespaces (which removes their veths) — once,
// idempotently, also from exit and signal handlers. Namespace names carry a
// per-run unique prefix ("l3-<tag>-<random>-"), so parallel runs never collide.
// Only addresses allowed by addresses.ts are ever configured; no routes are
// added at all (connected routes only, never a default route).
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertUnderlay, family } from './addresses.js';
import { inNetns, run, type RunOptions } from './exec.js';
import { LabProcess, type SpawnOptions } from './process.js';
import {
  deleteNetns, killRecorded, listNetns, ownerIdentity, removeState, sweepStale, track, untrack, writeState, type LabState,
} from './registry.js';

export interface VethEnd {
  ns: string;       // full namespace name (as returned by lab.namespace)
  ifname: string;   // <= 15 characters; only needs to be unique inside its namespace
  addresses?: string[]; // CIDRs, IPv4 and IPv6 (IPv6 added with nodad)
  mac?: string;
}

export class Lab {
  readonly prefix: string;
  /** scratch directory for configs, sockets and logs (removed at teardown unless LAB_KEEP=1 or keep is set) */
  readonly dir: string;
  keep = process.env.LAB_KEEP === '1';
  private readonly netns: string[] = [];
  private readonly procs: LabProcess[] = [];
  private done = false;

  private constructor(tag: string) {
    if (!/^[a-z0-9]{1,8}$/.test(tag)) throw new Error(`lab tag must be 1-8 of [a-z0-9]: ${tag}`);
    this.prefix = `l3-${tag}-${randomBytes(3).toString('hex')}-`;
    this.dir = mkdtempSync(join(tmpdir(), `${this.prefix}`));
    chmodSync(this.dir, 0o755); // daemons that drop privileges (FRR) must reach their sub-directories
  }

  /** New lab; first cleans what crashed runs (owner process dead) left behind. Needs root. */
  static create(tag = 'lab'): Lab {
    if (process.getuid?.() !== 0) throw new Error('network namespace labs need root (ip netns add)');
    sweepStale();
    const lab = new Lab(tag);
    track(lab);
    lab.save();
    return lab;
  }

  private save(): void {
    const st: LabState = {
      owner: ownerIdentity(), netns: [...this.netns],
      pids: this.procs.map((p) => ({ pid: p.pid, start: p.startTime, name: p.name })), dir: this.dir,
    };
    writeState(this.prefix.slice(0, -1), st);
  }

  private check(): void { if (this.done) throw new Error(`lab ${this.prefix} is torn down`); }

  /** Creates namespace <prefix><short> with lo up, IPv6 DAD off and forwarding on; returns its full name. */
  async namespace(short: string): Promise<string> {
    this.check();
    const ns = `${this.prefix}${short}`;
    if (listNetns().includes(ns)) throw new Error(`namespace ${ns} already exists`);
    this.netns.push(ns);
    this.save();
    await run(['ip', 'netns', 'add', ns]);
    await run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    await run(inNetns(ns, ['sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0',
      'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']));
    return ns;
  }

  private own(ns: string): void {
    if (!this.netns.includes(ns)) throw new Error(`namespace ${ns} does not belong to lab ${this.prefix}`);
  }

  /** A veth pair created directly inside the two namespaces (nothing appears in the root namespace). */
  async veth(a: VethEnd, b: VethEnd): Promise<void> {
    this.check();
    this.own(a.ns); this.own(b.ns);
    for (const e of [a, b]) for (const c of e.addresses ?? []) assertUnderlay(c);
    const mac = (e: VethEnd) => (e.mac ? ['address', e.mac] : []);
    await run(['ip', 'link', 'add', a.ifname, ...mac(a), 'netns', a.ns, 'type', 'veth', 'peer', 'name', b.ifname, ...mac(b), 'netns', b.ns]);
    for (const e of [a, b]) {
      for (const c of e.addresses ?? []) await this.address(e.ns, e.ifname, c);
      await run(['ip', '-n', e.ns, 'link', 'set', e.ifname, 'up']);
    }
  }

  /** Adds an address (IPv6 with nodad, usable at once). */
  async address(ns: string, ifname: string, cidr: string): Promise<void> {
    this.own(ns);
    assertUnderlay(cidr);
    const v6 = family(cidr.split('/')[0] ?? '') === 'ipv6';
    await run(['ip', '-n', ns, 'addr', 'add', cidr, 'dev', ifname, ...(v6 ? ['nodad'] : [])]);
  }

  /** Runs a command inside one of our namespaces; resolves to stdout. */
  exec(ns: string, argv: string[], opts?: RunOptions): Promise<string> {
    this.own(ns);
    return run(inNetns(ns, argv), opts);
  }

  /** Starts a long-running process inside one of our namespaces; its PID is recorded for teardown. */
  async spawn(ns: string, name: string, argv: string[], opts: Partial<SpawnOptions> = {}): Promise<LabProcess> {
    this.check();
    this.own(ns);
    const p = await LabProcess.start(name, ns, argv, { log: opts.log ?? join(this.dir, `${name}.log`), env: opts.env, cwd: opts.cwd });
    this.procs.push(p);
    this.save();
    return p;
  }

  namespaces(): string[] { return [...this.netns]; }
  processes(): LabProcess[] { return [...this.procs]; }

  /** Stops every process (reverse start order, by PID), deletes every namespace. Idempotent and synchronous. */
  teardown(): void {
    if (this.done) return;
    this.done = true;
    const recorded = this.procs.map((p) => ({ pid: p.pid, start: p.startTime, name: p.name })).reverse();
    killRecorded(recorded);
    deleteNetns(this.netns);
    const left = listNetns().filter((n) => this.netns.includes(n));
    if (left.length === 0) removeState(this.prefix.slice(0, -1));
    untrack(this);
    if (!this.keep) rmSync(this.dir, { recursive: true, force: true });
    else process.stderr.write(`lab ${this.prefix}: scratch dir kept at ${this.dir}\n`);
    if (left.length) throw new Error(`lab ${this.prefix}: namespaces not deleted: ${left.join(' ')}`);
  }

  /** Async alias for teardown (for afterAll hooks). */
  async close(): Promise<void> { this.teardown(); }
}
