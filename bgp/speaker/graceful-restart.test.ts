// Graceful restart over loopback, two or three real speakers (127.0.0.x):
//   helper role (RFC 4724 §4.2): a peer that closes without NOTIFICATION keeps
//     its routes here as stale; they go when its restart time runs out, or at
//     once when it comes back without the F bit; with the F bit they stay
//     until its End-of-RIB;
//   RFC 8538: a Hard Reset (operator reset with the N bit agreed) flushes at
//     once; a NOTIFICATION that is not a Hard Reset keeps them;
//   RFC 9494: after the restart time, routes become long-lived stale
//     (LLGR_STALE), least preferred, withheld from peers without LLGR, and
//     go after the long-lived stale time;
//   restarting role (RFC 4724 §4.1): R bit, and our UPDATEs held back until
//     every peer sent End-of-RIB or the selection deferral timer fires.

import { afterEach, describe, expect, it } from 'vitest';
import { peerConfig, Speaker, type PeerConfig, type SpeakerConfig } from './index.js';

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

const ip = (n: number) => `127.0.0.${n}`;
const rid = (n: number) => `198.18.0.${n}`;
const pfx = (n: number) => `100.64.${n}.0/26`;
const best = (s: Speaker, prefix: string) => [...s.locRib.entries()].find((e) => e.prefix.toString() === prefix)?.best;
const status = (s: Speaker, name: string) => s.peerStatus().find((p) => p.name === name)!;

/** Speaker 127.0.0.`n`, router ID 198.18.0.`n`, originating 100.64.`n`.0/26. */
async function node(n: number, peers: PeerConfig[], extra: Partial<Omit<SpeakerConfig, 'listen'>> & { port?: number } = {}): Promise<Speaker> {
  const { port, ...rest } = extra;
  const s = new Speaker({
    routerId: rid(n), asn: AS, listen: port !== undefined ? [{ address: ip(n), port }] : [], multipath: false, alwaysCompareMed: false,
    peers, policies: [], originate: [{ prefix: pfx(n) }], ...rest,
  });
  live.push(s);
  await s.start();
  return s;
}

const passive = (name: string, n: number, extra: Partial<PeerConfig> = {}) => peerConfig({ name, address: ip(n), asn: AS, passive: true, ...extra });
const dial = (name: string, n: number, port: number, me: number, extra: Partial<PeerConfig> = {}) =>
  peerConfig({ name, address: ip(n), port, localAddress: ip(me), asn: AS, connectRetryTime: 1, idleHoldTime: 1, ...extra });

/** Helper `a` (listening on 127.0.0.1) and restarting side `b` (127.0.0.2), both with graceful restart. */
async function pair(aExtra: Partial<PeerConfig> = {}, bSpeaker: Partial<SpeakerConfig> = {}, bPeer: Partial<PeerConfig> = {}) {
  const a = await node(1, [passive('b', 2, aExtra)], { port: 0 });
  const port = a.listeningPorts()[0]!;
  const b = await node(2, [dial('a', 1, port, 2, bPeer)], bSpeaker);
  await until('a has b\'s route', () => best(a, pfx(2)) !== undefined);
  return { a, b, port };
}

async function restartB(port: number, bSpeaker: Partial<SpeakerConfig> = {}, bPeer: Partial<PeerConfig> = {}): Promise<Speaker> {
  return node(2, [dial('a', 1, port, 2, bPeer)], bSpeaker);
}

