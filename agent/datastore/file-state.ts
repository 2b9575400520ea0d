// The state read from the datastore file: its documents in file order, the
// resources they hold by key, and the resourceVersion counter. Built from a
// parsed file plus the previous state, which supplies two rules:
//  - a document that turns invalid keeps its last valid version (reported),
//    so a typo made by hand never makes an IPAM block or a policy vanish;
//  - a second document with the same identity is reported and ignored.
// Also computes the watch events between two states, and the state after one
// write (only the changed document is re-rendered; the others keep their text).
import type { ChangeEvent } from './store.js';
import { deleteEvent } from './store.js';
import { renderedChunk, renderFile, type Chunk, type ParsedDoc, type ParsedFile } from './file-format.js';
import { keyOf, sameData } from './resource.js';
import type { Resource } from './types.js';

export class FileState {
  private constructor(
    readonly counter: number,
    readonly chunks: readonly Chunk[],
    /** First chunk naming each identity (valid or not). */
    private readonly byKey: ReadonlyMap<string, Chunk>,
    /** Problems found when this state was read, with file line numbers. */
    readonly problems: readonly string[],
  ) {}

  static empty(): FileState { return new FileState(0, [], new Map(), []); }

  static from(file: ParsedFile, previous: FileState, where: string): FileState {
    const byKey = new Map<string, Chunk>();
    const problems: string[] = [];
    const chunks: Chunk[] = [];
    for (const c of file.chunks) {
      let chunk = c;
      const { key, errors } = c.doc;
      if (key !== undefined && byKey.has(key)) {
        const first = byKey.get(key)!;
        problems.push(`${where}:${c.line}: ${describeKey(key)} is defined again (first at line ${first.line}); this copy is ignored`);
        chunk = { ...c, doc: errors === undefined ? {} : { errors } };
      } else if (key !== undefined && errors !== undefined) {
        const last = previous.resource(key);
        problems.push(...errors.map((e) => `${where}:${c.line}: ${e}${last !== undefined ? ' (keeping its last valid version)' : ' (ignored)'}`));
        if (last !== undefined) chunk = { ...c, doc: { key, resource: last, errors } };
        byKey.set(key, chunk);
      } else if (errors !== undefined) {
        problems.push(...errors.map((e) => `${where}:${c.line}: ${e} (ignored)`));
      } else if (key !== undefined) {
        byKey.set(key, chunk);
      }
      chunks.push(chunk);
    }
    return new FileState(file.counter, chunks, byKey, problems);
  }

  resource(key: string): Resource | undefined { return this.byKey.get(key)?.doc.resource; }

  *resources(): IterableIterator<Resource> {
    for (const c of this.chunks) if (c.doc.resource !== undefined && this.byKey.get(c.doc.key ?? '') === c) yield c.doc.resource;
  }

  get size(): number {
    let n = 0;
    for (const c of this.byKey.values()) if (c.doc.resource !== undefined) n++;
    return n;
  }

  /** The state after storing `r` (already stamped with counter+1) or removing `key`. */
  withChange(change: { put: Resource } | { remove: string }, counter: number, memo: Map<string, ParsedDoc>): FileState {
    const key = 'put' in change ? keyOf(change.put) : change.remove;
    const old = this.byKey.get(key);
    const chunks = [...this.chunks];
    const byKey = new Map(this.byKey);
    if ('put' in change) {
      const chunk = renderedChunk(change.put, memo);
      if (old === undefined) chunks.push(chunk);
      else chunks[chunks.indexOf(old)] = chunk;
      byKey.set(key, chunk);
    } else if (old !== undefined) {
      chunks.splice(chunks.indexOf(old), 1);
      byKey.delete(key);
    }
    return new FileState(counter, chunks, byKey, this.problems);
  }

  render(): string { return renderFile(this.counter, this.chunks); }

  /** Events that turn `before` into `after`: sets in file order, then deletes. */
  static diff(before: FileState, after: FileState): ChangeEvent[] {
    const events: ChangeEvent[] = [];
    const seen = new Set<string>();
    for (const r of after.resources()) {
      const key = keyOf(r);
      seen.add(key);
      const was = before.resource(key);
      if (was === r) continue;
      if (was !== undefined && sameData(was, r)) continue;
      events.push({ type: 'set', resource: r });
    }
    for (const r of before.resources()) if (!seen.has(keyOf(r))) events.push(deleteEvent(r));
    return events;
  }
}

function describeKey(key: string): string {
  const [kind = '', ns = '', name = ''] = key.split('/');
  return ns === '' ? `${kind} ${name}` : `${kind} ${ns}/${name}`;
}
