// The reflector command as operators run it: a real process with a config
// file, two client speakers over loopback (127.0.0.2, 127.0.0.3 → 127.0.0.1).
// Readiness is 503 until both clients are Established, then 200; a client's
// route reaches the other client with ORIGINATOR_ID and CLUSTER_LIST; a
// config without clients is refused with a clear message.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peerConfig, Speaker } from '../bgp/index.js';

const BIN = new URL('../bin/reflector.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'reflector-test-'));
const port = 20000 + Math.floor(Math.random() * 20000);
const health = port + 1;
let proc: ChildProcess;
let log = '';
const clients: Speaker[] = [];

const CONFIG = `routerId: 198.18.0.1
asn: 65000
clusterId: 198.18.0.100
listen: [{ address: 127.0.0.1, port: ${port} }]
peers:
  - { name: c2, address: 127.0.0.2, asn: 65000, passive: true, routeReflectorClient: true }
  - { name: c3, address: 127.0.0.3, asn: 65000, passive: true, routeReflectorClient: true }
`;

function probe(path: string): Promise<{ code: number; body: { ready?: boolean; live?: boolean; peers?: { name: string }[] } }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port: health, path }, (res) => {
      let b = '';
      res.on('data', (d) => (b += d));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body: JSON.parse(b) }));
    }).on('error', reject);
  });
}

async function until<T>(what: string, f: () => Promise<T> | T, ok: (v: T) => boolean, ms = 20000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const v = await f();
      if (ok(v)) return v;
    } catch { /* not up yet */ }
    if (Date.now() > end) throw new Error(`timed out: ${what}\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const client = (n: 2 | 3) => new Speaker({
  routerId: `198.18.0.${n}`, asn: 65000, listen: [], multipath: false, alwaysCompareMed: false,
  peers: [peerConfig({ name: 'rr', address: '127.0.0.1', port, localAddress: `127.0.0.${n}`, asn: 65000, connectRetryTime: 1 })],
  policies: [], originate: [{ prefix: `100.64.${n}.0/26`, nextHop: `127.0.0.${n}` }],
});

beforeAll(() => {
  writeFileSync(join(dir, 'rr.yaml'), CONFIG);
  proc = spawn(process.execPath, [BIN, '--config', join(dir, 'rr.yaml'), '--health', `127.0.0.1:${health}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (d) => (log += d));
  proc.stderr!.on('data', (d) => (log += d));
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.stop()));
  if (proc.exitCode === null) proc.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('reflector', () => {
  it('is live at once and not ready until its clients are Established', async () => {
    await until('liveness', () => probe('/liveness'), (r) => r.code === 200 && r.body.live === true);
    const r = await probe('/readiness');
    expect(r.code).toBe(503);
    expect(r.body.peers?.map((p) => p.name).sort()).toEqual(['c2', 'c3']);
  });

  it("reflects one client's route to the other with ORIGINATOR_ID and CLUSTER_LIST, then is ready", async () => {
    clients.push(client(2), client(3));
    await Promise.all(clients.map((c) => c.start()));
    await until('readiness 200', () => probe('/readiness'), (r) => r.code === 200 && r.body.ready === true);
    const c3 = clients[1]!;
    const best = await until('100.64.2.0/26 at c3', () => [...c3.locRib.entries()].find((e) => e.prefix.toString() === '100.64.2.0/26')?.best, (b) => b !== undefined);
    expect(best!.attrs.originatorId).toBe('198.18.0.2');
    expect(best!.attrs.clusterList).toEqual(['198.18.0.100']);
    expect(best!.nextHop).toEqual(['127.0.0.2']);
  });

  it('refuses a config without clients, saying why', () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, CONFIG.replace(/, routeReflectorClient: true/g, ''));
    const r = spawnSync(process.execPath, [BIN, '--config', bad, '--check'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('a reflector needs at least one peer with routeReflectorClient: true');
  });
});
