// Our bgpd against BIRD 2, FRR and GoBGP, each as an eBGP and an iBGP peer,
// IPv4 and IPv6 (MP-BGP with IPv6 next hops over IPv4 sessions), in network
// namespaces:
//
//                 bird-e AS65011   frr-e AS65012   gobgp-e AS65013
//                       \               |               /
//   198.18.3k.2  ──── 198.18.3k.1   bgpd AS65000   (k = 1..6, one link each)
//                       /               |               \
//                 bird-i AS65000   frr-i AS65000   gobgp-i AS65000
//
// Checked: sessions come up on both sides; routes flow both ways with the
// expected AS_PATH, next hop, communities, LOCAL_PREF; iBGP-learned routes are
// not passed to iBGP peers; our export and import policies are seen from the
// peers' side; withdrawals propagate when a peer stops (with its NOTIFICATION
// logged) and routes come back when it returns; our restart re-converges; a
// frozen peer (SIGSTOP) is detected by the hold timer and recovers.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, waitUntil } from '../netns/index.js';
import { BgpdSpeaker, BirdSpeaker, FrrSpeaker, GobgpSpeaker, type BaseSpeaker, type Family, type Route, type SpeakerSpec } from '../peers/index.js';

type Speaker = BaseSpeaker;

const V4: Family = 'ipv4-unicast';
const V6: Family = 'ipv6-unicast';
const OUR_AS = 65000;

interface PeerDef { name: string; kind: 'bird' | 'frr' | 'gobgp'; asn: number; k: number }
const PEERS: PeerDef[] = [
  { name: 'bird_e', kind: 'bird', asn: 65011, k: 1 },
  { name: 'frr_e', kind: 'frr', asn: 65012, k: 2 },
  { name: 'gobgp_e', kind: 'gobgp', asn: 65013, k: 3 },
  { name: 'bird_i', kind: 'bird', asn: OUR_AS, k: 4 },
  { name: 'frr_i', kind: 'frr', asn: OUR_AS, k: 5 },
  { name: 'gobgp_i', kind: 'gobgp', asn: OUR_AS, k: 6 },
];
const ours4 = (p: PeerDef) => `198.18.3${p.k}.1`;
const peer4 = (p: PeerDef) => `198.18.3${p.k}.2`;
const ours6 = (p: PeerDef) => `2001:db8:3${p.k}::1`;
const peer6 = (p: PeerDef) => `2001:db8:3${p.k}::2`;
const v4Of = (p: PeerDef) => `100.64.3${p.k}.0/24`;
const v6Of = (p: PeerDef) => `2001:db8:13${p.k}::/48`;
const ebgp = (p: PeerDef) => p.asn !== OUR_AS;

let lab: Lab;
let bgpd: BgpdSpeaker;
const peers = new Map<string, Speaker>();

const byPrefix = (rs: Route[], prefix: string) => rs.find((r) => r.prefix === prefix);

function routesAt(s: Speaker, nbr: string, fam: Family, cond: (rs: Route[]) => boolean, what: string, timeoutMs = 30_000): Promise<Route[]> {
  return waitUntil(`${s.spec.name}: ${what}`, () => s.routes(nbr, fam), cond, { timeoutMs, intervalMs: 250, diagnose: () => `${s.diagnose()}\n${bgpd.diagnose()}` });
}

