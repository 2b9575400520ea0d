// Graceful restart (RFC 4724) between our bgpd and real peers, in network
// namespaces, one point-to-point link per peer:
//
//   bird   AS65061 198.18.61.2 ─┐
//   frr    AS65062 198.18.62.2 ─┼─ ours (bgpd AS65000, .1 on each link)
//   birds  AS65063 198.18.63.2 ─┘   (BIRD advertising a 3 s restart time)
//
// 1. We restart, BIRD and FRR help: bgpd originates 100.64.1.0/24 and
//    100.64.2.0/24; it is stopped with SIGTERM (sessions closed without a
//    NOTIFICATION) and started with --graceful-restart and a config that no
//    longer originates 100.64.2.0/24. Sampled every ~100 ms throughout:
//    100.64.1.0/24 is never missing at BIRD, at FRR, nor in FRR's kernel table
//    (FRR runs with zebra installing routes; the BIRD driver has no kernel
//    protocol); FRR shows it stale, BIRD reports "Neighbor graceful restart
//    active" (its route list marks only LLGR-stale routes). After our End-of-RIB
//    100.64.2.0/24 is swept at both and 100.64.1.0/24 is no longer stale.
//    Then a double restart: SIGTERM right after the new process is up, then
//    start again — still no sample misses 100.64.1.0/24.
// 2. A peer restarts, we help: BIRD and then FRR are SIGKILLed (by PID); while
//    they are down our status shows gracefulRestart.phase 'restart' and their
//    route stays in our table at every sample; once they are back the route is
//    there and the stale state is over. A BIRD advertising restart time 3 s
//    stays down longer: its route goes after ~3 s, not before.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, sleep, waitUntil } from '../netns/index.js';
import {
  BgpdSpeaker, BirdSpeaker, FrrSpeaker, type BaseSpeaker, type BgpdPeerStatus, type NeighborSpec, type Route, type SpeakerSpec,
} from '../peers/index.js';

const V4 = 'ipv4-unicast' as const;
const OUR_AS = 65000;
const KEEP = '100.64.1.0/24';
const DROP = '100.64.2.0/24';

interface PeerDef { name: string; kind: 'bird' | 'frr'; asn: number; k: number; restartTime?: number }
const PEERS: PeerDef[] = [
  { name: 'bird', kind: 'bird', asn: 65061, k: 1 },
  { name: 'frr', kind: 'frr', asn: 65062, k: 2 },
  { name: 'birds', kind: 'bird', asn: 65063, k: 3, restartTime: 3 },
];
const ours = (p: PeerDef) => `198.18.6${p.k}.1`;
const theirs = (p: PeerDef) => `198.18.6${p.k}.2`;
const theirPrefix = (p: PeerDef) => `100.64.1${p.k}.0/24`;

/** The status socket's `peer <name>` answer with the graceful-restart and message fields. */
type PeerStatus = BgpdPeerStatus & {
  gracefulRestart?: { phase: 'restart' | 'long-lived' | 'stale-path'; staleRoutes: number };
  messages?: { notificationsIn: number; notificationsOut: number };
};

let lab: Lab;
let bgpd: BgpdSpeaker;
const peers = new Map<string, BirdSpeaker | FrrSpeaker>();
const nsOf = new Map<string, string>();
const P = (name: string) => peers.get(name) ?? (() => { throw new Error(`no peer ${name}`); })();
const diagnose = () => [bgpd, ...peers.values()].map((s) => `=== ${s.spec.name}\n${s.diagnose()}`).join('\n');
const has = (rs: Route[], prefix: string) => rs.find((r) => r.prefix === prefix);

function routesAt(s: BaseSpeaker, nbr: string, cond: (rs: Route[]) => boolean, what: string, timeoutMs = 30_000): Promise<Route[]> {
  return waitUntil(`${s.spec.name}: ${what}`, () => s.routes(nbr, V4), cond, { timeoutMs, intervalMs: 150, diagnose });
}

