// TCP-MD5 (RFC 2385) and GTSM (RFC 5082) between our bgpd and BIRD, FRR and
// GoBGP, in network namespaces:
//
//   bird  AS65041 ─ 198.18.41.0/24 ─┐
//   frr   AS65042 ─ 198.18.42.0/24 ─┼─ ours (bgpd AS65000) ─ 198.18.51.0/24 ─ router ─ 198.18.50.0/24 ─ far (BIRD AS65050)
//   gobgp AS65043 ─ 198.18.43.0/24 ─┘
//
// Each direct link carries several sessions, each between its own pair of
// addresses (ours 198.18.4k.(1+10j), theirs 198.18.4k.(2+10j)):
//   ok          the same key on both sides          → Established
//   wrong       different keys                       → never
//   nokey_peer  we sign, the peer does not           → never
//   nokey_ours  the peer signs, we do not            → never
//   gtsm        ttlSecurity 1 on both sides          → Established
// plus an IPv6 MD5 session with BIRD and an IPv6 GTSM session with FRR.
// The far BIRD is two hops away (specific routes via the router, no default
// route). Its packets arrive with TTL 254:
//   far_g1   we allow 1 hop, it allows 2             → we refuse it: never
//   far_g2   we allow 2 hops, it allows 2            → Established (control)
//   far_rev  we allow 2 hops, it allows 1 (direct)   → it refuses us: never
// "Never" means: not Established at any sample during a 10 s window in which
// every control session does establish. Last, the key of each `ok` session is
// changed: first on our side (SIGHUP reload: the session drops and stays
// down against the old key), then on the peer's (it re-establishes).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, sleep, waitUntil } from '../netns/index.js';
import { BgpdSpeaker, BirdSpeaker, FrrSpeaker, GobgpSpeaker, neighbor, type BaseSpeaker, type Family, type NeighborSpec, type SessionState } from '../peers/index.js';

const OUR_AS = 65000;
const WINDOW_MS = 10_000;
const V4: Family = 'ipv4-unicast';
const V6: Family = 'ipv6-unicast';

type Kind = 'bird' | 'frr' | 'gobgp';
interface Impl { kind: Kind; k: number; asn: number }
const IMPLS: Impl[] = [{ kind: 'bird', k: 1, asn: 65041 }, { kind: 'frr', k: 2, asn: 65042 }, { kind: 'gobgp', k: 3, asn: 65043 }];

/** One session: what each side configures and whether it must come up. */
interface Case {
  name: string;
  ours: Partial<NeighborSpec>;
  theirs: Partial<NeighborSpec>;
  up: boolean;
}
const CASES: Case[] = [
  { name: 'ok', ours: { password: 'shared-key' }, theirs: { password: 'shared-key' }, up: true },
  { name: 'wrong', ours: { password: 'our-key' }, theirs: { password: 'their-key' }, up: false },
  { name: 'nokey_peer', ours: { password: 'our-key' }, theirs: {}, up: false },
  { name: 'nokey_ours', ours: {}, theirs: { password: 'their-key' }, up: false },
  { name: 'gtsm', ours: { ttlSecurity: 1 }, theirs: { ttlSecurity: 1 }, up: true },
];
const FAR: Case[] = [
  { name: 'far_g1', ours: { ttlSecurity: 1 }, theirs: { ttlSecurity: 2 }, up: false },
  { name: 'far_g2', ours: { ttlSecurity: 2 }, theirs: { ttlSecurity: 2 }, up: true },
  { name: 'far_rev', ours: { ttlSecurity: 2 }, theirs: { ttlSecurity: 1 }, up: false },
];

/** A session as seen from both ends: our peer name and the peer's neighbour name. */
interface Session { ours: string; peer: BaseSpeaker; theirs: string; up: boolean }

let lab: Lab;
let bgpd: BgpdSpeaker;
const speakers = new Map<string, BaseSpeaker>();
const sessions: Session[] = [];
/** bgpd-side states of every session sampled from the start, and when each first reached Established. */
const firstUp = new Map<string, number>();
let started = 0;
let sampling = true;
let sampler: Promise<void> | undefined;

async function sample(): Promise<void> {
  while (sampling) {
    const states = await Promise.all(sessions.map((s) => bgpd.sessionState(s.ours).catch(() => 'Unknown' as SessionState)));
    const now = Date.now();
    sessions.forEach((s, i) => { if (states[i] === 'Established' && !firstUp.has(s.ours)) firstUp.set(s.ours, now - started); });
    await sleep(200);
  }
}

