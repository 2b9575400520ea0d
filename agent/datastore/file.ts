// FileDatastore: the Datastore contract over one YAML file (embedded mode).
// Reads: the file is parsed into a FileState (file-state.ts) and diffed with
// the previous one into watch events; re-reads are triggered by fs.watch on
// the directory (a replacement by rename is seen too), by a periodic stat
// poll, and by every get/list/write (a cheap stat first: unchanged inode,
// size, mtime and ctime mean nothing to read). A file that does not parse, or
// that vanished after it had existed, gives one `error` event; the last good
// state stays served, writes fail with Unavailable (a broken hand edit is
// never overwritten), and a full snapshot follows when it is fixed.
// Writes: read-modify-write under a cross-process lock (file-lock.ts): take
// the lock, re-read if the file changed, check compare-and-swap, render (only
// the changed document is re-rendered), write a temp file, fsync, rename it
// over the file, release. Writes of one instance are queued in order.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, watch, writeSync, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { FileLock, type FileLockOptions } from './file-lock.js';
import { parseFile, type ParsedDoc } from './file-format.js';
import { FileState } from './file-state.js';
import { keyOf, resourceKey } from './resource.js';
import { checkCreate, checkDelete, checkUpdate, deleteEvent, stamp, type ChangeEvent } from './store.js';
import { checkResource } from './validate.js';
import { WatchHub } from './watch-hub.js';
import { DatastoreError, type Datastore, type DatastoreEvent, type Kind, type Resource, type ResourceOf } from './types.js';

export interface FileDatastoreOptions {
  /** Stat poll period, the fallback when fs.watch misses a change (default 1000 ms; 0 disables). */
  readonly pollMs?: number;
  /** Delay between an fs.watch event and the re-read, to let a writer finish (default 5 ms). */
  readonly debounceMs?: number;
  readonly lock?: FileLockOptions;
  /** fsync the file and its directory on every write (default true). */
  readonly durable?: boolean;
  /** Problems in the file (invalid documents, parse errors); default: console.warn. */
  readonly log?: (message: string) => void;
  readonly now?: () => Date;
}

const MISSING = 'missing';

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

export class FileDatastore implements Datastore {
  private state = FileState.empty();
  private memo = new Map<string, ParsedDoc>();
  /** Identity of the file content the state was read from (inode:size:mtime:ctime), MISSING, or undefined (never read). */
  private fileId: string | undefined;
  private seenFile = false;
  private error: string | undefined;
  private loggedProblems = new Set<string>();
  private readonly hub = new WatchHub();
  private readonly lock: FileLock;
  private readonly dir: string;
  private readonly base: string;
  private readonly lockName: string;
  private watcher: FSWatcher | undefined;
  private poller: ReturnType<typeof setInterval> | undefined;
  private debounce: ReturnType<typeof setTimeout> | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly durable: boolean;
  private readonly log: (m: string) => void;
  private readonly now: () => Date;

  private constructor(readonly path: string, private readonly opts: FileDatastoreOptions) {
    this.dir = dirname(path);
    this.base = basename(path);
    this.lock = new FileLock(`${path}.lock`, opts.lock);
    this.lockName = `${this.base}.lock`;
    this.durable = opts.durable ?? true;
    this.log = opts.log ?? ((m) => console.warn(m));
    this.now = opts.now ?? (() => new Date());
  }

  /**
   * Opens the file (a missing file is an empty datastore, created by the
   * first write) and starts watching it. A file that does not parse opens in
   * the error state: watchers get `error`, then the snapshot once it is fixed.
   */
  static async open(path: string, opts: FileDatastoreOptions = {}): Promise<FileDatastore> {
    const ds = new FileDatastore(path, opts);
    ds.refresh();
    ds.startWatching();
    return ds;
  }

  /** Problems found in the file at the last read (invalid or duplicate documents). */
  get problems(): readonly string[] { return this.state.problems; }