const status = (name: string) => bgpd.request<PeerStatus>(`peer ${name}`);

/** FRR's kernel route for a prefix in its namespace (`ip route show`), '' when absent. */
const frrKernel = (prefix: string) => lab.exec(nsOf.get('frr') ?? '', ['ip', '-4', 'route', 'show', prefix]).then((s) => s.trim());

/** One sample of what the helpers hold of our routes. */
interface Sample { t: number; bird?: Route; frr?: Route; kernel: string; birdGr?: boolean; err?: string }

/** Samples BIRD, FRR and FRR's kernel every ~100 ms until stop() is called. */
function sampleOurRoutes(prefix: string): { stop: () => Promise<Sample[]> } {
  const out: Sample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const t = Date.now();
      try {
        const [b, f, k, bp] = await Promise.all([P('bird').routes('ours', V4), P('frr').routes('ours', V4), frrKernel(prefix), (P('bird') as BirdSpeaker).protocol('ours')]);
        out.push({ t, bird: has(b, prefix), frr: has(f, prefix), kernel: k, birdGr: /Neighbor graceful restart active/.test(bp.raw) });
      } catch (e) {
        out.push({ t, kernel: '', err: (e as Error).message });
      }
      await sleep(Math.max(0, 100 - (Date.now() - t)));
    }
  })();
  return { stop: async () => { running = false; await loop; return out; } };
}

/** Test steps with their times, to place sample gaps in failure messages. */
const marks: { what: string; t: number }[] = [];
const mark = (what: string) => marks.push({ what, t: Date.now() });

function checkNeverMissing(samples: Sample[], prefix: string): void {
  expect(samples.length, 'samples taken').toBeGreaterThan(20);
  const errs = samples.filter((s) => s.err);
  expect(errs, `query errors while sampling: ${errs.map((s) => s.err).join('; ')}`).toEqual([]);
  const missBird = samples.filter((s) => !s.bird).length;
  const missFrr = samples.filter((s) => !s.frr).length;
  const missKernel = samples.filter((s) => !s.kernel.startsWith(prefix)).length;
  const t0 = samples[0]?.t ?? 0;
  const gaps = samples.filter((s) => !s.bird || !s.frr || !s.kernel.startsWith(prefix))
    .map((s) => `+${s.t - t0}ms${s.bird ? '' : ' bird'}${s.frr ? '' : ' frr'}${s.kernel.startsWith(prefix) ? '' : ' kernel'}`);
  const steps = marks.filter((m) => m.t >= t0).map((m) => `${m.what} +${m.t - t0}ms`);
  expect({ missBird, missFrr, missKernel }, `${prefix} missing in some of ${samples.length} samples: ${gaps.join(', ')} (steps: ${steps.join(', ')})`)
    .toEqual({ missBird: 0, missFrr: 0, missKernel: 0 });
}

beforeAll(async () => {
  lab = Lab.create('gr');
  const nsOurs = await lab.namespace('ours');
  const nbrs: NeighborSpec[] = [];
  for (const p of PEERS) {
    const ns = await lab.namespace(p.name);
    nsOf.set(p.name, ns);
    await lab.veth({ ns: nsOurs, ifname: `to-${p.name}`, addresses: [`${ours(p)}/24`] }, { ns, ifname: 'to-ours', addresses: [`${theirs(p)}/24`] });
    const spec: SpeakerSpec = {
      name: p.name, routerId: `198.18.0.6${p.k}`, asn: p.asn,
      neighbors: [{ name: 'ours', address: ours(p), localAddress: theirs(p), asn: OUR_AS, gracefulRestart: p.restartTime ? { restartTime: p.restartTime } : {} }],
      originate: [{ prefix: theirPrefix(p) }],
    };
    peers.set(p.name, p.kind === 'bird' ? new BirdSpeaker(lab, ns, spec) : new FrrSpeaker(lab, ns, spec, { fib: true }));
    nbrs.push({ name: p.name, address: theirs(p), localAddress: ours(p), asn: p.asn, gracefulRestart: {} });
  }
  bgpd = new BgpdSpeaker(lab, nsOurs, { name: 'ours', routerId: '198.18.0.60', asn: OUR_AS, neighbors: nbrs, originate: [{ prefix: KEEP }, { prefix: DROP }] });
  await Promise.all([bgpd.start(), ...[...peers.values()].map((s) => s.start())]);
  await Promise.all(PEERS.map((p) => bgpd.waitEstablished(p.name, 60_000)));
  for (const name of ['bird', 'frr']) await routesAt(P(name), 'ours', (rs) => !!has(rs, KEEP) && !!has(rs, DROP), 'both our routes');
  await waitUntil('our route in FRR\'s kernel', () => frrKernel(KEEP), (s) => s.includes('via 198.18.62.1'), { diagnose });
}, 150_000);

