// Self-test of the namespace harness and the peer drivers, with real peers
// only: BIRD (AS65001) in the middle, eBGP over IPv4 to FRR (AS65002) and to
// GoBGP (AS65003), IPv4 and IPv6 (MP_REACH with IPv6 next hops) on each
// session. Checks that sessions come up, that routes arrive with the
// configured attributes in the normalised shape, that every filter kind is
// honoured on every driver (prefix-list export on BIRD and FRR/GoBGP,
// community reject on FRR/GoBGP import, community accept-only on BIRD import),
// that freeze/thaw and restart act on the recorded PIDs, and that teardown
// leaves no namespace and no process behind.
//
//   bird ns  to-frr 198.18.20.1 2001:db8:20::1 ── 198.18.20.2 2001:db8:20::2  frr ns
//            to-gob 198.18.21.1 2001:db8:21::1 ── 198.18.21.3 2001:db8:21::3  gobgp ns
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStopped, Lab, listNetns, pidAlive, STATE_DIR, waitUntil } from '../netns/index.js';
import { BirdSpeaker, FrrSpeaker, GobgpSpeaker, type Family, type Route, type Speaker } from '../peers/index.js';

const V4: Family = 'ipv4-unicast';
const V6: Family = 'ipv6-unicast';
const BOTH: Family[] = [V4, V6];

let lab: Lab;
let bird: BirdSpeaker;
let frr: FrrSpeaker;
let gobgp: GobgpSpeaker;

/** Waits until the routes from the neighbour are exactly these prefixes; returns them. */
function routesExactly(s: Speaker, nbr: string, fam: Family, prefixes: string[]): Promise<Route[]> {
  const want = [...prefixes].sort().join(' ');
  return waitUntil(`${s.spec.name}: ${fam} routes from ${nbr} = [${want}]`, () => s.routes(nbr, fam),
    (rs) => rs.map((r) => r.prefix).join(' ') === want, { timeoutMs: 20_000, intervalMs: 200, diagnose: () => s.diagnose() });
}

const pick = (rs: Route[], prefix: string) => rs.find((r) => r.prefix === prefix);

beforeAll(async () => {
  lab = Lab.create('harness');
  const [nb, nf, ng] = [await lab.namespace('bird'), await lab.namespace('frr'), await lab.namespace('gobgp')];
  await lab.veth({ ns: nb, ifname: 'to-frr', addresses: ['198.18.20.1/24', '2001:db8:20::1/64'] },
    { ns: nf, ifname: 'to-bird', addresses: ['198.18.20.2/24', '2001:db8:20::2/64'] });
  await lab.veth({ ns: nb, ifname: 'to-gob', addresses: ['198.18.21.1/24', '2001:db8:21::1/64'] },
    { ns: ng, ifname: 'to-bird', addresses: ['198.18.21.3/24', '2001:db8:21::3/64'] });
  bird = new BirdSpeaker(lab, nb, {
    name: 'bird', routerId: '198.18.0.1', asn: 65001,
    neighbors: [
      { name: 'frr', address: '198.18.20.2', asn: 65002, localAddress: '198.18.20.1', families: BOTH, nextHop6: '2001:db8:20::1',
        export: { prefixList: [{ prefix: '100.64.10.0/23', le: 24, action: 'permit' }, { prefix: '2001:db8:100::/40', le: 48, action: 'permit' }] } },
      { name: 'gobgp', address: '198.18.21.3', asn: 65003, localAddress: '198.18.21.1', families: BOTH, nextHop6: '2001:db8:21::1',
        import: { community: { any: ['65003:30', '65003:60'], action: 'accept-only' } } },
    ],
    originate: [
      { prefix: '100.64.10.0/24', communities: ['65001:10'], largeCommunities: ['65001:1:10'], med: 10 },
      { prefix: '100.64.11.0/24', communities: ['65001:666'] },
      { prefix: '100.64.12.0/24' },
      { prefix: '2001:db8:100::/48', communities: ['65001:60'], largeCommunities: ['65001:6:0'] },
    ],
  });
  frr = new FrrSpeaker(lab, nf, {
    name: 'frr', routerId: '198.18.0.2', asn: 65002,
    neighbors: [{ name: 'bird', address: '198.18.20.1', asn: 65001, localAddress: '198.18.20.2', families: BOTH, nextHop6: '2001:db8:20::2',
      import: { community: { any: ['65001:666'], action: 'reject' } },
      export: { prefixList: [{ prefix: '100.64.21.0/24', action: 'deny' }, { prefix: '100.64.0.0/10', le: 32, action: 'permit' },
        { prefix: '2001:db8::/32', le: 64, action: 'permit' }] } }],
    originate: [
      { prefix: '100.64.20.0/24', communities: ['65002:20'], largeCommunities: ['65002:0:20'], med: 20 },
      { prefix: '100.64.21.0/24' },
      { prefix: '2001:db8:200::/48', communities: ['65002:60'] },
    ],
  });
  gobgp = new GobgpSpeaker(lab, ng, {
    name: 'gobgp', routerId: '198.18.0.3', asn: 65003,
    neighbors: [{ name: 'bird', address: '198.18.21.1', asn: 65001, localAddress: '198.18.21.3', families: BOTH, nextHop6: '2001:db8:21::3',
      import: { community: { any: ['65001:666'], action: 'reject' } } }],
    originate: [
      { prefix: '100.64.30.0/24', communities: ['65003:30'], largeCommunities: ['65003:0:30'], med: 30 },
      { prefix: '100.64.31.0/24' },
      { prefix: '2001:db8:300::/48', communities: ['65003:60'] },
    ],
  });
  await Promise.all([bird.start(), frr.start(), gobgp.start()]);
});

