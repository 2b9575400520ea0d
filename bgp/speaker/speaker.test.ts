// Two speakers in one process over loopback (127.0.0.1 ↔ 127.0.0.2): eBGP
// and iBGP sessions come up, originated routes flow both ways with the
// expected attributes, withdrawals propagate, a stopped peer's routes go.

import { afterEach, describe, expect, it } from 'vitest';
import { peerConfig, Speaker, type SpeakerConfig } from './index.js';

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

async function pair(asA: number, asB: number, extra: Partial<SpeakerConfig> = {}) {
  const b = new Speaker({
    routerId: '198.18.0.2', asn: asB, listen: [{ address: '127.0.0.2', port: 0 }], multipath: false, alwaysCompareMed: false,
    peers: [peerConfig({ name: 'a', address: '127.0.0.1', asn: asA, passive: true, import: 'accept-all', export: 'accept-all', families: ['ipv4-unicast', 'ipv6-unicast'] })],
    policies: [], originate: [{ prefix: '100.64.2.0/26', communities: ['64512:200'] }],
  });
  live.push(b);
  await b.start();
  const port = b.listeningPorts()[0]!;
  const a = new Speaker({
    routerId: '198.18.0.1', asn: asA, listen: [], multipath: false, alwaysCompareMed: false,
    peers: [peerConfig({ name: 'b', address: '127.0.0.2', port, localAddress: '127.0.0.1', asn: asB, import: 'accept-all', export: 'accept-all', families: ['ipv4-unicast', 'ipv6-unicast'], connectRetryTime: 1 })],
    policies: [], originate: [{ prefix: '100.64.1.0/26', med: 5 }, { prefix: '100.64.1.77/32' }], ...extra,
  });
  live.push(a);
  await a.start();
  await until('session Established', () => a.peerStatus()[0]?.state === 'Established' && b.peerStatus()[0]?.state === 'Established');
  return { a, b };
}

const best = (s: Speaker, prefix: string) => [...s.locRib.entries()].find((e) => e.prefix.toString() === prefix)?.best;

describe('two speakers over loopback', () => {
  it('eBGP: routes flow both ways, AS prepended, next hop self, MED only for own routes', async () => {
    const { a, b } = await pair(65001, 65002);
    await until('routes at b', () => best(b, '100.64.1.0/26') !== undefined && best(b, '100.64.1.77/32') !== undefined);
    await until('routes at a', () => best(a, '100.64.2.0/26') !== undefined);
    const atB = best(b, '100.64.1.0/26')!;
    expect(atB.attrs.asPath).toEqual([{ type: 2, asns: [65001] }]);
    expect(atB.nextHop).toEqual(['127.0.0.1']);
    expect(atB.attrs.med).toBe(5);
    expect(atB.attrs.localPref).toBeUndefined();
    const atA = best(a, '100.64.2.0/26')!;
    expect(atA.attrs.communities).toEqual([(64512 << 16 | 200) >>> 0]);
    expect(a.peerStatus()[0]).toMatchObject({ accepted: 1, type: 'ebgp' });
    expect(b.peerStatus()[0]).toMatchObject({ accepted: 2 });
    a.withdraw('100.64.1.77/32');
    await until('withdrawal at b', () => best(b, '100.64.1.77/32') === undefined);
  });

  it('iBGP: LOCAL_PREF 100 added, next hop kept (self for own routes)', async () => {
    const { b } = await pair(65000, 65000);
    await until('route at b', () => best(b, '100.64.1.0/26') !== undefined);
    const p = best(b, '100.64.1.0/26')!;
    expect(p.attrs.localPref).toBe(100);
    expect(p.attrs.asPath).toEqual([]);
    expect(p.nextHop).toEqual(['127.0.0.1']);
  });

  it("a stopped peer's routes are removed and it says why", async () => {
    const { a, b } = await pair(65001, 65002);
    await until('route at b', () => best(b, '100.64.1.0/26') !== undefined);
    await a.stop('maintenance');
    await until('routes gone at b', () => best(b, '100.64.1.0/26') === undefined);
    await until('b sees the NOTIFICATION', () => (b.peerStatus()[0]?.lastError ?? '').includes('maintenance'));
  });

  it('RFC 8212: an eBGP peer without policies exchanges nothing', async () => {
    const b = new Speaker({
      routerId: '198.18.0.2', asn: 65002, listen: [{ address: '127.0.0.2', port: 0 }], multipath: false, alwaysCompareMed: false,
      peers: [peerConfig({ name: 'a', address: '127.0.0.1', asn: 65001, passive: true })], policies: [], originate: [{ prefix: '100.64.2.0/26' }],
    });
    live.push(b);
    await b.start();
    const a = new Speaker({
      routerId: '198.18.0.1', asn: 65001, listen: [], multipath: false, alwaysCompareMed: false,
      peers: [peerConfig({ name: 'b', address: '127.0.0.2', port: b.listeningPorts()[0]!, localAddress: '127.0.0.1', asn: 65002, import: 'accept-all', export: 'accept-all' })],
      policies: [], originate: [{ prefix: '100.64.1.0/26' }],
    });
    live.push(a);
    await a.start();
    await until('Established', () => b.peerStatus()[0]?.state === 'Established');
    await new Promise((r) => setTimeout(r, 300));
    expect(best(b, '100.64.1.0/26')).toBeUndefined();
    expect(best(a, '100.64.2.0/26')).toBeUndefined();
    expect(b.peerStatus()[0]).toMatchObject({ received: 1, accepted: 0 });
  });
});

describe('connection collision (RFC 4271 §6.8)', () => {
  it('two active speakers dialling each other at once: one connection survives, the other gets Cease/7', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const mk = (me: 1 | 2) => new Speaker({
      routerId: `198.18.0.${me}`, asn: 65000 + me, listen: [{ address: `127.0.0.${me}`, port }], multipath: false, alwaysCompareMed: false,
      peers: [peerConfig({ name: 'other', address: `127.0.0.${3 - me}`, port, localAddress: `127.0.0.${me}`, asn: 65003 - me, import: 'accept-all', export: 'accept-all', connectRetryTime: 1 })],
      policies: [], originate: [{ prefix: `100.64.${me}.0/26` }],
    });
    const a = mk(1);
    const b = mk(2);
    live.push(a, b);
    await Promise.all([a.start(), b.start()]);
    await until('both Established', () => a.peerStatus()[0]?.state === 'Established' && b.peerStatus()[0]?.state === 'Established', 15000);
    await until('routes both ways', () => best(a, '100.64.2.0/26') !== undefined && best(b, '100.64.1.0/26') !== undefined);
    const sent = a.peerStatus()[0]!.messages.notificationsOut + b.peerStatus()[0]!.messages.notificationsOut;
    expect(sent, 'one side resolved a collision with a NOTIFICATION').toBeGreaterThanOrEqual(1);
    // stays up: the losing connection does not take the session down
    const since = a.peerStatus()[0]!.since;
    await new Promise((r) => setTimeout(r, 1500));
    expect(a.peerStatus()[0]).toMatchObject({ state: 'Established', since });
  });
});
