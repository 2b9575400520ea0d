// Route reflection (RFC 4456) across implementations, on one switched LAN per
// topology (a bridge in a "switch" namespace, test/netns/lan.ts), all iBGP in
// AS 65000, every client originating its own /24s from 100.64.0.0/10:
//
// 1. two of our reflectors (role 'reflector', one cluster ID, also peered with
//    each other as non-clients) and six clients: 2 bgpd, 2 BIRD, 2 FRR, each
//    peering with both reflectors. Checked: every client gets every other
//    client's routes from both reflectors with ORIGINATOR_ID = the originating
//    client's router ID, CLUSTER_LIST = [cluster ID] and the originator's
//    address as next hop (§8: reflection changes neither); the reflectors
//    reject each other's copies (CLUSTER_LIST loop, §8); a withdrawal at a
//    client propagates; SIGKILL of one reflector loses no route at any client
//    (sampled while its sessions go down); it restarts and re-converges.
// 2. the same with BIRD as both reflectors and three bgpd clients.
// 3. two clusters in a hierarchy (our RR2 is a client of our RR1, each with
//    its own clients): CLUSTER_LIST grows on each reflection ([c1, c2] for a
//    cluster-2 route seen in cluster 1, [c2, c1] the other way), nothing loops
//    back (each reflector accepts from the other exactly the other cluster's
//    routes), every client holds exactly the other clients' routes.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLan, Lab, waitUntil } from '../netns/index.js';
import { BgpdSpeaker, BirdSpeaker, FrrSpeaker, type BaseSpeaker, type Route, type SpeakerSpec } from '../peers/index.js';

const ASN = 65000;
const V4 = 'ipv4-unicast' as const;

type Kind = 'bgpd' | 'bird' | 'frr';
interface Client { name: string; kind: Kind; addr: string; rrs: string[]; prefixes: string[]; speaker?: BaseSpeaker }
interface Reflector { name: string; kind: 'reflector' | 'bird'; addr: string; clusterId: string; clients: string[]; nonClients: string[]; speaker?: BaseSpeaker }

interface Topology { lab: Lab; clients: Client[]; rrs: Reflector[]; addrOf: Map<string, string> }

const all = (t: Topology): BaseSpeaker[] => [...t.rrs, ...t.clients].map((x) => x.speaker).filter((s): s is BaseSpeaker => !!s);
const diagnose = (t: Topology) => () => all(t).map((s) => `=== ${s.spec.name} (${s.kind})\n${s.diagnose()}`).join('\n');

function speakerFor(lab: Lab, ns: string, kind: Kind | 'reflector', spec: SpeakerSpec): BaseSpeaker {
  if (kind === 'bird') return new BirdSpeaker(lab, ns, spec);
  if (kind === 'frr') return new FrrSpeaker(lab, ns, spec);
  return new BgpdSpeaker(lab, ns, spec, kind === 'reflector' ? { role: 'reflector' } : {});
}

/** Builds namespaces, the LAN and every speaker (not started). Router ID = LAN address. */
async function build(tag: string, clients: Client[], rrs: Reflector[]): Promise<Topology> {
  const lab = Lab.create(tag);
  const addrOf = new Map([...clients, ...rrs].map((x) => [x.name, x.addr]));
  const nss = new Map<string, string>();
  for (const x of [...rrs, ...clients]) nss.set(x.name, await lab.namespace(x.name.replace(/_/g, '-')));
  await buildLan(lab, 'sw', [...rrs, ...clients].map((x) => ({ ns: nss.get(x.name) ?? '', addresses: [`${x.addr}/24`] })));
  const nb = (self: string, name: string, extra: object = {}) =>
    ({ name, address: addrOf.get(name) ?? '', asn: ASN, localAddress: addrOf.get(self) ?? '', ...extra });
  for (const r of rrs) {
    r.speaker = speakerFor(lab, nss.get(r.name) ?? '', r.kind, {
      name: r.name, routerId: r.addr, asn: ASN, clusterId: r.clusterId,
      neighbors: [...r.clients.map((c) => nb(r.name, c, { rrClient: true, passive: true })), ...r.nonClients.map((c) => nb(r.name, c))],
    });
  }
  for (const c of clients) {
    c.speaker = speakerFor(lab, nss.get(c.name) ?? '', c.kind, {
      name: c.name, routerId: c.addr, asn: ASN, neighbors: c.rrs.map((r) => nb(c.name, r)), originate: c.prefixes.map((prefix) => ({ prefix })),
    });
  }
  return { lab, clients, rrs, addrOf };
}

async function startAll(t: Topology): Promise<void> {
  await Promise.all(t.rrs.map((r) => r.speaker?.start()));
  await Promise.all(t.clients.map((c) => c.speaker?.start()));
  await Promise.all(t.clients.flatMap((c) => c.rrs.map((r) => c.speaker?.waitEstablished(r, 60_000))));
}

