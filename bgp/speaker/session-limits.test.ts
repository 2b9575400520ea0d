// Session protections and ADD-PATH over loopback with real speakers:
//   - maximum prefixes (RFC 4486): above the limit the session is closed with
//     Cease/Maximum Number of Prefixes Reached, the peer's routes go, and the
//     session comes back after the restart timer (and is closed again);
//   - send hold timer (RFC 9687): a raw peer that keeps sending KEEPALIVEs
//     but stops reading is disconnected after the send hold time;
//   - fast timers (hold 3 s, keepalive 1 s) survive a 200k-route flood;
//   - ADD-PATH send (RFC 7911): a reflector sends every path of an anycast
//     prefix to a client that receives ADD-PATH, which keeps them all
//     (multipath); a withdrawal removes one path ID.

import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeKeepalive, encodeOpen, makeOpen } from '../wire/index.js';
import { peerConfig, Speaker, type PeerConfig, type SpeakerConfig } from './index.js';

const AS = 65000;
const live: Speaker[] = [];
const socks: Socket[] = [];
afterEach(async () => {
  for (const s of socks.splice(0)) s.destroy();
  await Promise.all(live.splice(0).map((s) => s.stop()));
});

async function until(what: string, cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const ip = (n: number) => `127.0.0.${n}`;
const rid = (n: number) => `198.18.0.${n}`;
const status = (s: Speaker, name: string) => s.peerStatus().find((p) => p.name === name)!;

async function node(n: number, peers: PeerConfig[], extra: Partial<Omit<SpeakerConfig, 'listen'>> & { port?: number } = {}): Promise<Speaker> {
  const { port, ...rest } = extra;
  const s = new Speaker({
    routerId: rid(n), asn: AS, listen: port !== undefined ? [{ address: ip(n), port }] : [], multipath: false, alwaysCompareMed: false,
    peers, policies: [], originate: [], ...rest,
  });
  live.push(s);
  await s.start();
  return s;
}

const passive = (name: string, n: number, extra: Partial<PeerConfig> = {}) => peerConfig({ name, address: ip(n), asn: AS, passive: true, ...extra });
const dial = (name: string, n: number, port: number, me: number, extra: Partial<PeerConfig> = {}) =>
  peerConfig({ name, address: ip(n), port, localAddress: ip(me), asn: AS, connectRetryTime: 1, idleHoldTime: 1, ...extra });

describe('maximum prefixes (RFC 4486)', () => {
  it('closes the session with Cease 1 above the limit, drops the routes, and tries again after the restart time', async () => {
    const a = await node(1, [passive('b', 2, { maxPrefix: { limit: 3, restartTime: 1 } })], { port: 0 });
    const port = a.listeningPorts()[0]!;
    const b = await node(2, [dial('a', 1, port, 2)], { originate: [1, 2, 3, 4].map((i) => ({ prefix: `100.64.${i}.0/26` })) });
    await until('a closes the session', () => (status(a, 'b').lastError ?? '').includes('Maximum Number of Prefixes Reached'));
    expect(a.locRib.size).toBe(0);
    await until('b sees the Cease', () => (status(b, 'a').lastError ?? '').includes('Maximum Number of Prefixes Reached'));
    const first = status(a, 'b').since;
    // the restart timer reconnects after 1 s; b still sends 4 prefixes, so it is closed again
    await until('a tried again', () => status(a, 'b').since > first + 900 && status(a, 'b').messages.notificationsOut >= 2, 6000);
    b.withdraw('100.64.4.0/26');
    await until('within the limit the session stays up', () => status(a, 'b').state === 'Established' && a.locRib.size === 3, 8000);
  });
});

describe('send hold timer (RFC 9687)', () => {
  it('disconnects a peer that stops reading while it keeps sending KEEPALIVEs', async () => {
    // ~16 MB of UPDATEs (one per route: 40 large communities make every attribute set unique), more than the
    // kernel buffers of both ends hold
    const originate = Array.from({ length: 30000 }, (_, i) => ({
      prefix: `100.${64 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`,
      largeCommunities: Array.from({ length: 40 }, (_, k) => `${AS}:${i}:${k}`),
    }));
    const a = await node(1, [passive('raw', 2, { holdTime: 3, sendHoldTime: 3 })], { port: 0, originate });
    const port = a.listeningPorts()[0]!;
    const raw = connect({ host: ip(1), port, localAddress: ip(2) });
    socks.push(raw);
    await new Promise<void>((r) => raw.once('connect', () => r()));
    raw.write(encodeOpen(makeOpen({ asn: AS, holdTime: 3, routerId: rid(2), capabilities: [{ kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'as4', asn: AS }] })));
    raw.write(encodeKeepalive());
    const ka = setInterval(() => raw.write(encodeKeepalive()), 500);
    try {
      // read nothing at all: the kernel buffers fill with our UPDATEs
      raw.pause();
      await until('session up', () => status(a, 'raw').state === 'Established');
      await until('send hold timer closes the session', () => (status(a, 'raw').lastError ?? '').includes('send hold timer expired'), 12000);
    } finally {
      clearInterval(ka);
    }
  });
});

describe('fast hold timers under load', () => {
  it('hold 3 s / keepalive 1 s: a 200k-route table crosses without a hold-timer reset', async () => {
    const originate = Array.from({ length: 200000 }, (_, i) => ({ prefix: `100.${64 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32` }));
    const a = await node(1, [passive('b', 2, { holdTime: 3, keepaliveTime: 1 })], { port: 0, originate });
    const port = a.listeningPorts()[0]!;
    const b = await node(2, [dial('a', 1, port, 2, { holdTime: 3, keepaliveTime: 1 })]);
    await until('b has all 200k routes', () => b.locRib.size === 200000, 60000);
    // and a little longer, still under the flood's aftermath
    await new Promise((r) => setTimeout(r, 1500));
    expect(status(a, 'b').state).toBe('Established');
    expect(status(b, 'a').messages.notificationsIn + status(b, 'a').messages.notificationsOut).toBe(0);
    expect(status(a, 'b').lastError).toBeUndefined();
  }, 90000);
});

describe('ADD-PATH send (RFC 7911)', () => {
  it('a reflector sends every path of an anycast prefix to a client that receives ADD-PATH; withdrawals go by path ID', async () => {
    const anycast = '100.64.200.0/26';
    const rr = await node(1, [
      passive('x', 2, { routeReflectorClient: true }),
      passive('y', 3, { routeReflectorClient: true }),
      passive('z', 4, { routeReflectorClient: true, addPath: { receive: false, send: 8 } }),
    ], { port: 0 });
    const port = rr.listeningPorts()[0]!;
    const x = await node(2, [dial('rr', 1, port, 2)], { originate: [{ prefix: anycast }] });
    await node(3, [dial('rr', 1, port, 3)], { originate: [{ prefix: anycast }] });
    const z = await node(4, [dial('rr', 1, port, 4, { addPath: { receive: true, send: 0 } })], { multipath: true });
    await until('z holds two paths', () => [...z.adjRibIn('rr')].filter((p) => p.prefix.toString() === anycast).length === 2);
    const paths = [...z.adjRibIn('rr')].filter((p) => p.prefix.toString() === anycast);
    expect(new Set(paths.map((p) => p.prefix.pathId)).size).toBe(2);
    expect(paths.map((p) => p.nextHop[0]).sort()).toEqual([ip(2), ip(3)]);
    expect(z.locRib.multipath(paths[0]!.prefix).length).toBe(2);
    // a client without ADD-PATH (x) still gets one path only: its own is not sent back, y's is
    x.withdraw(anycast);
    await until('z keeps one path', () => [...z.adjRibIn('rr')].filter((p) => p.prefix.toString() === anycast).length === 1);
    expect([...z.adjRibIn('rr')].find((p) => p.prefix.toString() === anycast)!.nextHop).toEqual([ip(3)]);
  });
});
