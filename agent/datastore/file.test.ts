// FileDatastore: the shared contract suite on a temp file, then what only the
// file backend does: its on-disk format (counter line, hand-written documents
// kept byte for byte), invalid and duplicate documents, YAML syntax errors
// (error event, last good state kept, writes refused, recovery with a new
// snapshot), external edits seen by the watch (in place and by rename), the
// file vanishing, and stale-lock takeover.
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileDatastore, type FileDatastoreOptions } from './file.js';
import { datastoreContract } from './testing/contract-suite.js';
import { counter, EventLog, ipPool, node } from './testing/fixtures.js';
import { DatastoreError } from './types.js';

const quiet = { log: () => undefined, durable: false } satisfies FileDatastoreOptions;

datastoreContract('file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ds-contract-'));
  const ds = await FileDatastore.open(join(dir, 'cluster.yaml'), quiet);
  return { ds, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

const HAND_WRITTEN = `# cluster for the lab: edit freely
apiVersion: l3mesh.io/v1
kind: IPPool
metadata:
  name: pool-a   # the main pool
spec:
  cidr: 100.64.0.0/16
  blockSize: 26
---
apiVersion: l3mesh.io/v1
kind: Node
metadata: {name: node-a}
spec:
  bgp: {ipv4Address: 198.18.0.1/24}
`;

describe('FileDatastore', () => {
  let dir: string;
  let file: string;
  const open: FileDatastore[] = [];
  const messages: string[] = [];
  const opts = (extra: FileDatastoreOptions = {}): FileDatastoreOptions => ({ durable: false, log: (m) => messages.push(m), ...extra });
  const openDs = async (extra: FileDatastoreOptions = {}): Promise<FileDatastore> => {
    const ds = await FileDatastore.open(file, opts(extra));
    open.push(ds);
    return ds;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ds-file-'));
    file = join(dir, 'cluster.yaml');
    messages.length = 0;
  });
  afterEach(async () => {
    for (const ds of open.splice(0)) await ds.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads hand-written documents (no versions) and keeps them byte for byte when another resource is written', async () => {
    writeFileSync(file, HAND_WRITTEN);
    const ds = await openDs();
    const pool = await ds.get('IPPool', 'pool-a');
    expect(pool?.spec).toEqual({ cidr: '100.64.0.0/16', blockSize: 26 });
    expect(pool?.metadata.resourceVersion).toMatch(/^t[0-9a-f]{8}$/);
    const c = await ds.create(counter('c1'));
    expect(c.metadata.resourceVersion).toBe('1');
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')[0]).toMatch(/^# l3mesh datastore: last resourceVersion 1 /);
    expect(text).toContain(HAND_WRITTEN);
    expect(text).toContain('name: pool-a   # the main pool');
    // a second instance (another process would do the same) reads the same versions
    const other = await openDs();
    expect((await other.get('IPPool', 'pool-a'))?.metadata.resourceVersion).toBe(pool?.metadata.resourceVersion);
    expect((await other.get('IPAMHandle', 'c1'))?.metadata.resourceVersion).toBe('1');
    // CAS on the hand-written one works with its derived version
    const upd = await ds.update({ ...pool!, spec: { ...pool!.spec, natOutgoing: true } });
    expect(upd.metadata.resourceVersion).toBe('2');
    expect(await other.get('IPPool', 'pool-a')).toEqual(upd);
  });

  it('a missing file is an empty datastore; the first write creates it (mode 0600)', async () => {
    const ds = await openDs();
    expect(await ds.list('IPPool')).toEqual([]);
    await ds.create(ipPool('pool-a', '100.64.0.0/16'));
    expect(readFileSync(file, 'utf8')).toContain('cidr: 100.64.0.0/16');
    const { statSync } = await import('node:fs');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('an invalid document is reported and skipped, losing nothing else; a known one keeps its last valid version', async () => {
    writeFileSync(file, `${HAND_WRITTEN}---
apiVersion: l3mesh.io/v1
kind: IPPool
metadata: {name: pool-bad}
spec: {cidr: 100.65.0.0/16, blockSize: 40}
---
apiVersion: l3mesh.io/v1
kind: Gizmo
metadata: {name: g}
spec: {}
---
apiVersion: l3mesh.io/v1
kind: Node
metadata: {name: node-a}
spec: {}
`);
    const ds = await openDs();
    expect((await ds.list('IPPool')).map((r) => r.metadata.name)).toEqual(['pool-a']);
    expect((await ds.list('Node')).map((r) => r.spec)).toEqual([{ bgp: { ipv4Address: '198.18.0.1/24' } }]);
    expect(ds.problems).toEqual([
      expect.stringMatching(/cluster\.yaml:15: IPPool pool-bad: spec\.blockSize must be 20\.\.32 for IPv4 \(got 40\) \(ignored\)$/),
      expect.stringMatching(/cluster\.yaml:20: Gizmo g: unknown kind "Gizmo"/),
      expect.stringMatching(/cluster\.yaml:25: Node node-a is defined again \(first at line 9\); this copy is ignored/),
    ]);
    expect(messages).toHaveLength(3);
    // a typo in a known resource keeps the last valid one
    const log = new EventLog();
    ds.watch(['IPPool'], log.handler);
    await log.until((ev) => ev.some((e) => e.type === 'in-sync'));
    writeFileSync(file, HAND_WRITTEN.replace('cidr: 100.64.0.0/16', 'cidr: 100.64.0.0/99'));
    await expect.poll(() => ds.problems.join('\n'), { timeout: 10_000 }).toMatch(/IPPool pool-a: spec\.cidr: "100\.64\.0\.0\/99" is not a CIDR .*keeping its last valid version/);
    expect((await ds.get('IPPool', 'pool-a'))?.spec.cidr).toBe('100.64.0.0/16');
    expect(log.summary()).toEqual(['set:IPPool/pool-a', 'in-sync']);
    // writes go on, and nothing the human wrote is lost
    await ds.create(counter('c1'));
    expect(readFileSync(file, 'utf8')).toContain('cidr: 100.64.0.0/99');
  });

  it('YAML syntax error: one error event, last good state kept, writes refused; fixed file → new snapshot', async () => {
    writeFileSync(file, HAND_WRITTEN);
    const ds = await openDs({ pollMs: 50 });
    const log = new EventLog();
    ds.watch(['IPPool', 'Node'], log.handler);
    await log.until((ev) => ev.some((e) => e.type === 'in-sync'));
    const broken = HAND_WRITTEN.replace('metadata: {name: node-a}', 'metadata: {name: node-a');
    writeFileSync(file, broken);
    await log.until((ev) => ev.some((e) => e.type === 'error'), 10_000, 'the error event');
    const err = log.events.find((e) => e.type === 'error');
    expect(err?.type === 'error' && err.message).toMatch(/cluster\.yaml:1[1-3]: YAML syntax error: .*keeping the last good state/);
    expect((await ds.list('Node')).map((r) => r.metadata.name)).toEqual(['node-a']);
    await expect(ds.create(counter('c1'))).rejects.toMatchObject({ reason: 'Unavailable' });
    expect(readFileSync(file, 'utf8')).toBe(broken);
    // polls and further reads do not repeat the error
    await new Promise((r) => setTimeout(r, 150));
    expect(log.summary().filter((s) => s === 'error')).toHaveLength(1);
    // fixed, without the node: a fresh snapshot with the node deleted
    log.clear();
    writeFileSync(file, HAND_WRITTEN.split('---')[0]!);
    await log.until((ev) => ev.some((e) => e.type === 'in-sync'), 10_000, 'the new snapshot');
    expect(log.summary()).toEqual(['delete:Node/node-a', 'set:IPPool/pool-a', 'in-sync']);
    await ds.create(counter('c1'));
  });

  it('opening a broken file: watchers get error first, the snapshot once fixed', async () => {
    writeFileSync(file, 'kind: [\n');
    const ds = await openDs({ pollMs: 50 });
    expect(ds.lastError).toMatch(/YAML syntax error/);
    const log = new EventLog();
    ds.watch(['IPPool'], log.handler);
    await log.until((ev) => ev.length > 0);
    expect(log.summary()).toEqual(['error']);
    writeFileSync(file, HAND_WRITTEN);
    await log.until((ev) => ev.some((e) => e.type === 'in-sync'), 10_000, 'the snapshot');
    expect(log.summary()).toEqual(['error', 'set:IPPool/pool-a', 'in-sync']);
  });

  it('watch sees a human replacing the file by rename and editing it in place', async () => {
    writeFileSync(file, HAND_WRITTEN);
    const ds = await openDs({ pollMs: 0 }); // fs.watch alone
    const log = new EventLog();
    ds.watch(['IPPool', 'Node'], log.handler);
    await log.until((ev) => ev.some((e) => e.type === 'in-sync'));
    log.clear();
    const tmp = join(dir, 'new.yaml');
    writeFileSync(tmp, HAND_WRITTEN.replace('blockSize: 26', 'blockSize: 28'));
    renameSync(tmp, file);
    await log.until((ev) => ev.length >= 1, 10_000, 'the replaced pool');
    expect(log.summary()).toEqual(['set:IPPool/pool-a']);
    const e = log.events[0];
    expect(e?.type === 'set' && e.resource.spec).toEqual({ cidr: '100.64.0.0/16', blockSize: 28 });
    log.clear();
    writeFileSync(file, `${HAND_WRITTEN}---\n${JSON.stringify(ipPool('pool-b', '100.65.0.0/16'))}\n`);
    await log.until((ev) => ev.length >= 2, 10_000, 'the in-place edit');
    // pool-a came back to blockSize 26, pool-b is new (JSON is YAML)
    expect(log.summary()).toEqual(['set:IPPool/pool-a', 'set:IPPool/pool-b']);
  });

  it('the poll alone catches changes when fs.watch is not available', async () => {
    writeFileSync(file, HAND_WRITTEN);
    const ds = await openDs({ pollMs: 30, debounceMs: 60_000 }); // fs.watch events effectively ignored
    const log = new EventLog();
    ds.watch(['Node'], log.handler);
    await log.until((ev) => ev.some((e) => e.type === 'in-sync'));
    writeFileSync(file, HAND_WRITTEN.split('---')[0]!);
    await log.until((ev) => ev.some((e) => e.type === 'delete'), 10_000, 'the delete');
  });

  it('a file that disappears gives an error and keeps the state; it comes back → snapshot', async () => {
    writeFileSync(file, HAND_WRITTEN);
    const ds = await openDs({ pollMs: 50 });
    const log = new EventLog();
    ds.watch(['Node'], log.handler);
    await log.until((ev) => ev.some((e) => e.type === 'in-sync'));
    rmSync(file);
    await log.until((ev) => ev.some((e) => e.type === 'error'), 10_000, 'the error');
    expect(await ds.list('Node')).toHaveLength(1);
    await expect(ds.create(node('node-b'))).rejects.toThrow(/has disappeared/);
    writeFileSync(file, HAND_WRITTEN);
    await log.until((ev) => ev.filter((e) => e.type === 'in-sync').length === 2, 10_000, 'the snapshot');
    expect(log.summary()).toEqual(['set:Node/node-a', 'in-sync', 'error', 'set:Node/node-a', 'in-sync']);
  });

  it('two instances on one file: writes of one are seen by the other, CAS holds between them', async () => {
    const a = await openDs();
    const b = await openDs();
    const log = new EventLog();
    b.watch(['IPAMHandle'], log.handler);
    const c = await a.create(counter('c'));
    await log.until((ev) => ev.some((e) => e.type === 'set'), 10_000, 'the set from the other instance');
    const fromB = await b.get('IPAMHandle', 'c');
    expect(fromB).toEqual(c);
    await b.update({ ...fromB!, spec: { ...fromB!.spec, block: { n: 1 } } });
    await expect(a.update({ ...c, spec: { ...c.spec, block: { n: 1 } } })).rejects.toMatchObject({ reason: 'Conflict' });
    expect((await a.get('IPAMHandle', 'c'))?.spec.block.n).toBe(1);
  });

  it('a stale lock (dead pid) is taken over; a live one makes writers wait, then time out clearly', async () => {
    const ds = await openDs({ lock: { timeoutMs: 300 } });
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname(), time: Date.now(), token: 'x' }));
    await ds.create(counter('c'));
    expect(ds.lockTakeovers).toBe(1);
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: process.ppid, host: (await import('node:os')).hostname(), time: Date.now(), token: 'y' }));
    const err = await ds.create(counter('d')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatastoreError);
    expect((err as Error).message).toMatch(new RegExp(`could not lock .*cluster\\.yaml\\.lock within 300 ms: held by pid ${process.ppid}`));
    rmSync(`${file}.lock`);
    await ds.create(counter('d'));
  });
});
