// The lock file on its own: exclusion between holders, release only of our
// own lock, takeover of a lock whose holder died or that is too old, and a
// breaker that never removes a fresh lock taken after the stale one it judged.
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileLock, pidAlive } from './file-lock.js';

describe('FileLock', () => {
  let dir: string;
  let path: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'ds-lock-')); path = join(dir, 'x.yaml.lock'); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const holder = (pid: number, time = Date.now(), host = hostname()): string => JSON.stringify({ pid, host, time, token: `t${pid}` });
  // a pid above the kernel's maximum (4194304) never runs
  const DEAD = 2 ** 22 + 777;

  it('excludes a second holder until released; release removes only our own lock', async () => {
    const a = new FileLock(path);
    const b = new FileLock(path, { timeoutMs: 2_000 });
    expect(a.tryAcquire()).toBe(true);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    expect(b.tryAcquire()).toBe(false);
    const waiting = b.acquire();
    setTimeout(() => a.release(), 30);
    await waiting;
    expect(b.held).toBe(true);
    a.release(); // not held any more: must not remove b's lock
    expect(JSON.parse(readFileSync(path, 'utf8')).token).toBeDefined();
    expect(new FileLock(path).tryAcquire()).toBe(false);
    b.release();
    expect(new FileLock(path).tryAcquire()).toBe(true);
  });

  it('takes over the lock of a dead process, and one older than staleMs even if its holder lives', () => {
    expect(pidAlive(DEAD)).toBe(false);
    writeFileSync(path, holder(DEAD));
    const l = new FileLock(path);
    expect(l.tryAcquire()).toBe(true);
    expect(l.takeovers).toBe(1);
    l.release();
    writeFileSync(path, holder(process.ppid, Date.now() - 5_000));
    expect(new FileLock(path, { staleMs: 60_000 }).tryAcquire()).toBe(false);
    const old = new FileLock(path, { staleMs: 1_000 });
    expect(old.tryAcquire()).toBe(true);
    expect(old.takeovers).toBe(1);
  });

  it('a lock from another host is judged by age only', () => {
    writeFileSync(path, holder(DEAD, Date.now(), 'some-other-host'));
    expect(new FileLock(path).tryAcquire()).toBe(false);
  });

  it('an empty lock file (its writer died between create and write) is stale after a second', () => {
    writeFileSync(path, '');
    expect(new FileLock(path).tryAcquire()).toBe(false);
    const past = new Date(Date.now() - 2_000);
    utimesSync(path, past, past);
    expect(new FileLock(path).tryAcquire()).toBe(true);
  });

  it('while another process is breaking a stale lock (breaker held), nobody else breaks it', () => {
    writeFileSync(path, holder(DEAD));
    writeFileSync(`${path}.break`, '1');
    expect(new FileLock(path).tryAcquire()).toBe(false);
    // an abandoned breaker is cleared after 5 s
    const past = new Date(Date.now() - 6_000);
    utimesSync(`${path}.break`, past, past);
    const l = new FileLock(path);
    expect(l.tryAcquire()).toBe(false); // clears the breaker
    expect(l.tryAcquire()).toBe(true);
  });

  it('times out with the holder named', async () => {
    writeFileSync(path, holder(process.ppid));
    await expect(new FileLock(path, { timeoutMs: 100 }).acquire()).rejects.toThrow(new RegExp(`within 100 ms: held by pid ${process.ppid} on ${hostname()} since `));
  });
});
