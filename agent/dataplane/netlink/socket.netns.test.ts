// The netlink socket against the real kernel in a namespace of our own:
// opening inside the namespace, link and route dumps, batches with both ack
// modes, and lost acks — a receive buffer far too small for a batch's acks
// yields "unknown" results (never a false success or failure), while the
// writes themselves land; concurrent operations are serialised.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../../../test/netns/index.js';
import { ROUTE_PROTOCOL } from '../constants.js';
import { encodeRouteBatch, type RouteMessage, type RouteRequest, RT_SCOPE_LINK, RTN_UNICAST } from './codec.js';
import { RtNetlink } from './rtnetlink.js';
import { NetlinkSocket } from './socket.js';

let lab: Lab;
let ns: string;
let ifindex = 0;
const open: { close(): void }[] = [];
const ip = (...args: string[]) => lab.exec(ns, ['ip', ...args]);
const count = async () => (await ip('-4', 'route', 'show', 'proto', String(ROUTE_PROTOCOL))).split('\n').filter(Boolean).length;
const route = (i: number): RouteMessage => ({
  family: 4, dst: `100.64.${i >> 8}.${i & 255}`, dstLen: 32, table: 254, protocol: ROUTE_PROTOCOL, scope: RT_SCOPE_LINK, type: RTN_UNICAST, oif: ifindex,
});

beforeAll(async () => {
  lab = Lab.create('nlsock');
  ns = await lab.namespace('node');
  await ip('link', 'add', 'cali0000000001', 'type', 'veth', 'peer', 'name', 'peer1');
  await ip('link', 'set', 'peer1', 'up');
  await ip('link', 'set', 'cali0000000001', 'up');
});
afterAll(() => {
  for (const s of open) s.close();
  lab?.teardown();
});

describe('netlink socket (real kernel)', () => {
  it('opens inside the namespace: its dump shows the namespace\'s interfaces, not ours', async () => {
    const k = RtNetlink.open({ netns: ns });
    open.push(k);
    const links = await k.dumpLinks();
    expect(links.map((l) => l.name).sort()).toEqual(['cali0000000001', 'lo', 'peer1']);
    ifindex = links.find((l) => l.name === 'cali0000000001')?.index ?? 0;
    expect(await k.dumpRoutes(4, 254)).toEqual([]);
  });

  it('applies big batches with both ack modes, concurrent calls serialised', async () => {
    const each = RtNetlink.open({ netns: ns, acks: 'each' });
    const last = RtNetlink.open({ netns: ns, acks: 'last' });
    open.push(each, last);
    const add = (from: number, n: number): RouteRequest[] => Array.from({ length: n }, (_, i) => ({ op: 'replace', route: route(from + i) }));
    const [a, b, c] = await Promise.all([each.applyRoutes(add(0, 3000)), last.applyRoutes(add(3000, 3000)), last.dumpRoutes(4, 254)]);
    expect(a.every((r) => r.errno === 0) && b.every((r) => r.errno === 0)).toBe(true);
    expect(c.length).toBeGreaterThanOrEqual(3000); // ran after the batch on its socket
    expect(await count()).toBe(6000);
    const del = Array.from({ length: 6000 }, (_, i): RouteRequest => ({ op: 'delete', route: route(i) }));
    expect((await last.applyRoutes(del)).every((r) => r.errno === 0)).toBe(true);
    expect((await last.applyRoutes(del.slice(0, 2))).map((r) => r.errno)).toEqual([3, 3]); // ESRCH: already gone
    expect(await count()).toBe(0);
  });

  it('reports acks lost to a full receive buffer as unknown, while the writes land', async () => {
    const sock = NetlinkSocket.open({ netns: ns, rcvbuf: 4096 });
    open.push(sock);
    const reqs = Array.from({ length: 500 }, (_, i): RouteRequest => ({ op: 'replace', route: route(i) }));
    const seq = sock.nextSeq(reqs.length);
    const results = await sock.transact(encodeRouteBatch(reqs, seq, 'each'), seq, reqs.length, 'each');
    const unknown = results.filter((r) => r.errno === undefined);
    expect(unknown.length).toBeGreaterThan(0);
    expect(unknown[0]?.message).toMatch(/ack lost \(receive buffer overflow\)/);
    expect(results.every((r) => r.errno === 0 || r.errno === undefined)).toBe(true);
    expect(await count()).toBe(500);
    await ip('-4', 'route', 'flush', 'proto', String(ROUTE_PROTOCOL));
  });
});