/** What client `c` must hold: every other client's originated prefix -> that client. */
function expectedAt(t: Topology, c: Client): Map<string, Client> {
  const m = new Map<string, Client>();
  for (const o of t.clients) if (o !== c) for (const p of o.speaker?.spec.originate ?? []) m.set(p.prefix, o);
  return m;
}

const S = (c: { speaker?: BaseSpeaker }): BaseSpeaker => {
  if (!c.speaker) throw new Error('speaker not built');
  return c.speaker;
};

/** Routes client c holds from reflector rr, keyed by prefix (a duplicate prefix is an error: no ADD-PATH here). */
async function heldFrom(c: Client, rr: string): Promise<Map<string, Route>> {
  const m = new Map<string, Route>();
  for (const r of await S(c).routes(rr, V4)) {
    if (m.has(r.prefix)) throw new Error(`${c.name}: ${r.prefix} twice from ${rr}`);
    m.set(r.prefix, r);
  }
  return m;
}

/** Differences between what c holds from rr and what it must hold (prefix set only). */
async function prefixDiff(t: Topology, c: Client, rr: string): Promise<string[]> {
  const want = expectedAt(t, c);
  const got = await heldFrom(c, rr);
  return [...[...want.keys()].filter((p) => !got.has(p)).map((p) => `missing ${p}`), ...[...got.keys()].filter((p) => !want.has(p)).map((p) => `extra ${p}`)];
}

/** Waits until every client holds exactly its expected prefixes from each of its reflectors (optionally only `rrs`). */
async function converged(t: Topology, what: string, rrs?: string[], timeoutMs = 45_000): Promise<void> {
  await waitUntil(what, async () => {
    const bad: string[] = [];
    for (const c of t.clients) {
      for (const rr of c.rrs.filter((r) => !rrs || rrs.includes(r))) {
        const d = await prefixDiff(t, c, rr);
        if (d.length) bad.push(`${c.name} from ${rr}: ${d.slice(0, 4).join(', ')}${d.length > 4 ? ` (+${d.length - 4})` : ''}`);
      }
    }
    return bad;
  }, (bad) => bad.length === 0, { timeoutMs, intervalMs: 300, diagnose: diagnose(t) });
}

/** Every route c holds from rr carries the originator's router ID, the expected CLUSTER_LIST and the originator's next hop. */
async function attributeErrors(t: Topology, c: Client, rr: string, clusterList: (origin: Client) => string[]): Promise<string[]> {
  const want = expectedAt(t, c);
  const errs: string[] = [];
  for (const [prefix, r] of await heldFrom(c, rr)) {
    const o = want.get(prefix);
    if (!o) continue;
    const at = `${c.name} (${c.kind}) ${prefix} via ${rr}`;
    if (r.nextHop !== o.addr) errs.push(`${at}: next hop ${r.nextHop}, want ${o.addr} (the originator's)`);
    if (r.originatorId !== o.addr) errs.push(`${at}: ORIGINATOR_ID ${r.originatorId ?? '(not reported)'}, want ${o.addr}`);
    const cl = clusterList(o);
    if (JSON.stringify(r.clusterList ?? null) !== JSON.stringify(cl)) errs.push(`${at}: CLUSTER_LIST ${JSON.stringify(r.clusterList ?? '(not reported)')}, want ${JSON.stringify(cl)}`);
  }
  return errs;
}

/** Attribute errors at every client of the given kinds (all kinds by default). */
async function allAttributeErrors(t: Topology, clusterList: (c: Client, rr: string, origin: Client) => string[], kinds?: Kind[]): Promise<string[]> {
  const errs: string[] = [];
  for (const c of t.clients.filter((x) => !kinds || kinds.includes(x.kind))) {
    for (const rr of c.rrs) errs.push(...await attributeErrors(t, c, rr, (o) => clusterList(c, rr, o)));
  }
  return errs;
}

/** Prefixes some client holds from none of its reflectors. */
async function lostAnywhere(t: Topology): Promise<string[]> {
  const lost: string[] = [];
  for (const c of t.clients) {
    const held = new Set<string>();
    for (const rr of c.rrs) for (const p of (await heldFrom(c, rr).catch(() => new Map<string, Route>())).keys()) held.add(p);
    for (const p of expectedAt(t, c).keys()) if (!held.has(p)) lost.push(`${c.name} lost ${p}`);
  }
  return lost;
}

