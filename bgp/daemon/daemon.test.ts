// Real bgpd processes over loopback (127.0.0.1 ↔ 127.0.0.2): the session
// comes up, SIGHUP applies a changed config (a new originated prefix, a
// changed export policy) without resetting the unchanged session, a broken
// config on SIGHUP is reported and the running one kept, SIGTERM closes the
// session silently so the other side keeps the routes as stale (graceful
// restart), and SIGINT sends Cease/Administrative Shutdown (inside a Hard
// Reset, both sides having the N bit) that the other side logs in words.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = new URL('../../bin/bgpd.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'bgpd-test-'));
const procs: ChildProcess[] = [];
const logs: Record<string, string> = { a: '', b: '' };
const port = 20000 + Math.floor(Math.random() * 20000);

function config(me: 'a' | 'b', extra = ''): string {
  const other = me === 'a' ? 'b' : 'a';
  const ip = (x: string) => (x === 'a' ? '127.0.0.1' : '127.0.0.2');
  return `routerId: 198.18.0.${me === 'a' ? 1 : 2}
asn: ${me === 'a' ? 65001 : 65002}
listen: [{ address: ${ip(me)}, port: ${port} }]
control: ${join(dir, `${me}.sock`)}
peers:
  - name: ${other}
    address: ${ip(other)}
    port: ${port}
    localAddress: ${ip(me)}
    asn: ${other === 'a' ? 65001 : 65002}
    import: accept-all
    export: accept-all
    connectRetryTime: 1
${extra}`;
}

function ask<T>(me: string, line: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const s = connect(join(dir, `${me}.sock`));
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\n')) {
        s.end();
        resolve(JSON.parse(buf) as T);
      }
    });
    s.on('error', reject);
    s.write(`${line}\n`);
  });
}

async function until<T>(what: string, f: () => Promise<T>, ok: (v: T) => boolean, ms = 15000): Promise<T> {
  const end = Date.now() + ms;
  let last: T | undefined;
  while (Date.now() < end) {
    try {
      last = await f();
      if (ok(last)) return last;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out: ${what} (last: ${JSON.stringify(last)})\n--- a ---\n${logs.a}\n--- b ---\n${logs.b}`);
}

type Peer = { state: string; since: number; lastError?: string };
type Route = { prefix: string };

function start(me: 'a' | 'b'): ChildProcess {
  const p = spawn(process.execPath, [BIN, '--config', join(dir, `${me}.yaml`)], { stdio: ['ignore', 'pipe', 'pipe'] });
  p.stdout!.on('data', (d) => (logs[me] += d.toString()));
  p.stderr!.on('data', (d) => (logs[me] += d.toString()));
  procs.push(p);
  return p;
}

beforeAll(() => {
  for (const me of ['a', 'b'] as const) {
    writeFileSync(join(dir, `${me}.yaml`), config(me, me === 'a' ? 'originate:\n  - prefix: 100.64.1.0/26\n' : ''));
    start(me);
  }
});

afterAll(() => {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('bgpd process', () => {
  it('brings the session up and carries the originated route', async () => {
    await until('b has 100.64.1.0/26', () => ask<Route[]>('b', 'routes'), (r) => r.some((x) => x.prefix === '100.64.1.0/26'), 30000);
  });

  it('SIGHUP applies a new prefix and policy without resetting the session', async () => {
    const before = await ask<Peer>('b', 'peer a');
    expect(before.state).toBe('Established');
    const policy = 'policies:\n  - name: no1\n    default: accept\n    statements:\n      - match: { prefixes: [{ prefix: 100.64.1.0/26 }] }\n        actions: { accept: false }\n';
    writeFileSync(join(dir, 'a.yaml'), config('a', `originate:\n  - prefix: 100.64.1.0/26\n  - prefix: 100.64.2.0/26\n${policy}`).replace('export: accept-all', 'export: no1'));
    procs[0]!.kill('SIGHUP');
    await until('b has 100.64.2.0/26 and no longer 100.64.1.0/26', () => ask<Route[]>('b', 'routes'),
      (r) => r.some((x) => x.prefix === '100.64.2.0/26') && !r.some((x) => x.prefix === '100.64.1.0/26'));
    const after = await ask<Peer>('b', 'peer a');
    expect(after.state).toBe('Established');
    expect(after.since).toBe(before.since);
    expect(logs.a).toContain('configuration reloaded');
  });

  it('a broken config on SIGHUP is reported and the running one kept', async () => {
    writeFileSync(join(dir, 'a.yaml'), 'routerId: nope\n');
    procs[0]!.kill('SIGHUP');
    await until('a logs the failed reload', async () => logs.a ?? '', (l) => l.includes('reload failed'));
    expect((await ask<Peer>('b', 'peer a')).state).toBe('Established');
  });

  it('SIGTERM is a graceful restart: no NOTIFICATION, the other side keeps the routes as stale', async () => {
    procs[0]!.kill('SIGTERM');
    const p = await until('b sees the session end', () => ask<Peer>('b', 'peer a'), (x) => x.state !== 'Established');
    expect(p.lastError ?? '').not.toContain('NOTIFICATION');
    await until('b logs the stale routes', async () => logs.b ?? '', (l) => l.includes('graceful restart: keeping'));
    const routes = await ask<Route[]>('b', 'routes');
    expect(routes.some((x) => x.prefix === '100.64.2.0/26')).toBe(true);
  });

  it('SIGINT sends Cease/Administrative Shutdown (Hard Reset), logged in words; the routes go at once', async () => {
    writeFileSync(join(dir, 'a.yaml'), config('a', 'originate:\n  - prefix: 100.64.1.0/26\n  - prefix: 100.64.2.0/26\n'));
    procs[0] = start('a');
    await until('b has both of a\'s routes again', () => ask<Route[]>('b', 'routes'), (r) => r.some((x) => x.prefix === '100.64.1.0/26') && r.some((x) => x.prefix === '100.64.2.0/26'));
    await until('a and b Established again', () => ask<Peer>('b', 'peer a'), (x) => x.state === 'Established');
    procs[0]!.kill('SIGINT');
    const p = await until('b sees the shutdown', () => ask<Peer>('b', 'peer a'), (x) => x.state !== 'Established');
    expect(p.lastError ?? '').toContain('Administrative Shutdown');
    // the log line reaches us through b's stdout pipe, possibly after the status answer
    await until('b logs the NOTIFICATION in words', async () => logs.b ?? '',
      (l) => l.includes('received NOTIFICATION from a: Cease / Hard Reset (cause: Cease / Administrative Shutdown: \\"bgpd stopped (SIGINT)\\")'));
    const routes = await until('b dropped a\'s routes', () => ask<Route[]>('b', 'routes'), (r) => !r.some((x) => x.prefix === '100.64.2.0/26'));
    expect(routes.some((x) => x.prefix === '100.64.1.0/26')).toBe(false);
  });
});
