// Update groups over loopback: a reflector with clients (three of our
// speakers and one raw TCP client that can stop reading).
//   - clients with the same export settings share one group once their
//     initial tables are sent; routes and withdrawals reach all of them;
//   - a member whose export policy changes leaves the group and gets exactly
//     the new policy's result (withdrawals included), without a reset;
//   - a member that stops reading does not stall the others: it is reset
//     (Cease/Out of Resources) once its unsent backlog passes the limit,
//     while the others receive everything.

import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Framer, decodeMessage, encodeKeepalive, encodeOpen, makeOpen, wireOptions } from '../wire/index.js';
import { peerConfig, Speaker, type PeerConfig, type SpeakerConfig } from './index.js';

const AS = 65000;
const live: Speaker[] = [];
const socks: Socket[] = [];
afterEach(async () => {
  for (const s of socks.splice(0)) s.destroy();
  await Promise.all(live.splice(0).map((s) => s.stop()));
});

async function until(what: string, cond: () => boolean, ms = 10000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const ip = (n: number) => `127.0.0.${n}`;
const rid = (n: number) => `198.18.0.${n}`;
const has = (s: Speaker, prefix: string) => [...s.locRib.entries()].some((e) => e.prefix.toString() === prefix);

async function node(n: number, peers: PeerConfig[], extra: Partial<Omit<SpeakerConfig, 'listen'>> & { port?: number } = {}, opts: { memberBacklogLimit?: number } = {}): Promise<Speaker> {
  const { port, ...rest } = extra;
  const s = new Speaker({
    routerId: rid(n), asn: AS, listen: port !== undefined ? [{ address: ip(n), port }] : [], multipath: false, alwaysCompareMed: false,
    peers, policies: [], originate: [{ prefix: `100.64.${n}.0/26` }], ...rest,
  }, opts);
  live.push(s);
  await s.start();
  return s;
}

const client = (name: string, n: number, extra: Partial<PeerConfig> = {}) => peerConfig({ name, address: ip(n), asn: AS, passive: true, routeReflectorClient: true, ...extra });
const dial = (n: number, port: number) => peerConfig({ name: 'rr', address: ip(1), port, localAddress: ip(n), asn: AS, connectRetryTime: 1 });

describe('update groups', () => {
  it('clients share one group; a member whose export policy changes leaves it and gets the new result without a reset', async () => {
    const policies = [{ name: 'no3', default: 'accept', statements: [{ match: { prefixes: [{ prefix: '100.64.3.0/26' }] }, actions: { accept: false } }] }];
    const rr = await node(1, [client('c2', 2), client('c3', 3), client('c4', 4)], { port: 0, policies });
    const port = rr.listeningPorts()[0]!;
    const [c2, c3, c4] = await Promise.all([2, 3, 4].map((n) => node(n, [dial(n, port)])));
    await until('everyone has every route', () => [c2!, c3!, c4!].every((c) => [2, 3, 4].every((n) => has(c, `100.64.${n}.0/26`))));
    await until('one group of three', () => JSON.stringify(rr.updateGroups().map((g) => g.members)) === JSON.stringify([['c2', 'c3', 'c4']]));
    c3!.withdraw('100.64.3.0/26');
    await until('withdrawal reaches the group', () => !has(c2!, '100.64.3.0/26') && !has(c4!, '100.64.3.0/26'));
    c3!.originate({ prefix: '100.64.3.0/26' });
    await until('and back', () => has(c2!, '100.64.3.0/26') && has(c4!, '100.64.3.0/26'));
    const since = rr.peerStatus().find((p) => p.name === 'c2')!.since;
    // c2 gets an export policy that filters c3's route: it leaves the group and loses just that route
    rr.updatePeer(client('c2', 2, { export: 'no3' }));
    await until('c2 lost 100.64.3.0/26', () => !has(c2!, '100.64.3.0/26'));
    expect(has(c2!, '100.64.4.0/26')).toBe(true);
    expect(has(c4!, '100.64.3.0/26')).toBe(true);
    expect(rr.peerStatus().find((p) => p.name === 'c2')!.since).toBe(since);
    await until('c2 in a group of its own, c3 and c4 together', () => JSON.stringify(rr.updateGroups().map((g) => g.members).sort()) === JSON.stringify([['c2'], ['c3', 'c4']]));
    c4!.originate({ prefix: '100.64.44.0/26' });
    await until('both groups get a new route', () => has(c2!, '100.64.44.0/26') && has(c3!, '100.64.44.0/26'));
  });

  it('a member that stops reading is reset when its backlog passes the limit; the others get everything', async () => {
    const rr = await node(1, [client('c2', 2), client('c3', 3), client('slow', 5)], { port: 0 }, { memberBacklogLimit: 256 * 1024 });
    const port = rr.listeningPorts()[0]!;
    const c2 = await node(2, [dial(2, port)], { originate: [] });
    const c3 = await node(3, [dial(3, port)]);
    // the slow client: a raw session that reads until it is in the group, then stops reading
    const raw = connect({ host: ip(1), port, localAddress: ip(5) });
    socks.push(raw);
    await new Promise<void>((r) => raw.once('connect', () => r()));
    const framer = new Framer(65535);
    let eor = false;
    raw.on('data', (d: Buffer) => {
      for (const m of framer.push(d).messages) {
        const r = decodeMessage(m, wireOptions({ as4: true }));
        if (r.ok && r.message?.kind === 'update' && r.message.nlri.length === 0 && r.message.withdrawn.length === 0 && !r.message.mpReach) eor = true;
      }
    });
    raw.write(encodeOpen(makeOpen({ asn: AS, holdTime: 90, routerId: rid(5), capabilities: [{ kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'as4', asn: AS }, { kind: 'extended-message' }] })));
    raw.write(encodeKeepalive());
    await until('slow client got the initial table', () => eor);
    await until('three members in one group', () => rr.updateGroups()[0]?.members.length === 3);
    raw.pause();
    // c2 announces ~10 MB of routes (each with its own large communities, one UPDATE each)
    for (let i = 0; i < 15000; i++) {
      c2.originate({ prefix: `100.65.${i >> 8}.${i & 255}/32`, largeCommunities: Array.from({ length: 40 }, (_, k) => `${AS}:${i}:${k}`) });
    }
    await until('c3 has all 15000 routes', () => c3.locRib.size >= 15000 + 2, 60000);
    await until('the slow client was reset', () => (rr.peerStatus().find((p) => p.name === 'slow')!.lastError ?? '').includes('Out of Resources'), 20000);
    expect(rr.updateGroups().map((g) => g.members)).toEqual([['c2', 'c3']]);
  }, 90000);
});