/** SIGKILLs reflector `rr`; checks no client loses a route while its sessions fail and after; restarts it and waits for re-convergence. */
async function failover(t: Topology, rr: Reflector): Promise<void> {
  const clientsOf = t.clients.filter((c) => c.rrs.includes(rr.name));
  await S(rr).crash();
  const lostSamples: string[] = [];
  await waitUntil(`every client sees ${rr.name} down`, async () => {
    lostSamples.push(...await lostAnywhere(t));
    const states = await Promise.all(clientsOf.map((c) => S(c).sessionState(rr.name)));
    return states;
  }, (st) => st.every((s) => s !== 'Established'), { timeoutMs: 40_000, intervalMs: 200, diagnose: diagnose(t) });
  lostSamples.push(...await lostAnywhere(t));
  expect([...new Set(lostSamples)], `routes lost after SIGKILL of ${rr.name}`).toEqual([]);
  await S(rr).start();
  await Promise.all(clientsOf.map((c) => S(c).waitEstablished(rr.name, 60_000)));
  await converged(t, `re-convergence after ${rr.name} restarted`);
  expect(await lostAnywhere(t)).toEqual([]);
}

const own = (i: number) => [`100.64.${i}.0/24`, `100.65.${i}.0/24`];

describe('two of our reflectors, clients bgpd / BIRD / FRR', () => {
  const CLUSTER = '198.18.100.100';
  let t: Topology;
  const kinds: Kind[] = ['bgpd', 'bgpd', 'bird', 'bird', 'frr', 'frr'];

  beforeAll(async () => {
    const clients: Client[] = kinds.map((kind, i) => ({ name: `c${i + 1}_${kind}`, kind, addr: `198.18.0.${11 + i}`, rrs: ['rr1', 'rr2'], prefixes: own(i + 1) }));
    const names = clients.map((c) => c.name);
    t = await build('rrours', clients, [
      { name: 'rr1', kind: 'reflector', addr: '198.18.0.1', clusterId: CLUSTER, clients: names, nonClients: ['rr2'] },
      { name: 'rr2', kind: 'reflector', addr: '198.18.0.2', clusterId: CLUSTER, clients: names, nonClients: ['rr1'] },
    ]);
    await startAll(t);
    await Promise.all(['rr1', 'rr2'].map((r, i) => S(t.rrs[i] ?? {}).waitEstablished(r === 'rr1' ? 'rr2' : 'rr1', 60_000)));
  });
  afterAll(() => t?.lab.teardown());

  it('every client gets every other client\'s routes from both reflectors', async () => {
    await converged(t, 'all clients hold all other clients\' routes from rr1 and rr2');
  });

  it('reflected routes keep the originator\'s next hop and carry ORIGINATOR_ID and CLUSTER_LIST [cluster ID] (BIRD, FRR clients)', async () => {
    expect(await allAttributeErrors(t, () => [CLUSTER], ['bird', 'frr'])).toEqual([]);
  });

  it('the same seen at our bgpd clients', async () => {
    expect(await allAttributeErrors(t, () => [CLUSTER], ['bgpd'])).toEqual([]);
  });

  it('the reflectors reject each other\'s copies (CLUSTER_LIST contains their cluster ID)', async () => {
    const clientRoutes = t.clients.reduce((n, c) => n + (S(c).spec.originate ?? []).length, 0);
    for (const [rr, other] of [['rr1', 'rr2'], ['rr2', 'rr1']] as const) {
      const s = S(t.rrs.find((r) => r.name === rr) ?? {}) as BgpdSpeaker;
      const st = await waitUntil(`${rr} received the ${clientRoutes} routes ${other} reflects`, () => s.peer(other), (p) => p.received >= clientRoutes,
        { timeoutMs: 20_000, intervalMs: 250, diagnose: diagnose(t) });
      expect({ received: st.received, accepted: st.accepted }, `${rr}: routes reflected by ${other}`).toEqual({ received: clientRoutes, accepted: 0 });
    }
  });

  it('a withdrawal at a bgpd, a BIRD and an FRR client reaches every other client', async () => {
    for (const c of [t.clients[0], t.clients[2], t.clients[4]]) await S(c ?? {}).withdraw(own(t.clients.indexOf(c as Client) + 1)[1] ?? '');
    await converged(t, 'withdrawn 100.65.{1,3,5}.0/24 gone everywhere, the rest intact');
  });

  it('SIGKILL of one reflector loses no route; it restarts and re-converges', async () => {
    await failover(t, t.rrs[0] as Reflector);
    expect(await allAttributeErrors(t, () => [CLUSTER], ['bird', 'frr'])).toEqual([]);
  });
});

