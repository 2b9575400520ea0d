// A cross-process lock for the datastore file: a lock file next to it,
// created with O_CREAT|O_EXCL (atomic on local filesystems) and holding
// {pid, host, time, token}. A lock is stale when its holder (same host) no
// longer runs, or when it is older than `staleMs` (a holder that hangs).
// Breaking a stale lock is itself guarded by a short-lived second lock
// (`<lock>.break`), and the breaker re-reads the lock before removing it, so
// two processes that both saw the same stale lock cannot remove a fresh one
// taken in between. Release removes the lock only if it still carries our
// token. Acquisition is synchronous when the lock is free (the common case);
// otherwise it polls with a short jittered back-off up to `timeoutMs`, and
// retries at once when notify() says the lock file changed (the datastore's
// directory watch sees it go).
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { DatastoreError } from './types.js';

export interface FileLockOptions {
  /** A lock older than this is taken over even if its holder seems alive (default 30 s). */
  readonly staleMs?: number;
  /** Give up waiting after this long (default 10 s). */
  readonly timeoutMs?: number;
}

interface Holder { pid?: number; host?: string; time?: number; token?: string }

const BREAKER_STALE_MS = 5_000;

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** Whether a process with this pid exists on this host (EPERM: exists, not ours). */
export function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try { process.kill(pid, 0); return true; } catch (e) { return errno(e) === 'EPERM'; }
}

function createExclusive(path: string, content: string): boolean {
  let fd: number;
  try { fd = openSync(path, 'wx', 0o644); } catch (e) {
    if (errno(e) === 'EEXIST') return false;
    throw new DatastoreError('Unavailable', `cannot create lock file ${path}: ${(e as Error).message}`);
  }
  try { writeSync(fd, content); } finally { closeSync(fd); }
  return true;
}

function readHolder(path: string): { raw: string; holder: Holder; mtimeMs: number } | undefined {
  try {
    const mtimeMs = statSync(path).mtimeMs;
    const raw = readFileSync(path, 'utf8');
    let holder: Holder = {};
    try { holder = JSON.parse(raw) as Holder; } catch { /* being written, or garbage: judged by age */ }
    return { raw, holder, mtimeMs };
  } catch (e) {
    if (errno(e) === 'ENOENT') return undefined;
    throw e;
  }
}

export class FileLock {
  private readonly host = hostname();
  private readonly staleMs: number;
  private readonly timeoutMs: number;
  private token: string | undefined;
  private wake: (() => void) | undefined;
  /** Stale locks this instance broke (for tests and logs). */
  takeovers = 0;

  constructor(readonly path: string, opts: FileLockOptions = {}) {
    this.staleMs = opts.staleMs ?? 30_000;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  get held(): boolean { return this.token !== undefined; }

  /** One attempt, synchronous: takes the lock if free or stale. */
  tryAcquire(): boolean {
    if (this.token !== undefined) throw new Error(`lock ${this.path} is already held by this instance`);
    const token = randomBytes(8).toString('hex');
    const content = JSON.stringify({ pid: process.pid, host: this.host, time: Date.now(), token });
    if (createExclusive(this.path, content)) { this.token = token; return true; }
    const cur = readHolder(this.path);
    if (cur === undefined) return this.tryAcquireAgain(token, content);
    if (!this.isStale(cur.holder, cur.mtimeMs)) return false;
    if (!this.breakStale(cur.raw)) return false;
    this.takeovers++;
    return this.tryAcquireAgain(token, content);
  }

  /** Waits for the lock (polling with jittered back-off, or woken by notify()); Unavailable after timeoutMs. */
  async acquire(): Promise<void> {
    if (this.tryAcquire()) return;
    const deadline = Date.now() + this.timeoutMs;
    for (let attempt = 1; ; attempt++) {
      const delay = Math.min(attempt, 8) * (0.5 + Math.random());
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => { this.wake = undefined; resolve(); }, delay);
        this.wake = () => { clearTimeout(timer); this.wake = undefined; resolve(); };
      });
      if (this.tryAcquire()) return;
      if (Date.now() > deadline) {
        const h = readHolder(this.path);
        const who = h === undefined ? 'nobody (it went away just now)' : `pid ${h.holder.pid ?? '?'} on ${h.holder.host ?? '?'} since ${h.holder.time === undefined ? '?' : new Date(h.holder.time).toISOString()}`;
        throw new DatastoreError('Unavailable', `could not lock ${this.path} within ${this.timeoutMs} ms: held by ${who}`);
      }
    }
  }

  /** The lock file may have gone (e.g. fs.watch saw it change): a waiting acquire() retries now. */
  notify(): void { this.wake?.(); }

  release(): void {
    const token = this.token;
    if (token === undefined) return;
    this.token = undefined;
    const cur = readHolder(this.path);
    if (cur?.holder.token !== token) return; // taken over as stale: not ours to remove
    try { unlinkSync(this.path); } catch (e) { if (errno(e) !== 'ENOENT') throw e; }
  }

  private tryAcquireAgain(token: string, content: string): boolean {
    if (!createExclusive(this.path, content)) return false;
    this.token = token;
    return true;
  }

  private isStale(h: Holder, mtimeMs: number): boolean {
    const age = Date.now() - (h.time ?? mtimeMs);
    if (age > this.staleMs) return true;
    if (h.pid === undefined) return Date.now() - mtimeMs > 1_000; // written half a second ago and still empty: its writer died
    return h.host === this.host && !pidAlive(h.pid);
  }

  /** Removes the lock whose content was `raw`, under the breaker lock. */
  private breakStale(raw: string): boolean {
    const breaker = `${this.path}.break`;
    if (!createExclusive(breaker, String(process.pid))) {
      try {
        if (Date.now() - statSync(breaker).mtimeMs > BREAKER_STALE_MS) unlinkSync(breaker);
      } catch (e) { if (errno(e) !== 'ENOENT') throw e; }
      return false;
    }
    try {
      const again = readHolder(this.path);
      if (again !== undefined && again.raw !== raw) return false; // replaced meanwhile: judge it afresh
      if (again !== undefined) unlinkSync(this.path);
      return true;
    } finally {
      try { unlinkSync(breaker); } catch { /* already gone */ }
    }
  }
}