beforeAll(async () => {
  lab = Lab.create('bgpd');
  const nsOurs = await lab.namespace('ours');
  const specs: SpeakerSpec['neighbors'] = [];
  for (const p of PEERS) {
    const ns = await lab.namespace(p.name.replace('_', '-'));
    await lab.veth({ ns: nsOurs, ifname: `to-${p.name.replace('_', '')}`, addresses: [`${ours4(p)}/24`, `${ours6(p)}/64`] },
      { ns, ifname: 'to-ours', addresses: [`${peer4(p)}/24`, `${peer6(p)}/64`] });
    const spec: SpeakerSpec = {
      name: p.name, routerId: `198.18.0.${20 + p.k}`, asn: p.asn,
      neighbors: [{ name: 'ours', address: ours4(p), asn: OUR_AS, localAddress: peer4(p), families: [V4, V6], nextHop6: peer6(p) }],
      originate: [
        { prefix: v4Of(p), communities: [`${p.asn}:${p.k}`], med: 10 * p.k },
        { prefix: v6Of(p), communities: [`${p.asn}:6${p.k}`] },
        ...(p.name === 'bird_e' ? [{ prefix: '100.64.31.128/25', communities: ['65011:99'] }] : []),
      ],
    };
    const s = p.kind === 'bird' ? new BirdSpeaker(lab, ns, spec) : p.kind === 'frr' ? new FrrSpeaker(lab, ns, spec) : new GobgpSpeaker(lab, ns, spec);
    peers.set(p.name, s);
    specs.push({
      name: p.name, address: peer4(p), asn: p.asn, localAddress: ours4(p), families: [V4, V6], nextHop6: ours6(p),
      ...(p.name === 'frr_e' ? { export: { community: { any: ['65000:666'], action: 'reject' as const } } } : {}),
      ...(p.name === 'gobgp_e' ? { export: { prefixList: [{ prefix: '100.64.0.0/10', le: 24, action: 'permit' as const }, { prefix: '2001:db8::/32', le: 48, action: 'permit' as const }] } } : {}),
      ...(p.name === 'bird_e' ? { import: { community: { any: ['65011:99'], action: 'reject' as const } } } : {}),
    });
  }
  bgpd = new BgpdSpeaker(lab, nsOurs, {
    name: 'ours', routerId: '198.18.0.10', asn: OUR_AS, neighbors: specs,
    originate: [
      { prefix: '100.64.100.0/24', communities: ['65000:100'] },
      { prefix: '100.64.101.0/24', communities: ['65000:666'] },
      { prefix: '100.64.102.7/32' },
      { prefix: '2001:db8:200::/48', communities: ['65000:200'] },
    ],
  });
  await Promise.all([bgpd.start(), ...[...peers.values()].map((s) => s.start())]);
  await Promise.all(PEERS.map((p) => bgpd.waitEstablished(p.name, 60_000)));
}, 240_000);

afterAll(async () => {
  await lab?.close();
});

