// Our speakers with per-peer TCP-MD5 keys (RFC 2385) and GTSM (RFC 5082)
// over loopback: one listening speaker B on 127.0.0.2 with a passive peer per
// source address, dialling speakers A on 127.0.0.x. Loopback keeps the TTL a
// packet was sent with (64 by default), so GTSM on one side only must refuse
// the other. "Never" is checked over a window in which the correctly
// configured control sessions come up. Keys change with updatePeer (the
// native API; SIGHUP does the same through reconfigure).

import { afterEach, describe, expect, it } from 'vitest';
import { peerConfig, Speaker, type PeerConfig } from '../../bgp/index.js';

const WINDOW_MS = 3000;
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

const stateOf = (s: Speaker, name: string) => s.peerStatus().find((p) => p.name === name)?.state;

type Tcp = Pick<PeerConfig, 'password' | 'ttlSecurity' | 'multihop'>;

/** B listens on 127.0.0.2 with one passive peer per entry; each A dials from its own 127.0.0.x. */
async function setup(cases: { from: string; atB: Tcp; atA: Tcp }[]) {
  const peerAtB = (c: { from: string; atB: Tcp }) => peerConfig({ name: `a${c.from.split('.')[3]}`, address: c.from, asn: 65001, passive: true, ...c.atB });
  const b = new Speaker({
    routerId: '198.18.0.2', asn: 65002, listen: [{ address: '127.0.0.2', port: 0 }], multipath: false, alwaysCompareMed: false,
    peers: cases.map(peerAtB), policies: [], originate: [],
  });
  live.push(b);
  await b.start();
  const port = b.listeningPorts()[0]!;
  const as: Speaker[] = [];
  for (const c of cases) {
    const a = new Speaker({
      routerId: `198.18.1.${c.from.split('.')[3]}`, asn: 65001, listen: [], multipath: false, alwaysCompareMed: false,
      peers: [peerConfig({ name: 'b', address: '127.0.0.2', port, localAddress: c.from, asn: 65002, connectRetryTime: 1, ...c.atA })],
      policies: [], originate: [],
    });
    live.push(a);
    as.push(a);
    await a.start();
  }
  return { b, as, peerAtB };
}

/** Samples for WINDOW_MS: which sessions were ever Established at B. */
async function watch(b: Speaker, names: string[]): Promise<Set<string>> {
  const seen = new Set<string>();
  const end = Date.now() + WINDOW_MS;
  while (Date.now() < end) {
    for (const n of names) if (stateOf(b, n) === 'Established') seen.add(n);
    await new Promise((r) => setTimeout(r, 25));
  }
  return seen;
}

describe('TCP-MD5 between two of our speakers', () => {
  it('matching keys establish; a wrong key or a key on one side only never does', async () => {
    const { b } = await setup([
      { from: '127.0.0.1', atB: { password: 'k1' }, atA: { password: 'k1' } },
      { from: '127.0.0.3', atB: { password: 'k1' }, atA: { password: 'other' } },
      { from: '127.0.0.4', atB: { password: 'k1' }, atA: {} },
      { from: '127.0.0.5', atB: {}, atA: { password: 'k1' } },
    ]);
    const seen = await watch(b, ['a1', 'a3', 'a4', 'a5']);
    expect([...seen]).toEqual(['a1']);
  });

  it('a changed key resets the session, which comes back once both sides have it', async () => {
    const { b, as: [a], peerAtB } = await setup([{ from: '127.0.0.1', atB: { password: 'old' }, atA: { password: 'old' } }]);
    await until('Established with the old key', () => stateOf(b, 'a1') === 'Established' && stateOf(a!, 'b') === 'Established');
    b.updatePeer(peerAtB({ from: '127.0.0.1', atB: { password: 'new' } }));
    await until('session reset', () => stateOf(a!, 'b') !== 'Established');
    expect((await watch(b, ['a1'])).size, 'up again while A still has the old key').toBe(0);
    a!.updatePeer({ ...a!.config.peers[0]!, password: 'new' });
    await until('Established with the new key', () => stateOf(b, 'a1') === 'Established' && stateOf(a!, 'b') === 'Established');
    // removing the key on both sides: plain TCP again
    b.updatePeer(peerAtB({ from: '127.0.0.1', atB: {} }));
    const { password: _drop, ...plain } = a!.config.peers[0]!;
    a!.updatePeer(plain);
    await until('Established without keys', () => stateOf(b, 'a1') === 'Established' && stateOf(a!, 'b') === 'Established');
  });

  it('an invalid key is reported for that peer only', async () => {
    const { b, as: [a, ok] } = await setup([
      { from: '127.0.0.1', atB: {}, atA: { password: 'x'.repeat(81) } },
      { from: '127.0.0.3', atB: {}, atA: {} },
    ]);
    await until('control Established', () => stateOf(b, 'a3') === 'Established' && stateOf(ok!, 'b') === 'Established');
    await until('the error is the last error', () => (a!.peerStatus()[0]?.lastError ?? '').includes('TCP-MD5 for peer 127.0.0.2: the TCP-MD5 password has 81 bytes; the kernel takes at most 80'));
  });
});

describe('GTSM between two of our speakers (loopback: TTL 64 unless GTSM sends 255)', () => {
  it('GTSM on both sides establishes; on one side only it never does', async () => {
    const { b } = await setup([
      { from: '127.0.0.1', atB: { ttlSecurity: 1 }, atA: { ttlSecurity: 1 } },
      { from: '127.0.0.3', atB: { ttlSecurity: 1 }, atA: {} },
      { from: '127.0.0.4', atB: {}, atA: { ttlSecurity: 1 } },
      { from: '127.0.0.5', atB: { multihop: 64 }, atA: { multihop: 64 } },
    ]);
    const seen = await watch(b, ['a1', 'a3', 'a4', 'a5']);
    expect([...seen].sort()).toEqual(['a1', 'a5']);
  });
});