afterAll(async () => {
  await lab?.close();
});

describe('graceful restart: our bgpd restarts, BIRD and FRR help', () => {
  it('no route is lost during a graceful restart; the route we stopped originating is swept after our End-of-RIB', async () => {
    bgpd.spec.originate = [{ prefix: KEEP }];
    const sampler = sampleOurRoutes(KEEP);
    await sleep(300);
    const t0 = Date.now();
    await bgpd.restart({ graceful: true });
    await Promise.all(PEERS.map((p) => bgpd.waitEstablished(p.name, 60_000)));
    const [atBird, atFrr] = await Promise.all(['bird', 'frr'].map((n) => routesAt(P(n), 'ours',
      (rs) => !has(rs, DROP) && !!has(rs, KEEP) && !has(rs, KEEP)?.stale, `${DROP} swept and ${KEEP} fresh after our End-of-RIB`, 60_000)));
    const samples = await sampler.stop();
    checkNeverMissing(samples, KEEP);
    const during = samples.filter((s) => s.t >= t0);
    // BIRD marks only LLGR-stale routes in `show route`; its protocol status says when it holds a neighbour's routes for GR
    expect(during.some((s) => s.birdGr && s.bird), 'BIRD held our route with "Neighbor graceful restart active"').toBe(true);
    expect(during.some((s) => s.frr?.stale), 'FRR showed our route stale during the restart').toBe(true);
    expect(has(atBird ?? [], KEEP)?.nextHop).toBe('198.18.61.1');
    expect(has(atFrr ?? [], KEEP)?.nextHop).toBe('198.18.62.1');
    // FRR's bgpd has swept it; zebra takes it out of the kernel a moment later
    expect(await waitUntil(`${DROP} leaves FRR's kernel table`, () => frrKernel(DROP), (k) => k === '', { timeoutMs: 10_000, diagnose }), `${DROP} left FRR's kernel table`).toBe('');
  });

  it('a second restart during the stale phase still loses no route', async () => {
    bgpd.spec.originate = [{ prefix: KEEP }, { prefix: DROP }];
    // bring DROP back first (plain reload), so the double restart has something to sweep again
    bgpd.reload();
    for (const n of ['bird', 'frr']) await routesAt(P(n), 'ours', (rs) => !!has(rs, DROP), `${DROP} back`);
    bgpd.spec.originate = [{ prefix: KEEP }];
    const sampler = sampleOurRoutes(KEEP);
    await sleep(300);
    mark('first restart begins');
    await bgpd.restart({ graceful: true });   // new process up (status socket answers) …
    mark('second process up, SIGTERM');
    await bgpd.restart({ graceful: true });   // … and SIGTERM again at once, then a third process
    mark('third process up');
    await Promise.all(PEERS.map((p) => bgpd.waitEstablished(p.name, 60_000)));
    await Promise.all(['bird', 'frr'].map((n) => routesAt(P(n), 'ours',
      (rs) => !has(rs, DROP) && !!has(rs, KEEP) && !has(rs, KEEP)?.stale, `${DROP} swept after the double restart`, 60_000)));
    checkNeverMissing(await sampler.stop(), KEEP);
  });
});

