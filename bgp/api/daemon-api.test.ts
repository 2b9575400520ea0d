// A real bgpd process with `api:` and `control:` in its config: the gRPC
// socket appears with mode 0660 next to the line-protocol socket (which
// keeps working), bin/ctl.js talks to it, and SIGTERM removes it.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../daemon/config.js';
import { until } from './test-fixture.js';

const root = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'bgpd-api-'));
let proc: ChildProcess | undefined;
afterAll(() => {
  proc?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const ctl = (...args: string[]) => promisify(execFile)(process.execPath, [join(root, 'bin/ctl.js'), '--socket', join(dir, 'api.sock'), ...args]);

describe('bgpd serves the gRPC API', () => {
  it('api socket (0660) beside the control socket; ctl works; SIGTERM cleans up', async () => {
    const cfg = join(dir, 'bgpd.yaml');
    writeFileSync(cfg, `routerId: 198.18.0.9
asn: 65009
listen: []
control: ${join(dir, 'control.sock')}
api:
  socket: ${join(dir, 'api.sock')}
peers:
  - { name: tor, address: 127.0.0.8, asn: 65010, passive: true }
originate:
  - { prefix: 100.64.9.0/26 }
`);
    proc = spawn(process.execPath, [join(root, 'bin/bgpd.js'), '--config', cfg], { stdio: 'ignore' });
    await until('api socket', () => existsSync(join(dir, 'api.sock')) && (statSync(join(dir, 'api.sock')).mode & 0o777) === 0o660, 15_000);
    await until('control socket', () => existsSync(join(dir, 'control.sock')), 15_000);
    const { stdout } = await ctl('bgp', 'routes', '-o', 'json');
    expect(JSON.parse(stdout)).toEqual([expect.objectContaining({ prefix: '100.64.9.0/26', from: 'local' })]);
    expect((await ctl('node', 'status')).stdout).toContain('| 127.0.0.8    | eBGP      | start |');
    const peers = await new Promise<string>((resolve, reject) => {
      const s = connect(join(dir, 'control.sock'));
      s.on('data', (d) => { resolve(d.toString()); s.end(); });
      s.on('error', reject);
      s.write('peers\n');
    });
    expect(JSON.parse(peers)).toEqual([expect.objectContaining({ name: 'tor', state: 'Active' })]);
    proc.kill('SIGTERM');
    await new Promise((r) => proc!.once('exit', r));
    expect(existsSync(join(dir, 'api.sock'))).toBe(false);
  }, 30_000);

  it('config: api.tcp must be loopback', () => {
    const base = { routerId: '198.18.0.9', asn: 65009 };
    expect(validateConfig({ ...base, api: { socket: '/run/x.sock', tcp: '127.0.0.1:50051' } }).config?.api).toEqual({ socket: '/run/x.sock', tcp: '127.0.0.1:50051' });
    expect(validateConfig({ ...base, api: { socket: '/run/x.sock', tcp: '0.0.0.0:50051' } }).problems[0]?.message).toContain('must be a loopback address');
    expect(validateConfig({ ...base, api: { tcp: '127.0.0.1:1' } }).problems[0]?.path).toEqual(['api', 'socket']);
  });
});