function makePeer(kind: Kind, ns: string, name: string, routerId: string, asn: number, neighbors: NeighborSpec[]): BaseSpeaker {
  const spec = { name, routerId, asn, neighbors };
  const s = kind === 'bird' ? new BirdSpeaker(lab, ns, spec) : kind === 'frr' ? new FrrSpeaker(lab, ns, spec) : new GobgpSpeaker(lab, ns, spec);
  speakers.set(name, s);
  return s;
}

beforeAll(async () => {
  lab = Lab.create('md5');
  const nsOurs = await lab.namespace('ours');
  const ourNeighbors: NeighborSpec[] = [];
  const add = (peer: BaseSpeaker, c: Case, prefix: string, ourAddr: string, theirAddr: string, asn: number, families: Family[], theirNeighbors: NeighborSpec[]) => {
    const ours = `${prefix}_${c.name.replace(/^far_/, '')}`;
    ourNeighbors.push({ name: ours, address: theirAddr, localAddress: ourAddr, asn, families, ...c.ours });
    theirNeighbors.push({ name: `ours_${c.name.replace(/^far_/, '')}`, address: ourAddr, localAddress: theirAddr, asn: OUR_AS, families, ...c.theirs });
    sessions.push({ ours, peer, theirs: `ours_${c.name.replace(/^far_/, '')}`, up: c.up });
  };

  for (const impl of IMPLS) {
    const ns = await lab.namespace(impl.kind);
    const net = `198.18.4${impl.k}`;
    const net6 = `2001:db8:4${impl.k}`;
    const extra6 = impl.kind === 'bird' ? 'ok6' : impl.kind === 'frr' ? 'gtsm6' : undefined;
    await lab.veth(
      { ns: nsOurs, ifname: `to-${impl.kind}`, addresses: [...CASES.map((_, j) => `${net}.${1 + 10 * j}/24`), ...(extra6 ? [`${net6}::1/64`] : [])] },
      { ns, ifname: 'to-ours', addresses: [...CASES.map((_, j) => `${net}.${2 + 10 * j}/24`), ...(extra6 ? [`${net6}::2/64`] : [])] },
    );
    const theirNeighbors: NeighborSpec[] = [];
    const peer = makePeer(impl.kind, ns, impl.kind, `198.18.0.${40 + impl.k}`, impl.asn, theirNeighbors);
    CASES.forEach((c, j) => add(peer, c, impl.kind, `${net}.${1 + 10 * j}`, `${net}.${2 + 10 * j}`, impl.asn, [V4], theirNeighbors));
    if (extra6 === 'ok6') add(peer, { name: 'ok6', ours: { password: 'v6-key' }, theirs: { password: 'v6-key' }, up: true }, impl.kind, `${net6}::1`, `${net6}::2`, impl.asn, [V6], theirNeighbors);
    if (extra6 === 'gtsm6') add(peer, { name: 'gtsm6', ours: { ttlSecurity: 1 }, theirs: { ttlSecurity: 1 }, up: true }, impl.kind, `${net6}::1`, `${net6}::2`, impl.asn, [V6], theirNeighbors);
  }

  // two hops: ours — router — far, with specific routes only
  const nsRouter = await lab.namespace('router');
  const nsFar = await lab.namespace('far');
  await lab.veth({ ns: nsOurs, ifname: 'to-router', addresses: FAR.map((_, j) => `198.18.51.${1 + 10 * j}/24`) }, { ns: nsRouter, ifname: 'to-ours', addresses: ['198.18.51.254/24'] });
  await lab.veth({ ns: nsRouter, ifname: 'to-far', addresses: ['198.18.50.254/24'] }, { ns: nsFar, ifname: 'to-router', addresses: FAR.map((_, j) => `198.18.50.${2 + 10 * j}/24`) });
  await lab.exec(nsOurs, ['ip', 'route', 'add', '198.18.50.0/24', 'via', '198.18.51.254']);
  await lab.exec(nsFar, ['ip', 'route', 'add', '198.18.51.0/24', 'via', '198.18.50.254']);
  const farNeighbors: NeighborSpec[] = [];
  const far = makePeer('bird', nsFar, 'far', '198.18.0.50', 65050, farNeighbors);
  FAR.forEach((c, j) => add(far, c, 'far', `198.18.51.${1 + 10 * j}`, `198.18.50.${2 + 10 * j}`, 65050, [V4], farNeighbors));

  bgpd = new BgpdSpeaker(lab, nsOurs, { name: 'ours', routerId: '198.18.0.10', asn: OUR_AS, neighbors: ourNeighbors });
  started = Date.now();
  await Promise.all([bgpd.start(), ...[...speakers.values()].map((s) => s.start())]);
  sampler = sample();
}, 120_000);