  /** Why the file is unusable right now, if it is. */
  get lastError(): string | undefined { return this.error; }

  /** Stale locks this instance took over. */
  get lockTakeovers(): number { return this.lock.takeovers; }

  watch(kinds: readonly Kind[], handler: (e: DatastoreEvent) => void): () => void {
    this.open();
    this.refresh();
    return this.hub.add(kinds, [...this.state.resources()], handler, this.error);
  }

  async get<K extends Kind>(kind: K, name: string, namespace?: string): Promise<ResourceOf<K> | undefined> {
    this.open();
    this.refresh();
    return this.state.resource(resourceKey(kind, name, namespace)) as ResourceOf<K> | undefined;
  }

  async list<K extends Kind>(kind: K): Promise<ResourceOf<K>[]> {
    this.open();
    this.refresh();
    const out: ResourceOf<K>[] = [];
    for (const r of this.state.resources()) if (r.kind === kind) out.push(r as ResourceOf<K>);
    return out;
  }

  async create<K extends Kind>(r: ResourceOf<K>): Promise<ResourceOf<K>> {
    this.open();
    const input = checkResource(r);
    return await this.write(() => {
      checkCreate(this.state.resource(keyOf(input)), input);
      return { put: stamp(input, this.state.counter + 1, this.now().toISOString()) };
    }) as ResourceOf<K>;
  }

  async update<K extends Kind>(r: ResourceOf<K>): Promise<ResourceOf<K>> {
    this.open();
    const input = checkResource(r);
    return await this.write(() => {
      const cur = checkUpdate(this.state.resource(keyOf(input)), input);
      return { put: stamp(input, this.state.counter + 1, cur.metadata.creationTimestamp) };
    }) as ResourceOf<K>;
  }

