// Test fixture: a speaker with known peers in several FSM states, served over
// the gRPC API on a unix socket in a temp dir. "b" (127.0.0.2) is a second
// speaker over loopback → Established; "passive" waits → Active; "down"
// dials a closed port → Active; "v6" (::1) passive → Active; "off" is
// disabled → Idle; "mute" dials a listener that never speaks → OpenSent;
// "noka" dials one that sends its OPEN but never a KEEPALIVE → OpenConfirm.
// (Connect is transient on loopback: it needs an unanswered SYN.)

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { encodeOpen, makeOpen } from '../wire/index.js';
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

/** A TCP listener that accepts and then says nothing, or only its OPEN. */
async function rawListener(address: string, sendOpen: boolean): Promise<{ server: Server; port: number }> {
  const server = createServer((sock) => {
    sock.on('error', () => undefined);
    if (sendOpen) sock.write(encodeOpen(makeOpen({ asn: 65008, holdTime: 90, routerId: '198.18.0.8', capabilities: [{ kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'as4', asn: 65008 }] })));
  });
  await new Promise<void>((r) => server.listen({ host: address, port: 0 }, () => r()));
  const a = server.address();
  return { server, port: typeof a === 'object' && a ? a.port : 0 };
}

export async function startFixture(opts: ServiceOptions = {}): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'l3mesh-api-'));
  const mute = await rawListener('127.0.0.7', false);
  const noka = await rawListener('127.0.0.8', true);
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
      peerConfig({ name: 'mute', address: '127.0.0.7', port: mute.port, localAddress: '127.0.0.1', asn: 65007 }),
      peerConfig({ name: 'noka', address: '127.0.0.8', port: noka.port, localAddress: '127.0.0.1', asn: 65008 }),
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
  await until('mute in OpenSent, noka in OpenConfirm', () =>
    a.peerStatus().find((p) => p.name === 'mute')?.state === 'OpenSent' && a.peerStatus().find((p) => p.name === 'noka')?.state === 'OpenConfirm');
  return {
    a, b, api, client, socket,
    async close() {
      client.close();
      await api.close();
      await Promise.all([a.stop(), b.stop()]);
      for (const l of [mute, noka]) l.server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