describe('graceful restart: BIRD and FRR restart, we help', () => {
  /** Crashes a peer, samples our table while it is down, starts it again; returns what we saw. */
  async function crashAndReturn(name: string, downMs: number): Promise<void> {
    const p = PEERS.find((x) => x.name === name)!;
    const s = P(name);
    await routesAt(bgpd, name, (rs) => !!has(rs, theirPrefix(p)), `${theirPrefix(p)} from ${name} before the crash`);
    await s.crash();
    const st = await waitUntil(`bgpd: ${name} session down, helper phase restart`, () => status(name),
      (x) => x.state !== 'Established' && x.gracefulRestart?.phase === 'restart', { timeoutMs: 20_000, intervalMs: 100, diagnose });
    expect(st.gracefulRestart?.staleRoutes, 'stale routes counted').toBeGreaterThanOrEqual(1);
    const missing: number[] = [];
    for (const end = Date.now() + downMs; Date.now() < end; await sleep(100)) {
      if (!has(await bgpd.routes(name, V4), theirPrefix(p))) missing.push(Date.now());
    }
    expect(missing.length, `${theirPrefix(p)} missing from our table in samples while ${name} was down`).toBe(0);
    expect((await status(name)).gracefulRestart?.phase, 'still in the restart phase').toBe('restart');
    await s.start();
    await bgpd.waitEstablished(name, 60_000);
    await routesAt(bgpd, name, (rs) => !!has(rs, theirPrefix(p)), `${theirPrefix(p)} from ${name} after its restart`);
    await waitUntil(`bgpd: ${name} stale state over`, () => status(name), (x) => x.gracefulRestart === undefined && x.state === 'Established',
      { timeoutMs: 30_000, intervalMs: 200, diagnose });
    expect(has(await bgpd.routes(name, V4), theirPrefix(p)), `${theirPrefix(p)} kept after the stale state ended`).toBeDefined();
  }

  it('BIRD killed with SIGKILL: its route stays while it is down and after it returns', async () => {
    await crashAndReturn('bird', 5000);
  });

  it('FRR (bgpd and zebra) killed with SIGKILL: its route stays while it is down and after it returns', async () => {
    await crashAndReturn('frr', 5000);
  });

  it('a peer down longer than its restart time (3 s) loses its routes when the timer expires', async () => {
    const p = PEERS.find((x) => x.name === 'birds')!;
    const s = P('birds');
    await routesAt(bgpd, 'birds', (rs) => !!has(rs, theirPrefix(p)), `${theirPrefix(p)} before the crash`);
    await s.crash();
    const t0 = Date.now();
    await waitUntil('bgpd: birds in the restart phase', () => status('birds'), (x) => x.gracefulRestart?.phase === 'restart', { timeoutMs: 15_000, intervalMs: 100, diagnose });
    expect(has(await bgpd.routes('birds', V4), theirPrefix(p)), 'route kept right after the crash').toBeDefined();
    await routesAt(bgpd, 'birds', (rs) => !has(rs, theirPrefix(p)), `${theirPrefix(p)} flushed at restart-timer expiry`, 20_000);
    const took = (Date.now() - t0) / 1000;
    expect(took, 'flushed no earlier than the 3 s restart time').toBeGreaterThanOrEqual(2.5);
    expect(took, 'flushed soon after the 3 s restart time').toBeLessThan(10);
    expect((await status('birds')).gracefulRestart, 'no stale state left').toBeUndefined();
    await s.start();
    await bgpd.waitEstablished('birds', 60_000);
    await routesAt(bgpd, 'birds', (rs) => !!has(rs, theirPrefix(p)), `${theirPrefix(p)} back`);
  });
});
