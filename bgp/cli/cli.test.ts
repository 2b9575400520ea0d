// ctl golden output (table and JSON) against a live speaker served over the
// unix socket, with peers in several FSM states (Established, Active, Idle
// disabled); times are normalised. Also: the readable error when bgpd is not
// reachable, and the bin/ctl.js shim end to end.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from '../api/test-fixture.js';
import { run } from './main.js';

let f: Fixture;
beforeAll(async () => { f = await startFixture(); });
afterAll(async () => { await f?.close(); });

async function ctl(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run([...argv, '--socket', f.socket], { out: (s) => out.push(s), err: (s) => err.push(s), env: {} });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Times change from run to run: HH:MM:SS in tables, ISO stamps and epoch ms in JSON. */
const normalise = (s: string) => s
  .replace(/\b\d\d:\d\d:\d\d\b/g, 'HH:MM:SS')
  .replace(/"\d{4}-\d\d-\d\dT[\d:.]+Z"/g, '"<time>"')
  .replace(/("sinceMs": )\d+/g, '$1<ms>')
  .replace(/("port": )\d{4,5}\b/g, '$1<port>');

const golden = (name: string) => join(import.meta.dirname, '__golden__', name);

describe('ctl', () => {
  it('node status (table)', async () => {
    const r = await ctl('node', 'status');
    expect(r.code).toBe(0);
    await expect(normalise(r.out)).toMatchFileSnapshot(golden('node-status.txt'));
  });

  it('node status -o json', async () => {
    const r = await ctl('node', 'status', '-o', 'json');
    await expect(normalise(r.out)).toMatchFileSnapshot(golden('node-status.json'));
  });

  it('bgp peers (table, wide, json)', async () => {
    await expect(normalise((await ctl('bgp', 'peers')).out)).toMatchFileSnapshot(golden('bgp-peers.txt'));
    await expect(normalise((await ctl('bgp', 'peers', 'b', '-o', 'json')).out)).toMatchFileSnapshot(golden('bgp-peer-b.json'));
    expect((await ctl('bgp', 'peers', '-o', 'wide')).out).toContain('FAMILIES');
  });

  it('bgp routes (table, wide, json, filters, adj-out, yaml)', async () => {
    await expect((await ctl('bgp', 'routes')).out).toMatchFileSnapshot(golden('bgp-routes.txt'));
    await expect((await ctl('bgp', 'routes', '-o', 'wide')).out).toMatchFileSnapshot(golden('bgp-routes-wide.txt'));
    await expect((await ctl('bgp', 'routes', '100.64.2.0/26', '-o', 'json')).out).toMatchFileSnapshot(golden('bgp-route.json'));
    expect((await ctl('bgp', 'routes', '--peer', 'b', '--table', 'adj-out')).out).toBe('PREFIX          NEXT HOP    AS PATH   FROM\n100.64.1.0/26   127.0.0.1   65001     local');
    expect((await ctl('bgp', 'routes', '--family', 'ipv6', '-o', 'yaml')).out).toContain('prefix: 2001:db8:1::/48');
  });

  it('bgp originate / withdraw', async () => {
    const r = await ctl('bgp', 'originate', '100.64.7.0/24', '--community', '64512:7', '--community', '64512:8', '--med', '10');
    expect(r).toMatchObject({ code: 0, out: 'originated 100.64.7.0/24 with communities 64512:7,64512:8' });
    expect((await ctl('bgp', 'routes', '100.64.7.0/24', '-o', 'wide')).out).toContain('64512:7,64512:8');
    expect((await ctl('bgp', 'withdraw', '100.64.7.0/24')).out).toBe('withdrew 100.64.7.0/24');
    expect((await ctl('bgp', 'routes', '100.64.7.0/24')).out).toBe('No routes found.');
  });

  it('errors are readable and carry the status code', async () => {
    let r = await ctl('bgp', 'originate', '100.64.7.0/33');
    expect(r).toMatchObject({ code: 1, err: 'ctl: INVALID_ARGUMENT: prefix: "100.64.7.0/33" is not a prefix (expected e.g. 100.64.0.0/26 or 2001:db8::/64)' });
    r = await ctl('bgp', 'peers', 'ghost');
    expect(r.err).toBe('ctl: NOT_FOUND: no peer named "ghost" (known peers: b, passive, down, v6, off, mute, noka)');
    r = await ctl('bgp', 'routes', '--table', 'adj-in');
    expect(r).toMatchObject({ code: 2, err: 'ctl: --table adj-in needs --peer NAME' });
    r = await ctl('bgp', 'frobnicate');
    expect(r.code).toBe(2);
  });

  it('says which socket it tried and what to check when bgpd is unreachable', async () => {
    const missing = join(f.socket, '..', 'nope.sock');
    const err: string[] = [];
    const code = await run(['node', 'status'], { out: () => undefined, err: (s) => err.push(s), env: { L3MESH_BGPD_SOCKET: missing } });
    expect(code).toBe(3);
    expect(err.join('\n')).toContain(`cannot reach bgpd at ${missing} (unix socket)`);
    expect(err.join('\n')).toContain('The socket does not exist. Is bgpd running');
    expect(err.join('\n')).toContain('--socket PATH or L3MESH_BGPD_SOCKET');
  });

  it('bin/ctl.js runs the CLI', async () => {
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'ctl.js');
    const { stdout } = await promisify(execFile)(process.execPath, [bin, 'bgp', 'peers', '-o', 'json'], { env: { ...process.env, L3MESH_BGPD_SOCKET: f.socket } });
    expect((JSON.parse(stdout) as { name: string }[]).map((p) => p.name)).toEqual(['b', 'passive', 'down', 'v6', 'off', 'mute', 'noka']);
  });
});
