// Route reflection (RFC 4456) over loopback: one reflector (127.0.0.1) with
// iBGP clients and non-clients, each originating a prefix. Client routes reach
// the other clients and the non-clients with ORIGINATOR_ID, CLUSTER_LIST and
// the next hop unchanged; non-client routes reach clients only; client-to-
// client reflection can be turned off; redundant reflectors in one cluster
// drop each other's reflections (CLUSTER_LIST loop); a reflector that is a
// client of another reflector passes routes up with CLUSTER_LIST growing.

import { afterEach, describe, expect, it } from 'vitest';
import { ACCEPT_ALL } from '../policy/index.js';
import { AttrInterner, type PathSource } from '../rib/index.js';
import { pathOf } from '../rib/fixtures.js';
import type { PeerSession } from '../session/index.js';
import { peerConfig, Speaker, type PeerConfig, type SpeakerConfig } from './index.js';
import { exportRoute, type OutboundContext } from './outbound.js';
import { Peer } from './peer.js';

const AS = 65000;
const live: Speaker[] = [];
afterEach(async () => {
  await Promise.all(live.splice(0).map((s) => s.stop()));
});

async function until(what: string, cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const best = (s: Speaker, prefix: string) => [...s.locRib.entries()].find((e) => e.prefix.toString() === prefix)?.best;
const ip = (n: number) => `127.0.0.${n}`;
const rid = (n: number) => `198.18.0.${n}`;
const pfx = (n: number) => `100.64.${n}.0/26`;

/** The side that waits for the connection. */
const accept = (name: string, n: number, extra: Partial<PeerConfig> = {}) => peerConfig({ name, address: ip(n), asn: AS, passive: true, ...extra });
/** The side that dials `n` (which listens on `port`) from 127.0.0.`me`. */
const dial = (name: string, n: number, port: number, me: number, extra: Partial<PeerConfig> = {}) =>
  peerConfig({ name, address: ip(n), port, localAddress: ip(me), asn: AS, connectRetryTime: 1, ...extra });

/** Speaker 127.0.0.`n` / router ID 198.18.0.`n`, originating 100.64.`n`.0/26. */
async function node(n: number, peers: PeerConfig[], opts: { listen?: boolean } & Partial<Omit<SpeakerConfig, 'listen'>> = {}): Promise<Speaker> {
  const { listen, ...extra } = opts;
  const s = new Speaker({
    routerId: rid(n), asn: AS, listen: listen ? [{ address: ip(n), port: 0 }] : [], multipath: false, alwaysCompareMed: false,
    peers, policies: [], originate: [{ prefix: pfx(n), localPref: 100 + n }], ...extra,
  });
  live.push(s);
  await s.start();
  return s;
}

const established = (...ss: Speaker[]) => ss.every((s) => s.peerStatus().every((p) => p.state === 'Established'));

/** Reflector 1; clients 2 and 3; non-clients 4 and 5. */
async function lab(rr: Partial<Omit<SpeakerConfig, 'listen'>> = {}, clientOpts: Partial<PeerConfig> = {}) {
  const r = await node(1, [
    accept('c2', 2, { routeReflectorClient: true, ...clientOpts }),
    accept('c3', 3, { routeReflectorClient: true, ...clientOpts }),
    accept('n4', 4),
    accept('n5', 5),
  ], { listen: true, ...rr });
  const port = r.listeningPorts()[0]!;
  const [c2, c3, n4, n5] = await Promise.all([2, 3, 4, 5].map((n) => node(n, [dial('rr', 1, port, n)])));
  await until('all sessions Established', () => established(r, c2!, c3!, n4!, n5!));
  return { r, c2: c2!, c3: c3!, n4: n4!, n5: n5!, port };
}

describe('route reflection (RFC 4456)', () => {
  it('client routes reach the other clients and non-clients with ORIGINATOR_ID, CLUSTER_LIST, next hop and LOCAL_PREF unchanged', async () => {
    // nextHop self toward the clients must not apply to reflected routes
    const { c2, c3, n4, n5 } = await lab({ clusterId: '10.255.0.1' }, { nextHop: 'self' });
    for (const s of [c3, n4, n5]) await until('client 2 route', () => best(s, pfx(2)) !== undefined);
    for (const s of [c3, n4, n5]) {
      const p = best(s, pfx(2))!;
      expect(p.attrs.originatorId).toBe(rid(2));
      expect(p.attrs.clusterList).toEqual(['10.255.0.1']);
      expect(p.nextHop).toEqual([ip(2)]);
      expect(p.attrs.localPref).toBe(102);
      expect(p.attrs.asPath).toEqual([]);
    }
    // the reflector's own route: next hop self toward the clients, no reflection attributes
    const own = best(c3, pfx(1))!;
    expect(own.nextHop).toEqual([ip(1)]);
    expect(own.attrs.originatorId).toBeUndefined();
    expect(own.attrs.clusterList).toBeUndefined();
    // clients share an update group, so c2 may get its own route back: it drops it (ORIGINATOR_ID, RFC 4456 §8)
    expect([...c2.adjRibIn('rr')].map((x) => x.prefix.toString())).not.toContain(pfx(2));
    expect(best(c2, pfx(2))!.source.local).toBe(true);
  });

  it('non-client routes reach the clients only; the cluster ID defaults to the router ID', async () => {
    const { c2, c3, n5 } = await lab();
    for (const s of [c2, c3]) await until('non-client 4 route at clients', () => best(s, pfx(4)) !== undefined);
    const p = best(c2, pfx(4))!;
    expect(p.attrs.originatorId).toBe(rid(4));
    expect(p.attrs.clusterList).toEqual([rid(1)]);
    expect(p.nextHop).toEqual([ip(4)]);
    await until('client route at non-client 5', () => best(n5, pfx(2)) !== undefined);
    await sleep(300);
    expect(best(n5, pfx(4)), 'non-client to non-client is not reflected').toBeUndefined();
  });

  it('clientToClientReflection false stops client → client but not client → non-client; reconfigure turns it back on', async () => {
    const { r, c3, n4 } = await lab({ clientToClientReflection: false });
    await until('client route at non-client', () => best(n4, pfx(2)) !== undefined);
    await until('non-client route at client', () => best(c3, pfx(4)) !== undefined);
    await sleep(300);
    expect(best(c3, pfx(2))).toBeUndefined();
    r.reconfigure({ ...r.config, clientToClientReflection: true });
    await until('client route at client after reconfigure', () => best(c3, pfx(2)) !== undefined);
    expect(best(c3, pfx(2))!.attrs.originatorId).toBe(rid(2));
  });

  it('withdrawals are reflected', async () => {
    const { c2, c3, n4 } = await lab();
    await until('route reflected', () => best(c3, pfx(2)) !== undefined && best(n4, pfx(2)) !== undefined);
    c2.withdraw(pfx(2));
    await until('withdrawal reflected', () => best(c3, pfx(2)) === undefined && best(n4, pfx(2)) === undefined);
  });

  it('redundant reflectors in one cluster: each drops the route the other reflects (CLUSTER_LIST loop)', async () => {
    const cluster = { clusterId: '10.255.0.9' };
    // rr1 and rr2 are non-client iBGP peers of each other; client 2 peers with both
    const rr2 = await node(6, [accept('c2', 2, { routeReflectorClient: true }), accept('rr1', 1)], { listen: true, ...cluster });
    const rr1 = await node(1, [accept('c2', 2, { routeReflectorClient: true }), dial('rr2', 6, rr2.listeningPorts()[0]!, 1)], { listen: true, ...cluster });
    const c2 = await node(2, [dial('rr1', 1, rr1.listeningPorts()[0]!, 2), dial('rr2', 6, rr2.listeningPorts()[0]!, 2)]);
    await until('all sessions Established', () => established(rr1, rr2, c2));
    const status = (s: Speaker, name: string) => s.peerStatus().find((p) => p.name === name)!;
    await until('rr1 received the reflection from rr2', () => status(rr1, 'rr2').received >= 2);
    await until('rr2 received the reflection from rr1', () => status(rr2, 'rr1').received >= 2);
    // from the other reflector: its own route (accepted) and client 2's route (rejected)
    expect(status(rr1, 'rr2')).toMatchObject({ received: 2, accepted: 1 });
    expect(status(rr2, 'rr1')).toMatchObject({ received: 2, accepted: 1 });
    expect([...rr1.adjRibIn('rr2')].map((p) => p.prefix.toString())).toEqual([pfx(6)]);
    expect(best(rr1, pfx(2))!.attrs.clusterList).toBeUndefined();
    // the client hears its own route from neither reflector, and each reflector's route once per reflector
    await until('client has both reflectors\' routes', () => best(c2, pfx(1)) !== undefined && best(c2, pfx(6)) !== undefined);
    expect([...c2.adjRibIn('rr1')].map((p) => p.prefix.toString()).sort()).toEqual([pfx(1), pfx(6)]);
    expect([...c2.adjRibIn('rr2')].map((p) => p.prefix.toString()).sort()).toEqual([pfx(1), pfx(6)]);
  });

  it('hierarchy: a reflector that is a client of another passes routes up and down, CLUSTER_LIST grows to 2', async () => {
    // top reflector 1; its clients: mid reflector 6 and node 8; node 7 is a client of 6
    const top = await node(1, [accept('mid', 6, { routeReflectorClient: true }), accept('c8', 8, { routeReflectorClient: true })], { listen: true });
    const topPort = top.listeningPorts()[0]!;
    const mid = await node(6, [dial('top', 1, topPort, 6), accept('c7', 7, { routeReflectorClient: true })], { listen: true });
    const c7 = await node(7, [dial('mid', 6, mid.listeningPorts()[0]!, 7)]);
    const c8 = await node(8, [dial('top', 1, topPort, 8)]);
    await until('all sessions Established', () => established(top, mid, c7, c8));
    await until('7 → 8', () => best(c8, pfx(7)) !== undefined);
    await until('8 → 7', () => best(c7, pfx(8)) !== undefined);
    const up = best(c8, pfx(7))!;
    expect(up.attrs.originatorId).toBe(rid(7));
    expect(up.attrs.clusterList).toEqual([rid(1), rid(6)]);
    expect(up.nextHop).toEqual([ip(7)]);
    const down = best(c7, pfx(8))!;
    expect(down.attrs.originatorId).toBe(rid(8));
    expect(down.attrs.clusterList).toEqual([rid(6), rid(1)]);
    expect(down.nextHop).toEqual([ip(8)]);
    // the top reflector's own route at 7: ORIGINATOR_ID = top, one cluster (mid's)
    await until('1 → 7', () => best(c7, pfx(1)) !== undefined);
    expect(best(c7, pfx(1))!.attrs).toMatchObject({ originatorId: rid(1), clusterList: [rid(6)] });
  });
});

describe('reflection export memo', () => {
  const src = (id: number, o: Partial<PathSource>): PathSource => ({ id, address: `198.18.1.${id}`, peerAs: AS, routerId: `10.0.0.${id}`, ibgp: true, local: false, ...o });
  const session = { negotiated: { families: ['ipv4-unicast'] } } as unknown as PeerSession;
  const ctx: OutboundContext = {
    localAs: AS, routerId: '10.0.0.100', clusterId: '10.9.9.9', clientToClient: true,
    isClient: (s) => s.id === 1 || s.id === 2, interner: new AttrInterner(), selfAddress: () => '198.18.1.100',
  };
  it('one interned attribute set from two sources and from eBGP: reflected and plain results never mix', () => {
    const to = new Peer(peerConfig({ name: 'c9', address: '198.18.1.9', asn: AS, routeReflectorClient: true }), src(9, {}), session, ACCEPT_ALL, ACCEPT_ALL);
    const shared = { origin: 0, asPath: [{ type: 2, asns: [65010] }], nextHop: '198.18.2.1', localPref: 150 } as const;
    const viaEbgp = exportRoute(to, pathOf('100.64.9.0/26', shared, src(3, { ibgp: false, peerAs: 65010 })), ctx)!;
    const via1 = exportRoute(to, pathOf('100.64.9.0/26', shared, src(1, {})), ctx)!;
    const via2 = exportRoute(to, pathOf('100.64.9.0/26', shared, src(2, {})), ctx)!;
    const viaEbgpAgain = exportRoute(to, pathOf('100.64.9.64/26', shared, src(3, { ibgp: false, peerAs: 65010 })), ctx)!;
    expect(viaEbgp.attrs.originatorId).toBeUndefined();
    expect(viaEbgp.attrs.clusterList).toBeUndefined();
    expect(via1.attrs).toMatchObject({ originatorId: '10.0.0.1', clusterList: ['10.9.9.9'], localPref: 150, nextHop: '198.18.2.1' });
    expect(via2.attrs).toMatchObject({ originatorId: '10.0.0.2', clusterList: ['10.9.9.9'] });
    expect(viaEbgpAgain.attrs).toBe(viaEbgp.attrs);
    expect(exportRoute(to, pathOf('100.64.9.128/26', shared, src(1, {})), ctx)!.attrs).toBe(via1.attrs);
    // an ORIGINATOR_ID already present is kept, and the cluster list grows at the front
    const reflected = exportRoute(to, pathOf('100.64.9.0/26', { ...shared, originatorId: '10.0.0.77', clusterList: ['10.8.8.8'] }, src(1, {})), ctx)!;
    expect(reflected.attrs).toMatchObject({ originatorId: '10.0.0.77', clusterList: ['10.9.9.9', '10.8.8.8'] });
    // not back to the originator
    const origin = new Peer(peerConfig({ name: 'c77', address: '198.18.1.77', asn: AS, routeReflectorClient: true }), src(77, { routerId: '10.0.0.77' }), session, ACCEPT_ALL, ACCEPT_ALL);
    expect(exportRoute(origin, pathOf('100.64.9.0/26', { ...shared, originatorId: '10.0.0.77' }, src(1, {})), ctx)).toBeUndefined();
    // a non-client iBGP peer gets nothing from another non-client
    const nonClient = new Peer(peerConfig({ name: 'n5', address: '198.18.1.5', asn: AS }), src(5, {}), session, ACCEPT_ALL, ACCEPT_ALL);
    expect(exportRoute(nonClient, pathOf('100.64.9.0/26', shared, src(4, {})), ctx)).toBeUndefined();
    expect(exportRoute(nonClient, pathOf('100.64.9.0/26', shared, src(1, {})), ctx)).toBeDefined();
  });
});
