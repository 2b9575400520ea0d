// Bad input from one peer gets the RFC 7606 action and loses nothing else.
// A raw TCP "peer" (127.0.0.2) speaks BGP with hand-built messages to a
// speaker (127.0.0.1) that also has a well-behaved speaker peer (127.0.0.3):
//   - bad MED length on a route  → treat-as-withdraw: that route goes, session stays
//   - bad ATOMIC_AGGREGATE       → attribute discard: the route is kept
//   - unrecognised well-known attribute → session reset with NOTIFICATION 3/2
// and throughout, the other peer's session and routes are untouched.

import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeMessage, encodeKeepalive, encodeOpen, encodeUpdate, Framer, makeOpen, Prefix, wireOptions, type Message } from '../wire/index.js';
import { peerConfig, Speaker } from './index.js';

const live: Speaker[] = [];
const socks: Socket[] = [];
afterEach(async () => {
  for (const s of socks.splice(0)) s.destroy();
  await Promise.all(live.splice(0).map((s) => s.stop()));
});

async function until(what: string, cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const opts = wireOptions({ as4: true });
const has = (s: Speaker, prefix: string) => [...s.locRib.entries()].some((e) => e.prefix.toString() === prefix);
const hdr = (type: number, body: string) => {
  const b = Buffer.from(body.replace(/\s+/g, ''), 'hex');
  const h = Buffer.alloc(19, 0xff);
  h.writeUInt16BE(19 + b.length, 16);
  h[18] = type;
  return Buffer.concat([h, b]);
};
/** An UPDATE with the given attribute hex and one /24 NLRI (100.64.x.0/24). */
const update = (attrs: string, x: number) => {
  const a = attrs.replace(/\s+/g, '');
  return hdr(2, `0000 ${(a.length / 2).toString(16).padStart(4, '0')} ${a} 18 6440${x.toString(16).padStart(2, '0')}`);
};
const BASE = '40010100 4002060201 0000fde9 400304 7f000002'; // ORIGIN IGP, AS_PATH 65001... (peer AS), NEXT_HOP 127.0.0.2

describe('malformed UPDATEs from one peer', () => {
  it('get their RFC 7606 action; the other peer keeps its session and routes', async () => {
    const sp = new Speaker({
      routerId: '198.18.0.1', asn: 65000, listen: [{ address: '127.0.0.1', port: 0 }], multipath: false, alwaysCompareMed: false,
      peers: [
        peerConfig({ name: 'raw', address: '127.0.0.2', asn: 65001, passive: true, import: 'accept-all', export: 'accept-all', idleHoldTime: 60 }),
        peerConfig({ name: 'good', address: '127.0.0.3', asn: 65003, passive: true, import: 'accept-all', export: 'accept-all' }),
      ],
      policies: [], originate: [],
    });
    live.push(sp);
    await sp.start();
    const port = sp.listeningPorts()[0]!;
    const good = new Speaker({
      routerId: '198.18.0.3', asn: 65003, listen: [], multipath: false, alwaysCompareMed: false,
      peers: [peerConfig({ name: 'sp', address: '127.0.0.1', port, localAddress: '127.0.0.3', asn: 65000, import: 'accept-all', export: 'accept-all' })],
      policies: [], originate: [{ prefix: '100.64.30.0/24' }],
    });
    live.push(good);
    await good.start();
    await until('good route', () => has(sp, '100.64.30.0/24'));

    // the raw peer: OPEN, KEEPALIVE, then our UPDATEs
    const got: Message[] = [];
    const framer = new Framer();
    const raw = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' });
    socks.push(raw);
    raw.on('data', (c: Buffer) => {
      for (const m of framer.push(c).messages) {
        const r = decodeMessage(m, opts);
        if (r.ok && r.message) got.push(r.message);
      }
    });
    await new Promise<void>((r) => raw.once('connect', () => r()));
    raw.write(encodeOpen(makeOpen({ asn: 65001, holdTime: 90, routerId: '198.18.0.2', capabilities: [{ kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'as4', asn: 65001 }] })));
    await until('speaker OPEN', () => got.some((m) => m.kind === 'open'));
    raw.write(encodeKeepalive());
    const status = () => sp.peerStatus().find((p) => p.name === 'raw')!;
    await until('raw Established', () => status().state === 'Established');

    raw.write(encodeUpdate({ kind: 'update', withdrawn: [], nlri: [Prefix.parse('100.64.5.0/24')], attrs: { origin: 0, asPath: [{ type: 2, asns: [65001] }], nextHop: '127.0.0.2' } }, opts));
    await until('100.64.5.0/24 learned', () => has(sp, '100.64.5.0/24'));

    raw.write(update(`${BASE} 80040300 0001`, 5)); // MED of length 3 → treat-as-withdraw
    await until('100.64.5.0/24 withdrawn', () => !has(sp, '100.64.5.0/24'));
    expect(status().state).toBe('Established');

    raw.write(update(`${BASE} 40060100`, 6)); // ATOMIC_AGGREGATE of length 1 → attribute discard
    await until('100.64.6.0/24 kept', () => has(sp, '100.64.6.0/24'));
    expect(status().state).toBe('Established');

    raw.write(update(`${BASE} 40630100`, 7)); // unrecognised well-known attribute 99 → session reset
    await until('NOTIFICATION 3/2 to the raw peer', () => got.some((m) => m.kind === 'notification' && m.code === 3 && m.subcode === 2));
    await until('raw peer down, its routes gone', () => status().state !== 'Established' && !has(sp, '100.64.6.0/24'));
    expect(status().lastError).toMatch(/unrecognised well-known attribute type 99/);

    // nothing else was lost
    expect(sp.peerStatus().find((p) => p.name === 'good')!.state).toBe('Established');
    expect(has(sp, '100.64.30.0/24')).toBe(true);
  });
});
