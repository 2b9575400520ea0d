// The gRPC API against a running Speaker served on a unix socket in a temp
// dir (no mocks): round trips for peers and paths, status codes for bad
// requests, and the socket's mode.

import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcStatus, SessionState, Table, Family, CheckResponse_ServingStatus, type ServiceError } from './client.js';
import { startFixture, until, type Fixture } from './test-fixture.js';

let f: Fixture;
beforeAll(async () => { f = await startFixture(); });
afterAll(async () => { await f?.close(); });

async function rejects(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p;
  } catch (e) {
    return e as ServiceError;
  }
  throw new Error('expected the call to fail');
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('bgp.v1 over a unix socket', () => {
  it('serves on a 0660 socket', () => {
    expect(statSync(f.socket).mode & 0o777).toBe(0o660);
  });

  it('global status and health', async () => {
    const g = await f.client.call('getGlobal', {});
    expect(g).toMatchObject({ routerId: '198.18.0.1', asn: 65001, peers: 7, establishedPeers: 1, originatedPrefixes: 2 });
    const h = await f.client.check();
    expect(h.status).toBe(CheckResponse_ServingStatus.SERVING_STATUS_NOT_READY);
    expect(h.reasons.join('\n')).toContain('peer passive (127.0.0.4) is Active');
  });

  it('lists and gets peers with their states', async () => {
    const { peers } = await f.client.call('listPeers', {});
    expect(peers.map((p) => p.conf?.name)).toEqual(['b', 'passive', 'down', 'v6', 'off', 'mute', 'noka']);
    const b = peers[0]!;
    expect(b.state).toMatchObject({ sessionState: SessionState.SESSION_STATE_ESTABLISHED, accepted: 1 });
    expect(peers[1]!.state?.sessionState).toBe(SessionState.SESSION_STATE_ACTIVE);
    expect(peers[4]!.state?.sessionState).toBe(SessionState.SESSION_STATE_IDLE);
    expect(peers[5]!.state?.sessionState).toBe(SessionState.SESSION_STATE_OPEN_SENT);
    expect(peers[6]!.state?.sessionState).toBe(SessionState.SESSION_STATE_OPEN_CONFIRM);
    const byAddr = await f.client.call('getPeer', { name: '127.0.0.2' });
    expect(byAddr.peer?.conf?.name).toBe('b');
  });

  it('adds, disables, enables, resets and deletes a peer', async () => {
    const add = await f.client.call('addPeer', { peer: { name: 'extra', address: '127.0.0.9', asn: 65009, port: 0, localAddress: '', passive: true, holdTime: 0, connectRetryTime: 0, families: [], importPolicy: '', exportPolicy: '', nextHop: '' } });
    expect(add.peer?.conf).toMatchObject({ name: 'extra', port: 179, holdTime: 90 });
    await f.client.call('disablePeer', { name: 'extra', message: 'maintenance' });
    let p = (await f.client.call('getPeer', { name: 'extra' })).peer!;
    expect(p.state).toMatchObject({ adminDown: true, sessionState: SessionState.SESSION_STATE_IDLE });
    await f.client.call('enablePeer', { name: 'extra' });
    await until('extra Active', async () => (await f.client.call('getPeer', { name: 'extra' })).peer?.state?.sessionState === SessionState.SESSION_STATE_ACTIVE);
    await f.client.call('resetPeer', { name: 'extra', message: '' });
    p = (await f.client.call('getPeer', { name: 'extra' })).peer!;
    expect(p.state?.adminDown).toBe(false);
    await f.client.call('deletePeer', { name: 'extra' });
    expect((await rejects(f.client.call('getPeer', { name: 'extra' }))).code).toBe(GrpcStatus.NOT_FOUND);
  });

  it('resetting an Established peer brings it back', async () => {
    await f.client.call('resetPeer', { name: 'b', message: 'test reset' });
    await until('b Established again', () => f.a.peerStatus()[0]?.state === 'Established' && f.a.locRib.size >= 3);
    await until('b saw the reset', () => (f.b.peerStatus()[0]?.lastError ?? '').includes('test reset'));
  });

  it('adds and deletes paths; the other speaker learns them', async () => {
    const r = await f.client.call('addPath', { prefix: '100.64.9.0/24', communities: ['64512:9'], largeCommunities: [], nextHop: '' });
    expect(r.path).toMatchObject({ prefix: '100.64.9.0/24', communities: ['64512:9'], best: true });
    await until('b learns it', () => [...f.b.locRib.entries()].some((e) => e.prefix.toString() === '100.64.9.0/24'));
    await f.client.call('deletePath', { prefix: '100.64.9.0/24' });
    await until('b drops it', () => ![...f.b.locRib.entries()].some((e) => e.prefix.toString() === '100.64.9.0/24'));
  });

  it('lists paths with table, family, prefix and peer filters', async () => {
    const loc = await collect(f.client.listPaths({}));
    expect(loc.map((p) => p.prefix).sort()).toEqual(['100.64.1.0/26', '100.64.2.0/26', '2001:db8:1::/48']);
    const fromB = loc.find((p) => p.prefix === '100.64.2.0/26')!;
    expect(fromB).toMatchObject({ nextHops: ['127.0.0.2'], communities: ['64512:200'], source: { peerName: 'b', peerAsn: 65002 } });
    expect((await collect(f.client.listPaths({ family: Family.FAMILY_IPV6_UNICAST }))).map((p) => p.prefix)).toEqual(['2001:db8:1::/48']);
    expect((await collect(f.client.listPaths({ peer: 'b' }))).map((p) => p.prefix)).toEqual(['100.64.2.0/26']);
    expect((await collect(f.client.listPaths({ prefix: '100.64.1.0/26' }))).map((p) => p.med)).toEqual([5]);
    expect((await collect(f.client.listPaths({ table: Table.TABLE_ADJ_IN, peer: 'b' }))).map((p) => p.prefix)).toEqual(['100.64.2.0/26']);
    const out = await collect(f.client.listPaths({ table: Table.TABLE_ADJ_OUT, peer: 'b' }));
    // no IPv6 next hop on an IPv4 session, so only the IPv4 route is sent
    expect(out.map((p) => p.prefix)).toEqual(['100.64.1.0/26']);
  });

  it('bad requests get clear status codes', async () => {
    let e = await rejects(f.client.call('addPath', { prefix: '100.64.300.0/24', communities: [], largeCommunities: [], nextHop: '' }));
    expect(e.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(e.details).toContain('"100.64.300.0/24" is not a prefix');
    e = await rejects(f.client.call('addPath', { prefix: '100.64.3.0/24', communities: ['nope'], largeCommunities: [], nextHop: '' }));
    expect(e.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(e.details).toContain('"nope" is not a community');
    e = await rejects(f.client.call('getPeer', { name: 'ghost' }));
    expect(e.code).toBe(GrpcStatus.NOT_FOUND);
    expect(e.details).toContain('no peer named "ghost"');
    e = await rejects(f.client.call('deletePath', { prefix: '100.64.2.0/26' }));
    expect(e.code).toBe(GrpcStatus.NOT_FOUND);
    e = await rejects(f.client.call('addPeer', { peer: { name: 'b', address: '127.0.0.20', asn: 1, port: 0, localAddress: '', passive: false, holdTime: 0, connectRetryTime: 0, families: [], importPolicy: '', exportPolicy: '', nextHop: '' } }));
    expect(e.code).toBe(GrpcStatus.ALREADY_EXISTS);
    e = await rejects(f.client.call('addPeer', { peer: { name: 'x', address: '127.0.0.1.1', asn: 1, port: 0, localAddress: '', passive: false, holdTime: 0, connectRetryTime: 0, families: [], importPolicy: '', exportPolicy: '', nextHop: '' } }));
    expect(e.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    e = await rejects(f.client.call('addPeer', { peer: { name: 'y', address: '127.0.0.21', asn: 1, port: 0, localAddress: '', passive: false, holdTime: 0, connectRetryTime: 0, families: [], importPolicy: 'nosuch', exportPolicy: '', nextHop: '' } }));
    expect(e.code).toBe(GrpcStatus.FAILED_PRECONDITION);
    e = await rejects(collect(f.client.listPaths({ table: Table.TABLE_ADJ_IN })));
    expect(e.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    e = await rejects(collect(f.client.listPaths({ table: Table.TABLE_ADJ_IN, peer: 'nobody' })));
    expect(e.code).toBe(GrpcStatus.NOT_FOUND);
    e = await rejects(collect(f.client.listPaths({ prefix: 'zzz' })));
    expect(e.code).toBe(GrpcStatus.INVALID_ARGUMENT);
  });
});