describe('BIRD as the two reflectors, our bgpd as clients', () => {
  const CLUSTER = '198.18.100.200';
  let t: Topology;

  beforeAll(async () => {
    const clients: Client[] = [1, 2, 3].map((i) => ({ name: `c${i}`, kind: 'bgpd', addr: `198.18.0.${10 + i}`, rrs: ['rr1', 'rr2'], prefixes: own(i) }));
    const names = clients.map((c) => c.name);
    t = await build('rrbird', clients, [
      { name: 'rr1', kind: 'bird', addr: '198.18.0.1', clusterId: CLUSTER, clients: names, nonClients: [] },
      { name: 'rr2', kind: 'bird', addr: '198.18.0.2', clusterId: CLUSTER, clients: names, nonClients: [] },
    ]);
    await startAll(t);
  });
  afterAll(() => t?.lab.teardown());

  it('every bgpd client gets the others\' routes from both BIRD reflectors, next hop unchanged', async () => {
    await converged(t, 'bgpd clients converge through BIRD');
    const errs = await allAttributeErrors(t, () => [CLUSTER]);
    expect(errs.filter((e) => e.includes('next hop')), 'next hops').toEqual([]);
  });

  it('ORIGINATOR_ID and CLUSTER_LIST [cluster ID] from BIRD seen at our bgpd clients', async () => {
    expect(await allAttributeErrors(t, () => [CLUSTER])).toEqual([]);
  });

  it('a withdrawal at a bgpd client propagates through BIRD', async () => {
    await S(t.clients[1] ?? {}).withdraw(own(2)[1] ?? '');
    await converged(t, 'withdrawn 100.65.2.0/24 gone everywhere');
  });

  it('SIGKILL of one BIRD reflector loses no route; it restarts and re-converges', async () => {
    await failover(t, t.rrs[1] as Reflector);
  });
});

describe('two clusters in a hierarchy: our RR2 is a client of our RR1', () => {
  const C1 = '198.18.101.1';
  const C2 = '198.18.101.2';
  let t: Topology;

  beforeAll(async () => {
    const clients: Client[] = [
      { name: 'c11', kind: 'bgpd', addr: '198.18.0.11', rrs: ['rr1'], prefixes: own(11) },
      { name: 'c12', kind: 'bird', addr: '198.18.0.12', rrs: ['rr1'], prefixes: own(12) },
      { name: 'c21', kind: 'frr', addr: '198.18.0.21', rrs: ['rr2'], prefixes: own(21) },
      { name: 'c22', kind: 'bgpd', addr: '198.18.0.22', rrs: ['rr2'], prefixes: own(22) },
    ];
    t = await build('rrhier', clients, [
      { name: 'rr1', kind: 'reflector', addr: '198.18.0.1', clusterId: C1, clients: ['c11', 'c12', 'rr2'], nonClients: [] },
      { name: 'rr2', kind: 'reflector', addr: '198.18.0.2', clusterId: C2, clients: ['c21', 'c22'], nonClients: ['rr1'] },
    ]);
    // rr2 dials rr1 (rr1 is passive towards its clients)
    await startAll(t);
    await S(t.rrs[1] ?? {}).waitEstablished('rr1', 60_000);
  });
  afterAll(() => t?.lab.teardown());

  const clusterOf = (c: Client) => (c.rrs.includes('rr1') ? 1 : 2);

  it('every client holds exactly every other client\'s routes, across clusters', async () => {
    await converged(t, 'hierarchical reflection converged');
  });

  const hierarchyList = (c: Client, _rr: string, o: Client) => {
    const [mine, theirs] = clusterOf(c) === 1 ? [C1, C2] : [C2, C1];
    return clusterOf(o) === clusterOf(c) ? [mine] : [mine, theirs];
  };

  it('CLUSTER_LIST grows per reflection: [c1, c2] into cluster 1, [c2, c1] into cluster 2; ORIGINATOR_ID and next hop kept (BIRD, FRR clients)', async () => {
    expect(await allAttributeErrors(t, hierarchyList, ['bird', 'frr'])).toEqual([]);
  });

  it('the same seen at our bgpd clients', async () => {
    expect(await allAttributeErrors(t, hierarchyList, ['bgpd'])).toEqual([]);
  });

  it('no loops: each reflector accepts from the other exactly the other cluster\'s routes', async () => {
    const rr1 = S(t.rrs[0] ?? {});
    const rr2 = S(t.rrs[1] ?? {});
    const fromRr2 = (await rr1.routes('rr2', V4)).map((r) => r.prefix).sort();
    const fromRr1 = (await rr2.routes('rr1', V4)).map((r) => r.prefix).sort();
    const of = (names: string[]) => t.clients.filter((c) => names.includes(c.name)).flatMap((c) => (S(c).spec.originate ?? []).map((r) => r.prefix)).sort();
    expect(fromRr2, 'rr1 from rr2').toEqual(of(['c21', 'c22']));
    expect(fromRr1, 'rr2 from rr1').toEqual(of(['c11', 'c12']));
  });

  it('a withdrawal in cluster 2 reaches cluster 1 and the other way', async () => {
    await S(t.clients[2] ?? {}).withdraw(own(21)[1] ?? '');
    await S(t.clients[1] ?? {}).withdraw(own(12)[1] ?? '');
    await converged(t, 'cross-cluster withdrawals');
  });
});