  async delete(kind: Kind, name: string, namespace?: string, resourceVersion?: string): Promise<void> {
    const key = resourceKey(kind, name, namespace);
    await this.write(() => {
      checkDelete(this.state.resource(key), kind, name, namespace, resourceVersion);
      return { remove: key };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail;
    this.watcher?.close();
    if (this.poller !== undefined) clearInterval(this.poller);
    if (this.debounce !== undefined) clearTimeout(this.debounce);
    this.hub.closeAll();
  }

  // ---- writing ----

  /** Queues one locked read-modify-write; `decide` runs on the fresh state and throws to refuse. */
  private write(decide: () => { put: Resource } | { remove: string }): Promise<Resource | undefined> {
    this.open();
    const run = this.tail.then(async () => {
      this.open();
      await this.lock.acquire();
      try {
        this.refresh();
        if (this.error !== undefined) throw new DatastoreError('Unavailable', `${this.path} cannot be written: ${this.error}`);
        const change = decide();
        const counter = this.state.counter + 1;
        const next = this.state.withChange(change, counter, this.memo);
        this.writeAtomically(next.render());
        const before = this.state;
        this.state = next;
        const event: ChangeEvent = 'put' in change ? { type: 'set', resource: change.put } : deleteEvent(before.resource(change.remove)!);
        this.hub.change(event);
        return 'put' in change ? change.put : undefined;
      } finally {
        this.lock.release();
      }
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  private writeAtomically(text: string): void {
    const tmp = join(this.dir, `.${this.base}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    let mode = 0o600; // the file may hold BGP passwords
    try { mode = statSync(this.path).mode & 0o777; } catch { /* new file */ }
    try {
      const fd = openSync(tmp, 'w', mode);
      try {
        writeSync(fd, text);
        if (this.durable) fsyncSync(fd);
      } finally { closeSync(fd); }
      renameSync(tmp, this.path);
    } catch (e) {
      try { unlinkSync(tmp); } catch { /* never created */ }
      throw new DatastoreError('Unavailable', `cannot write ${this.path}: ${(e as Error).message}`);
    }
    if (this.durable) {
      const dfd = openSync(this.dir, 'r');
      try { fsyncSync(dfd); } finally { closeSync(dfd); }
    }
    this.fileId = this.statId();
    this.seenFile = true;
  }

  // ---- reading ----

  private statId(): string {
    try {
      const s = statSync(this.path, { bigint: true });
      return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
    } catch (e) {
      if (errno(e) === 'ENOENT') return MISSING;
      throw e;
    }
  }

  /** Re-reads the file if it changed since the state was read; publishes the differences. */
  private refresh(): void {
    if (this.closed) return;
    let id: string;
    try { id = this.statId(); } catch (e) { this.fail(`cannot stat ${this.path}: ${(e as Error).message}`); return; }
    if (id === this.fileId) return;
    if (id === MISSING) {
      this.fileId = MISSING;
      if (this.seenFile) this.fail(`${this.path} has disappeared (keeping the last state read; restore the file)`);
      return;
    }
    let text = '';
    // a writer that does not replace the file atomically may be half-way: read until the stat holds still
    for (let attempt = 0; ; attempt++) {
      try { text = readFileSync(this.path, 'utf8'); } catch (e) {
        if (errno(e) === 'ENOENT') { this.refresh(); return; }
        this.fail(`cannot read ${this.path}: ${(e as Error).message}`);
        return;
      }
      let after: string;
      try { after = this.statId(); } catch (e) { this.fail(`cannot stat ${this.path}: ${(e as Error).message}`); return; }
      if (after === id) break;
      id = after;
      if (attempt >= 3) { id = ''; break; } // still changing: use what we read, read again next time
    }
    this.seenFile = true;
    this.fileId = id;
    const { file, memo } = parseFile(text, this.memo);
    this.memo = memo;
    const syntax = file.chunks.find((c) => c.doc.syntax !== undefined);
    if (syntax !== undefined) {
      const s = syntax.doc.syntax!;
      this.fail(`${this.path}:${syntax.line + s.line - 1}: YAML syntax error: ${s.message} (keeping the last good state)`);
      return;
    }
    const next = FileState.from(file, this.state, this.path);
    const before = this.state;
    this.state = next;
    this.logProblems(next.problems);
    if (this.error !== undefined) {
      this.error = undefined;
      const gone = [...before.resources()].filter((r) => next.resource(keyOf(r)) === undefined).map(deleteEvent);
      this.hub.resnapshot([...next.resources()], gone);
      return;
    }
    for (const e of FileState.diff(before, next)) this.hub.change(e);
  }

  private fail(message: string): void {
    if (this.error === message) return;
    this.error = message;
    this.log(message);
    this.hub.broadcast({ type: 'error', message });
  }

  private logProblems(problems: readonly string[]): void {
    const now = new Set(problems);
    for (const p of problems) if (!this.loggedProblems.has(p)) this.log(p);
    this.loggedProblems = now;
  }

  private startWatching(): void {
    try {
      this.watcher = watch(this.dir, { persistent: false }, (_event, filename) => {
        if (filename === null || filename === this.base) this.scheduleRefresh();
        if (filename === null || filename === this.lockName) this.lock.notify();
      });
      this.watcher.on('error', () => { this.watcher?.close(); this.watcher = undefined; });
    } catch {
      // no inotify (or the directory is missing): the poll still sees changes
    }
    const pollMs = this.opts.pollMs ?? 1000;
    if (pollMs > 0) {
      this.poller = setInterval(() => this.refresh(), pollMs);
      this.poller.unref();
    }
  }

  private scheduleRefresh(): void {
    if (this.debounce !== undefined || this.closed) return;
    this.debounce = setTimeout(() => { this.debounce = undefined; this.refresh(); }, this.opts.debounceMs ?? 5);
  }

  private open(): void {
    if (this.closed) throw new DatastoreError('Unavailable', `datastore ${this.path} is closed`);
  }
}