describe('graceful restart, helper role', () => {
  it('keeps the routes of a peer that closed without NOTIFICATION, then removes them when its restart time runs out', async () => {
    const { a, b } = await pair({}, { gracefulRestart: { restartTime: 1, longLivedStaleTime: 0, notification: true } });
    await b.stop('restart', { graceful: true });
    await until('a sees b down', () => status(a, 'b').state !== 'Established');
    expect(best(a, pfx(2))).toBeDefined();
    expect(status(a, 'b').gracefulRestart).toEqual({ phase: 'restart', staleRoutes: 1 });
    await until('stale route removed after 1 s', () => best(a, pfx(2)) === undefined, 4000);
    expect(status(a, 'b').gracefulRestart).toBeUndefined();
  });

  it('a peer back without the F bit: its stale routes are replaced at once by what it sends again', async () => {
    const { a, b, port } = await pair();
    await b.stop('restart', { graceful: true });
    await until('a sees b down', () => status(a, 'b').state !== 'Established');
    await restartB(port);
    await until('b Established again', () => status(a, 'b').state === 'Established');
    await until('stale state gone', () => status(a, 'b').gracefulRestart === undefined);
    expect(best(a, pfx(2))).toBeDefined();
  });

  it('a peer restarting with the F bit: the route never disappears, stale until its End-of-RIB, and a route it no longer sends is swept', async () => {
    const { a, b, port } = await pair();
    // b also originates a second prefix that it will not announce after the restart
    b.originate({ prefix: '100.64.99.0/26' });
    await until('a has the second prefix', () => best(a, '100.64.99.0/26') !== undefined);
    await b.stop('restart', { graceful: true });
    await until('a sees b down', () => status(a, 'b').state !== 'Established');
    let lost = false;
    const watch = setInterval(() => { if (!best(a, pfx(2))) lost = true; }, 5);
    const b2 = await restartB(port, { restarting: true, selectionDeferralTime: 5 });
    await until('stale-path phase ends with b\'s End-of-RIB', () => status(a, 'b').state === 'Established' && status(a, 'b').gracefulRestart === undefined);
    clearInterval(watch);
    expect(lost).toBe(false);
    expect(best(a, pfx(2))).toBeDefined();
    expect(best(a, '100.64.99.0/26')).toBeUndefined();
    expect(b2.peerStatus()[0]!.state).toBe('Established');
  });

  it('RFC 8538: an operator reset is a Hard Reset and flushes at once; a NOTIFICATION that is not keeps the routes', async () => {
    const { a, b } = await pair();
    b.resetPeer('a', 'maintenance');
    await until('a sees the reset', () => (status(a, 'b').lastError ?? '').includes('Hard Reset'));
    expect(status(a, 'b').gracefulRestart).toBeUndefined();
    await until('b back', () => status(a, 'b').state === 'Established' && best(a, pfx(2)) !== undefined);
    // a NOTIFICATION other than Hard Reset (Cease/Other Configuration Change), sent below the speaker's API
    const session = (b as unknown as { peers: Map<string, { session: { stop(n: { code: number; subcode: number; data: Buffer }): void; start(): void } }> }).peers.get('a')!.session;
    session.stop({ code: 6, subcode: 6, data: Buffer.alloc(0) });
    await until('a sees the NOTIFICATION', () => (status(a, 'b').lastError ?? '').includes('Other Configuration Change'));
    expect(status(a, 'b').gracefulRestart?.phase).toBe('restart');
    expect(best(a, pfx(2))).toBeDefined();
    session.start();
    await until('b back, stale state over', () => status(a, 'b').state === 'Established' && status(a, 'b').gracefulRestart === undefined);
    expect(best(a, pfx(2))).toBeDefined();
  });

  it('RFC 9494: after the restart time the routes are long-lived stale, withheld from a peer without LLGR, then removed', async () => {
    const llgr = { restartTime: 1, longLivedStaleTime: 2, notification: true };
    const a = await node(1, [passive('b', 2, { gracefulRestart: llgr }), passive('c', 3, { gracefulRestart: false, routeReflectorClient: true })], { port: 0 });
    const port = a.listeningPorts()[0]!;
    const b = await node(2, [dial('a', 1, port, 2, { gracefulRestart: llgr })]);
    const c = await node(3, [dial('a', 1, port, 3, { gracefulRestart: false })], { originate: [] });
    await until('c has b\'s route through a', () => best(c, pfx(2)) !== undefined);
    await b.stop('restart', { graceful: true });
    await until('long-lived phase', () => status(a, 'b').gracefulRestart?.phase === 'long-lived', 4000);
    const p = best(a, pfx(2))!;
    expect(p.attrs.communities).toContain(0xffff0006);
    await until('c lost the route (no LLGR toward c)', () => best(c, pfx(2)) === undefined);
    await until('removed after the long-lived stale time', () => best(a, pfx(2)) === undefined, 5000);
  });
});

describe('graceful restart, restarting role', () => {
  it('holds our UPDATEs until the selection deferral timer when a peer is still down, then sends them', async () => {
    const a = await node(1, [passive('b', 2)], { port: 0 });
    const port = a.listeningPorts()[0]!;
    // b restarts with two peers; 127.0.0.9 never answers
    const started = Date.now();
    const b = await node(2, [dial('a', 1, port, 2), dial('down', 9, port + 1, 2)], { restarting: true, selectionDeferralTime: 2 });
    await until('a Established with b', () => status(a, 'b').state === 'Established');
    expect(best(a, pfx(2))).toBeUndefined();
    await until('a gets b\'s route once deferral ends', () => best(a, pfx(2)) !== undefined, 5000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(b.peerStatus().find((p) => p.name === 'a')!.state).toBe('Established');
  });

  it('ends deferral as soon as every peer sent End-of-RIB', async () => {
    const a = await node(1, [passive('b', 2)], { port: 0 });
    const port = a.listeningPorts()[0]!;
    const started = Date.now();
    await node(2, [dial('a', 1, port, 2)], { restarting: true, selectionDeferralTime: 30 });
    await until('a gets b\'s route', () => best(a, pfx(2)) !== undefined, 5000);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