describe('bgpd interop with BIRD, FRR and GoBGP', () => {
  it('every session is Established on both sides', async () => {
    for (const p of PEERS) {
      expect(await bgpd.sessionState(p.name), p.name).toBe('Established');
      expect(await peers.get(p.name)!.waitEstablished('ours'), p.name).toBe('Established');
    }
  });

  it("each peer's IPv4 and IPv6 routes arrive at bgpd with their attributes", async () => {
    for (const p of PEERS) {
      const rs4 = await routesAt(bgpd, p.name, V4, (rs) => !!byPrefix(rs, v4Of(p)), `${v4Of(p)} from ${p.name}`);
      const r4 = byPrefix(rs4, v4Of(p))!;
      expect(r4.asPath, p.name).toEqual(ebgp(p) ? [p.asn] : []);
      expect(r4.nextHop, p.name).toBe(peer4(p));
      expect(r4.communities, p.name).toContain(`${p.asn}:${p.k}`);
      expect(r4.med, p.name).toBe(10 * p.k);
      if (!ebgp(p)) expect(r4.localPref, p.name).toBe(100);
      const rs6 = await routesAt(bgpd, p.name, V6, (rs) => !!byPrefix(rs, v6Of(p)), `${v6Of(p)} from ${p.name}`);
      const r6 = byPrefix(rs6, v6Of(p))!;
      expect(r6.nextHop, p.name).toBe(peer6(p));
      expect(r6.communities, p.name).toContain(`${p.asn}:6${p.k}`);
    }
  });

  it('our routes reach every peer: AS_PATH, next hop and LOCAL_PREF per session type', async () => {
    for (const p of PEERS) {
      const s = peers.get(p.name)!;
      const rs = await routesAt(s, 'ours', V4, (x) => !!byPrefix(x, '100.64.100.0/24'), '100.64.100.0/24 from bgpd');
      const r = byPrefix(rs, '100.64.100.0/24')!;
      expect(r.asPath, p.name).toEqual(ebgp(p) ? [OUR_AS] : []);
      expect(r.nextHop, p.name).toBe(ours4(p));
      expect(r.communities, p.name).toContain('65000:100');
      if (!ebgp(p)) expect(r.localPref, p.name).toBe(100);
      const rs6 = await routesAt(s, 'ours', V6, (x) => !!byPrefix(x, '2001:db8:200::/48'), '2001:db8:200::/48 from bgpd');
      expect(byPrefix(rs6, '2001:db8:200::/48')!.nextHop, p.name).toBe(ours6(p));
    }
  });

  it('eBGP-learned routes go to every other peer; iBGP-learned only to eBGP peers', async () => {
    const birdE = PEERS[0]!;
    const frrI = PEERS[4]!;
    const frrE = peers.get('frr_e')!;
    const rs = await routesAt(frrE, 'ours', V4, (x) => !!byPrefix(x, v4Of(birdE)) && !!byPrefix(x, v4Of(frrI)), 'routes of bird_e and frr_i at frr_e');
    expect(byPrefix(rs, v4Of(birdE))!.asPath).toEqual([OUR_AS, birdE.asn]);
    expect(byPrefix(rs, v4Of(birdE))!.med).toBeUndefined(); // MED is not passed across ASes
    expect(byPrefix(rs, v4Of(frrI))!.asPath).toEqual([OUR_AS]);
    const gi = peers.get('gobgp_i')!;
    const atGi = await routesAt(gi, 'ours', V4, (x) => !!byPrefix(x, v4Of(birdE)), 'bird_e route at gobgp_i');
    expect(byPrefix(atGi, v4Of(birdE))!.asPath).toEqual([birdE.asn]);
    expect(byPrefix(atGi, v4Of(frrI))).toBeUndefined();
    expect(byPrefix(atGi, v4Of(PEERS[3]!))).toBeUndefined();
  });

  it("policies, seen from the peers' side", async () => {
    const bE = await routesAt(peers.get('bird_e')!, 'ours', V4, (x) => !!byPrefix(x, '100.64.101.0/24') && !!byPrefix(x, '100.64.102.7/32'), 'all our routes at bird_e');
    expect(bE.length).toBeGreaterThan(0);
    const fE = await routesAt(peers.get('frr_e')!, 'ours', V4, (x) => !!byPrefix(x, '100.64.100.0/24'), 'our routes at frr_e');
    expect(byPrefix(fE, '100.64.101.0/24'), 'community 65000:666 is filtered toward frr_e').toBeUndefined();
    const gE = await routesAt(peers.get('gobgp_e')!, 'ours', V4, (x) => !!byPrefix(x, '100.64.101.0/24'), 'our routes at gobgp_e');
    expect(byPrefix(gE, '100.64.102.7/32'), 'the prefix list (le 24) keeps the /32 from gobgp_e').toBeUndefined();
    const atOurs = await bgpd.routes('bird_e', V4);
    expect(byPrefix(atOurs, '100.64.31.128/25'), 'import filter rejects community 65011:99').toBeUndefined();
  });

  it('a stopped peer: NOTIFICATION logged, withdrawals propagate, routes return when it restarts', async () => {
    const birdE = PEERS[0]!;
    const b = peers.get('bird_e')!;
    const gi = peers.get('gobgp_i')!;
    await b.stop();
    await routesAt(gi, 'ours', V4, (x) => !byPrefix(x, v4Of(birdE)), 'bird_e route withdrawn at gobgp_i');
    await waitUntil('bgpd reports why bird_e went down', () => bgpd.peer('bird_e'), (st) => st.state !== 'Established' && /Cease|closed|NOTIFICATION/i.test(st.lastError ?? ''), { timeoutMs: 15_000 });
    await b.start();
    await bgpd.waitEstablished('bird_e', 60_000);
    await routesAt(gi, 'ours', V4, (x) => !!byPrefix(x, v4Of(birdE)), 'bird_e route back at gobgp_i', 60_000);
  });

  it('bgpd restart: every session re-establishes and routes re-converge', async () => {
    await bgpd.restart();
    await Promise.all(PEERS.map((p) => bgpd.waitEstablished(p.name, 90_000)));
    for (const p of PEERS) await routesAt(peers.get(p.name)!, 'ours', V4, (x) => !!byPrefix(x, '100.64.100.0/24'), 'our route after restart', 60_000);
    await routesAt(peers.get('frr_e')!, 'ours', V4, (x) => !!byPrefix(x, v4Of(PEERS[2]!)), 'gobgp_e route at frr_e after restart', 60_000);
  });

  it('a frozen peer is detected by the hold timer and recovers when thawed', async () => {
    const g = peers.get('gobgp_e')!;
    const t0 = Date.now();
    g.freeze();
    try {
      await waitUntil('bgpd notices the frozen peer', () => bgpd.peer('gobgp_e'), (st) => st.state !== 'Established' && /hold timer/i.test(st.lastError ?? ''), { timeoutMs: 20_000, intervalMs: 200 });
    } finally {
      g.thaw();
    }
    const took = (Date.now() - t0) / 1000;
    expect(took).toBeGreaterThan(5); // not before the negotiated hold time (9 s) minus polling slack
    expect(took).toBeLessThan(16);
    await bgpd.waitEstablished('gobgp_e', 90_000);
  });
});
