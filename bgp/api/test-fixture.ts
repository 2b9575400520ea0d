// Test fixture: a speaker with known peers in several FSM states, served over
// the gRPC API on a unix socket in a temp dir. "b" (127.0.0.2) is a second
// speaker over loopback → Established; "passive" waits → Active; "down"
// dials a closed port → Active; "v6" (::1) passive → Active; "off" is
// disabled → Idle.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peerConfig, Speaker } from '../speaker/index.js';
import { connectApi, type ApiClient } from './client.js';
import { serveApi, type ApiServer } from './server.js';
import type { ServiceOptions } from './service.js';

export interface Fixture {
  a: Speaker;
  b: Speaker;
  api: ApiServer;
  client: ApiClient;
  socket: string;
  close(): Promise<void>;
}

export async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function startFixture(opts: ServiceOptions = {}): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'l3mesh-api-'));
  const b = new Speaker({
    routerId: '198.18.0.2', asn: 65002, listen: [{ address: '127.0.0.2', port: 0 }], multipath: false, alwaysCompareMed: false,
    peers: [peerConfig({ name: 'a', address: '127.0.0.1', asn: 65001, passive: true, import: 'accept-all', export: 'accept-all', families: ['ipv4-unicast', 'ipv6-unicast'] })],
    policies: [], originate: [{ prefix: '100.64.2.0/26', communities: ['64512:200'] }],
  });
  await b.start();
  const a = new Speaker({
    routerId: '198.18.0.1', asn: 65001, listen: [], multipath: false, alwaysCompareMed: false,
    peers: [
      peerConfig({ name: 'b', address: '127.0.0.2', port: b.listeningPorts()[0]!, localAddress: '127.0.0.1', asn: 65002, import: 'accept-all', export: 'accept-all', families: ['ipv4-unicast', 'ipv6-unicast'], connectRetryTime: 1 }),
      peerConfig({ name: 'passive', address: '127.0.0.4', asn: 65001, passive: true }),
      peerConfig({ name: 'down', address: '127.0.0.5', port: 9, asn: 65005, connectRetryTime: 3600 }),
      peerConfig({ name: 'v6', address: '::1', port: 9, asn: 65006, passive: true, families: ['ipv6-unicast'] }),
      peerConfig({ name: 'off', address: '127.0.0.6', port: 9, asn: 65001 }),
    ],
    policies: [], originate: [{ prefix: '100.64.1.0/26', med: 5 }, { prefix: '2001:db8:1::/48' }],
  });
  await a.start();
  a.disablePeer('off', 'maintenance');
  const socket = join(dir, 'bgpd.sock');
  const api = await serveApi(a, { socket }, opts);
  const client = connectApi(socket);
  await until('session Established', () => a.peerStatus().find((p) => p.name === 'b')?.state === 'Established');
  await until('route from b', () => a.locRib.size >= 3);
  return {
    a, b, api, client, socket,
    async close() {
      client.close();
      await api.close();
      await Promise.all([a.stop(), b.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