afterAll(async () => {
  sampling = false;
  await sampler?.catch(() => undefined);
  await lab?.close();
});

const diagnose = () => [bgpd.diagnose(), ...[...speakers.values()].map((s) => s.diagnose())].join('\n');

describe('TCP-MD5 and GTSM against BIRD, FRR and GoBGP', () => {
  it('matching keys and GTSM peers within their hop limit establish on both sides', async () => {
    const up = sessions.filter((s) => s.up);
    expect(up.map((s) => s.ours).sort()).toEqual(['bird_gtsm', 'bird_ok', 'bird_ok6', 'far_g2', 'frr_gtsm', 'frr_gtsm6', 'frr_ok', 'gobgp_gtsm', 'gobgp_ok']);
    await Promise.all(up.map((s) => bgpd.waitEstablished(s.ours, 30_000)));
    for (const s of up) expect(await s.peer.waitEstablished(s.theirs, 15_000), `${s.ours} at the peer`).toBe('Established');
  });

  it('a wrong or missing key, and a peer beyond the GTSM hop limit (either side), never establish', async () => {
    const wait = started + WINDOW_MS - Date.now();
    if (wait > 0) await sleep(wait);
    const down = sessions.filter((s) => !s.up);
    const late = sessions.filter((s) => s.up && !(firstUp.get(s.ours)! <= WINDOW_MS));
    expect(late.map((s) => s.ours), 'control sessions not up within the window').toEqual([]);
    expect(down.filter((s) => firstUp.has(s.ours)).map((s) => s.ours), diagnose()).toEqual([]);
    for (const s of down) {
      expect(await bgpd.sessionState(s.ours), s.ours).not.toBe('Established');
      expect(await s.peer.sessionState(s.theirs), `${s.ours} at the peer`).not.toBe('Established');
    }
  });

  it('changing the key takes effect: down against the old key, up again once both sides have the new one', async () => {
    const oks = sessions.filter((s) => s.ours === 'bird_ok' || s.ours === 'frr_ok' || s.ours === 'gobgp_ok');
    for (const s of oks) neighbor(bgpd.spec, s.ours).password = `new-${s.ours}`;
    bgpd.reload();
    await Promise.all(oks.map((s) => waitUntil(`${s.ours} reset by the key change`, () => bgpd.sessionState(s.ours), (st) => st !== 'Established', { timeoutMs: 10_000, intervalMs: 100, diagnose })));
    // the peers still have the old key: no session for a few connect retries (2 s each side)
    const deadline = Date.now() + 4000;
    while (Date.now() < deadline) {
      for (const s of oks) expect(await bgpd.sessionState(s.ours), `${s.ours} with mismatched keys`).not.toBe('Established');
      await sleep(250);
    }
    // the unchanged sessions kept going
    for (const name of ['bird_gtsm', 'frr_gtsm', 'gobgp_gtsm', 'bird_ok6']) expect(await bgpd.sessionState(name), name).toBe('Established');
    for (const s of oks) {
      const n = neighbor(s.peer.spec, s.theirs);
      n.password = `new-${s.ours}`;
      if (s.peer instanceof BirdSpeaker) await s.peer.reload();
      else if (s.peer instanceof FrrSpeaker) {
        await s.peer.vty.cmd('enable'); // the daemon's vty starts in view mode
        await s.peer.configure([`router bgp ${s.peer.spec.asn}`, `neighbor ${n.address} password ${n.password}`]);
      }
      else await s.peer.restart(); // GoBGP: the new config file
    }
    await Promise.all(oks.map((s) => bgpd.waitEstablished(s.ours, 30_000)));
    for (const s of oks) expect(await s.peer.waitEstablished(s.theirs, 15_000), `${s.ours} at the peer`).toBe('Established');
  });
});
