// A long-running process started inside a namespace. `ip netns exec` execs
// the command in place, so the PID we get is the daemon's own; its start time
// (from /proc) is recorded with it so a later kill never hits a reused PID.
// Output goes to a log file; stop/freeze/thaw act on this PID only.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { inNetns } from './exec.js';
import { pidAlive, procStat } from './proc.js';
import { sleep } from './wait.js';

export interface SpawnOptions {
  /** log file for stdout + stderr (appended) */
  log: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export class LabProcess {
  private status: string | undefined;

  private constructor(readonly name: string, readonly ns: string, readonly pid: number, readonly startTime: number,
    readonly log: string, readonly argv: string[]) {}

  /** Starts argv in ns; resolves once the PID and its start time are known. */
  static async start(name: string, ns: string, argv: string[], opts: SpawnOptions): Promise<LabProcess> {
    const fd = openSync(opts.log, 'a');
    const full = inNetns(ns, argv);
    // detached: its own process group, so a terminal Ctrl-C reaches only the test runner, which tears down in order
    const child = spawn(full[0] as string, full.slice(1), { stdio: ['ignore', fd, fd], detached: true, env: opts.env, cwd: opts.cwd });
    closeSync(fd);
    const pid = child.pid;
    if (pid === undefined) {
      const err = await new Promise<Error>((r) => child.once('error', r));
      throw new Error(`${name}: cannot start ${argv.join(' ')} in ${ns}: ${err.message}`);
    }
    child.unref();
    let start = procStat(pid)?.startTime;
    for (let i = 0; start === undefined && i < 50; i++) { await sleep(10); start = procStat(pid)?.startTime; }
    const p = new LabProcess(name, ns, pid, start ?? -1, opts.log, argv);
    child.on('exit', (code, sig) => { p.status = `exited with ${code ?? sig}`; });
    child.on('error', (e) => { p.status = e.message; });
    return p;
  }

  /** undefined while running, otherwise how it ended ("exited with 1", "exited with SIGKILL"). */
  exited(): string | undefined {
    if (this.status === undefined && !pidAlive(this.pid, this.startTime)) this.status = 'exited';
    return this.status;
  }

  alive(): boolean { return this.exited() === undefined; }

  private signal(sig: NodeJS.Signals): void {
    if (pidAlive(this.pid, this.startTime)) process.kill(this.pid, sig);
  }

  /** Sends a signal to this PID (only while it is still the process we started), e.g. SIGHUP for a reload. */
  send(sig: NodeJS.Signals): void { this.signal(sig); }

  /** SIGSTOP: the process keeps its sockets but stops answering (hold timers run out on the peer). */
  freeze(): void { this.signal('SIGSTOP'); }
  thaw(): void { this.signal('SIGCONT'); }

  /** SIGTERM (and SIGCONT if frozen), up to graceMs, then SIGKILL. */
  async stop(graceMs = 5000): Promise<void> {
    this.signal('SIGTERM');
    this.signal('SIGCONT');
    for (const end = Date.now() + graceMs; Date.now() < end; await sleep(20)) if (!pidAlive(this.pid, this.startTime)) return;
    this.signal('SIGKILL');
    for (const end = Date.now() + 2000; Date.now() < end; await sleep(20)) if (!pidAlive(this.pid, this.startTime)) return;
    throw new Error(`${this.name} (pid ${this.pid}) survived SIGKILL`);
  }

  /** SIGKILL now (a crash: no NOTIFICATION, no cleanup); resolves once the PID is gone. */
  async kill(): Promise<void> {
    this.signal('SIGKILL');
    for (const end = Date.now() + 2000; Date.now() < end; await sleep(20)) if (!pidAlive(this.pid, this.startTime)) return;
    throw new Error(`${this.name} (pid ${this.pid}) survived SIGKILL`);
  }

  logTail(lines = 30): string {
    try {
      return `--- ${this.log} (last ${lines} lines) ---\n${readFileSync(this.log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')}`;
    } catch { return `(no log at ${this.log})`; }
  }
}