afterAll(() => lab?.teardown());

describe('harness: BIRD <-> FRR and BIRD <-> GoBGP in namespaces', () => {
  it('brings every session to Established', async () => {
    await Promise.all([bird.waitEstablished('frr'), bird.waitEstablished('gobgp'), frr.waitEstablished('bird'), gobgp.waitEstablished('bird')]);
    expect(await bird.sessionState('frr')).toBe('Established');
    expect(await gobgp.sessionState('bird')).toBe('Established');
  });

  it('FRR gets what BIRD exports through its prefix list, minus its own community reject', async () => {
    const v4 = await routesExactly(frr, 'bird', V4, ['100.64.10.0/24']); // .11 community 666, .12 outside the list
    expect(pick(v4, '100.64.10.0/24')).toMatchObject({ nextHop: '198.18.20.1', asPath: [65001], communities: ['65001:10'], largeCommunities: ['65001:1:10'], med: 10 });
    const v6 = await routesExactly(frr, 'bird', V6, ['2001:db8:100::/48']);
    expect(pick(v6, '2001:db8:100::/48')).toMatchObject({ nextHop: '2001:db8:20::1', asPath: [65001], communities: ['65001:60'], largeCommunities: ['65001:6:0'] });
    expect(await frr.routeCount('bird', V4)).toBe(1);
  });

  it('BIRD gets what FRR exports through its prefix list, with IPv6 next hop set', async () => {
    const v4 = await routesExactly(bird, 'frr', V4, ['100.64.20.0/24']); // .21 denied by FRR's prefix list
    expect(pick(v4, '100.64.20.0/24')).toMatchObject({ nextHop: '198.18.20.2', asPath: [65002], communities: ['65002:20'], largeCommunities: ['65002:0:20'], med: 20 });
    const v6 = await routesExactly(bird, 'frr', V6, ['2001:db8:200::/48']);
    expect(pick(v6, '2001:db8:200::/48')).toMatchObject({ nextHop: '2001:db8:20::2', asPath: [65002], communities: ['65002:60'] });
    expect(await bird.routeCount('frr', V4)).toBe(1);
  });

  it('GoBGP gets BIRD routes and FRR routes relayed by BIRD, minus its community reject', async () => {
    const v4 = await routesExactly(gobgp, 'bird', V4, ['100.64.10.0/24', '100.64.12.0/24', '100.64.20.0/24']);
    expect(pick(v4, '100.64.10.0/24')).toMatchObject({ nextHop: '198.18.21.1', asPath: [65001], communities: ['65001:10'], largeCommunities: ['65001:1:10'], med: 10 });
    expect(pick(v4, '100.64.20.0/24')).toMatchObject({ asPath: [65001, 65002], communities: ['65002:20'], largeCommunities: ['65002:0:20'] });
    const v6 = await routesExactly(gobgp, 'bird', V6, ['2001:db8:100::/48', '2001:db8:200::/48']);
    expect(pick(v6, '2001:db8:100::/48')).toMatchObject({ nextHop: '2001:db8:21::1', communities: ['65001:60'] });
  });

  it('BIRD accepts only GoBGP routes carrying the required communities', async () => {
    const v4 = await routesExactly(bird, 'gobgp', V4, ['100.64.30.0/24']); // .31 has no community
    expect(pick(v4, '100.64.30.0/24')).toMatchObject({ nextHop: '198.18.21.3', asPath: [65003], communities: ['65003:30'], largeCommunities: ['65003:0:30'], med: 30 });
    const v6 = await routesExactly(bird, 'gobgp', V6, ['2001:db8:300::/48']);
    expect(pick(v6, '2001:db8:300::/48')).toMatchObject({ nextHop: '2001:db8:21::3', communities: ['65003:60'] });
  });

  it('freezes and thaws by PID, and restarts FRR back to a working session', async () => {
    const pid = gobgp.pids().gobgpd;
    expect(pid).toBeTypeOf('number');
    gobgp.freeze();
    await waitUntil('gobgpd stopped', () => isStopped(pid!), Boolean, { timeoutMs: 2000, intervalMs: 20 });
    gobgp.thaw();
    await waitUntil('gobgpd running again', () => !isStopped(pid!), Boolean, { timeoutMs: 2000, intervalMs: 20 });
    const before = frr.pids().bgpd;
    await frr.restart();
    expect(frr.pids().bgpd).not.toBe(before);
    await frr.waitEstablished('bird');
    await routesExactly(bird, 'frr', V4, ['100.64.20.0/24']);
  });

  it('tears down every namespace and process it created', () => {
    const procs = lab.processes();
    const names = lab.namespaces();
    expect(names).toHaveLength(3);
    expect(procs.filter((p) => p.alive()).map((p) => p.name).sort()).toEqual(['bird-bird', 'frr-bgpd', 'frr-zebra', 'gobgp-gobgpd']);
    lab.teardown();
    lab.teardown(); // idempotent
    expect(listNetns().filter((n) => n.startsWith(lab.prefix))).toEqual([]);
    expect(procs.filter((p) => pidAlive(p.pid, p.startTime)).map((p) => `${p.name}:${p.pid}`)).toEqual([]);
    expect(existsSync(join(STATE_DIR, `${lab.prefix.slice(0, -1)}.json`))).toBe(false);
    expect(existsSync(lab.dir)).toBe(lab.keep);
  });
});
