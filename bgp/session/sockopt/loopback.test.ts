// TCP-MD5 (RFC 2385) and GTSM (RFC 5082) on real kernel sockets over
// loopback: the Listener with per-peer options against dialWithOptions.
// 127.0.0.0/8 is all local, so each "peer" is a different 127.0.0.x source.
// On loopback packets keep the TTL they were sent with (64 by default), so
// GTSM on one side only (minimum 255) must refuse the other side's packets.
// "Never connects" is checked over a window in which a correctly configured
// control connection does connect.

import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Connection } from '../connection.js';
import { Listener } from '../listener.js';
import { dialWithOptions } from './dial.js';
import { closeFd, tcpSocket } from './libc.js';
import { readTtlOptions, setTtlOptions, TcpOptionError, type TcpPeerOptions } from './options.js';
import { AF_INET, AF_INET6 } from './sockaddr.js';

const KEEPALIVE = Buffer.from('ffffffffffffffffffffffffffffffff001304', 'hex');
const WINDOW_MS = 1500;

const cleanup: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function listener(address = '127.0.0.1') {
  const accepted: Connection[] = [];
  const errors: Error[] = [];
  const l = new Listener((c) => {
    accepted.push(c);
    cleanup.push(() => c.destroy());
  }, (_a, err) => errors.push(err));
  await l.listen([{ address, port: 0 }]);
  cleanup.push(() => l.close());
  return { l, port: l.ports()[0]!, accepted, errors };
}

function track(sock: Socket): Socket {
  sock.on('error', () => undefined);
  cleanup.push(() => { sock.destroy(); });
  return sock;
}

function dial(port: number, from: string, o: TcpPeerOptions, to = '127.0.0.1'): Socket {
  return track(dialWithOptions({ address: to, port, localAddress: from }, o));
}

/** 'connected', 'error: …', or 'pending' after `ms`. */
function outcome(sock: Socket, ms = WINDOW_MS): Promise<string> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve('pending'), ms);
    sock.once('connect', () => { clearTimeout(t); resolve('connected'); });
    sock.once('error', (e) => { clearTimeout(t); resolve(`error: ${e.message}`); });
  });
}

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Count KEEPALIVEs arriving on an accepted connection. */
function received(c: Connection): { n: number } {
  const r = { n: 0 };
  c.attach({ onReceipt: (t) => { if (t === 4) r.n++; }, onMessage: () => undefined, onFramingError: () => undefined, onClose: () => undefined, onDrain: () => undefined });
  return r;
}

describe('TCP-MD5 on loopback', () => {
  it('a matching key connects and carries data; a wrong or missing key never connects', async () => {
    const { l, port, accepted } = await listener();
    l.setPeerOptions('127.0.0.2', { password: 'right key' });
    l.setPeerOptions('127.0.0.3', { password: 'right key' });
    l.setPeerOptions('127.0.0.4', { password: 'right key' });
    const good = dial(port, '127.0.0.2', { password: 'right key' });
    const wrong = dial(port, '127.0.0.3', { password: 'wrong key' });
    const missing = track(connect({ host: '127.0.0.1', port, localAddress: '127.0.0.4' }));
    const unexpected = dial(port, '127.0.0.5', { password: 'right key' }); // the listener has no key for .5
    const [g, w, m, u] = await Promise.all([outcome(good), outcome(wrong), outcome(missing), outcome(unexpected)]);
    expect({ g, w, m, u }).toEqual({ g: 'connected', w: 'pending', m: 'pending', u: 'pending' });
    expect(accepted.map((c) => c.remoteAddress)).toEqual(['127.0.0.2']);
    const r = received(accepted[0]!);
    good.write(KEEPALIVE);
    await until('KEEPALIVE over the signed connection', () => r.n === 1);
  });

  it('IPv4 peers on a dual-stack [::] listener: the key is filed under the v4-mapped address', async () => {
    const { l, port, accepted } = await listener('::');
    l.setPeerOptions('127.0.0.2', { password: 'mapped' });
    const [good, bad] = await Promise.all([outcome(dial(port, '127.0.0.2', { password: 'mapped' })), outcome(dial(port, '127.0.0.2', { password: 'other' }))]);
    expect({ good, bad }).toEqual({ good: 'connected', bad: 'pending' });
    expect(accepted.map((c) => c.remoteAddress)).toEqual(['127.0.0.2']);
  });

  it('changing the key takes effect on the listening socket; removing the peer deletes it', async () => {
    const { l, port } = await listener();
    l.setPeerOptions('127.0.0.2', { password: 'old' });
    l.setPeerOptions('127.0.0.2', { password: 'new' });
    const [oldKey, newKey] = await Promise.all([outcome(dial(port, '127.0.0.2', { password: 'old' })), outcome(dial(port, '127.0.0.2', { password: 'new' }))]);
    expect({ oldKey, newKey }).toEqual({ oldKey: 'pending', newKey: 'connected' });
    l.removePeer('127.0.0.2');
    expect(await outcome(track(connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' })))).toBe('connected');
    // a peer added before listen() gets its key when the socket opens
    const late = new Listener(() => undefined, () => undefined);
    cleanup.push(() => late.close());
    late.setPeerOptions('127.0.0.3', { password: 'early' });
    await late.listen([{ address: '127.0.0.1', port: 0 }]);
    const latePort = late.ports()[0]!;
    const [early, none] = await Promise.all([outcome(dial(latePort, '127.0.0.3', { password: 'early' })), outcome(track(connect({ host: '127.0.0.1', port: latePort, localAddress: '127.0.0.3' })))]);
    expect({ early, none }).toEqual({ early: 'connected', none: 'pending' });
  });

  it('bad options are refused per peer with a clear error; other peers keep working', async () => {
    const { l, port } = await listener();
    expect(() => l.setPeerOptions('127.0.0.2', { password: 'k'.repeat(81) })).toThrow(TcpOptionError);
    expect(() => l.setPeerOptions('127.0.0.2', { password: 'k'.repeat(81) })).toThrow('TCP-MD5 for peer 127.0.0.2: the TCP-MD5 password has 81 bytes; the kernel takes at most 80');
    expect(() => l.setPeerOptions('127.0.0.2', { ttlSecurity: 0 })).toThrow('GTSM for peer 127.0.0.2: ttlSecurity must be 1 to 254 hops (got 0)');
    expect(() => dialWithOptions({ address: '127.0.0.1', port, localAddress: '127.0.0.2' }, { multihop: 256 })).toThrow('multihop for peer 127.0.0.1: TTL must be 1 to 255 (got 256)');
    l.setPeerOptions('127.0.0.3', { password: 'fine' });
    expect(await outcome(dial(port, '127.0.0.3', { password: 'fine' }))).toBe('connected');
  });

  it('a taken port is reported with the address and the errno', async () => {
    const { port } = await listener();
    const again = new Listener(() => undefined, () => undefined);
    await expect(again.listen([{ address: '127.0.0.1', port }])).rejects.toThrow(`cannot listen on [127.0.0.1]:${port}: bind: EADDRINUSE (Address already in use)`);
    expect(again.ports()).toEqual([]);
  });
});

describe('GTSM on loopback (packets keep TTL 64 unless GTSM sends 255)', () => {
  it('both sides with GTSM connect and exchange data', async () => {
    const { l, port, accepted } = await listener();
    l.setPeerOptions('127.0.0.2', { ttlSecurity: 1 });
    const sock = dial(port, '127.0.0.2', { ttlSecurity: 1 });
    expect(await outcome(sock)).toBe('connected');
    await until('accepted', () => accepted.length === 1);
    const r = received(accepted[0]!);
    sock.write(KEEPALIVE);
    await until('KEEPALIVE with TTL 255', () => r.n === 1);
  });

  it('our dial with GTSM drops the SYN-ACK of a peer that sends with TTL 64: never connects', async () => {
    // a plain Node server: its SYN-ACK leaves with the default TTL
    const srv = createServer((c) => c.destroy());
    await new Promise<void>((r) => srv.listen({ host: '127.0.0.1', port: 0 }, r));
    cleanup.push(() => new Promise<void>((r) => srv.close(() => r())));
    const port = (srv.address() as AddressInfo).port;
    const [gtsm, plain] = await Promise.all([outcome(dial(port, '127.0.0.2', { ttlSecurity: 1 })), outcome(dial(port, '127.0.0.3', { multihop: 64 }))]);
    expect({ gtsm, plain }).toEqual({ gtsm: 'pending', plain: 'connected' });
  });

  it('an accepted connection from a GTSM peer drops segments below TTL 255 and sends with 255', async () => {
    const { l, port, accepted } = await listener();
    l.setPeerOptions('127.0.0.2', { ttlSecurity: 1 });
    const plain = track(connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' }));
    const control = dial(port, '127.0.0.3', {});
    await until('both accepted', () => accepted.length === 2);
    const byPeer = new Map(accepted.map((c) => [c.remoteAddress, received(c)]));
    const gotAtPlain = { n: 0 };
    plain.on('data', () => gotAtPlain.n++);
    plain.write(KEEPALIVE);
    control.write(KEEPALIVE);
    accepted.find((c) => c.remoteAddress === '127.0.0.2')!.write(KEEPALIVE);
    await until('control KEEPALIVE', () => byPeer.get('127.0.0.3')!.n === 1);
    await until('our TTL-255 KEEPALIVE reaches the plain peer', () => gotAtPlain.n === 1);
    await new Promise((r) => setTimeout(r, 1000));
    expect(byPeer.get('127.0.0.2')!.n).toBe(0);
  });

  it('TTL options as read back from the kernel: GTSM 255/256−hops, multihop TTL, IPv4 and IPv6', () => {
    const v4 = tcpSocket(AF_INET);
    const v6 = tcpSocket(AF_INET6);
    cleanup.push(() => { closeFd(v4); closeFd(v6); });
    setTtlOptions(v4, '198.18.0.2', { ttlSecurity: 2 });
    expect(readTtlOptions(v4, '198.18.0.2')).toEqual({ ttl: 255, minTtl: 254 });
    setTtlOptions(v6, '2001:db8::2', { ttlSecurity: 1 });
    expect(readTtlOptions(v6, '2001:db8::2')).toEqual({ ttl: 255, minTtl: 255 });
    // an IPv4 peer on an IPv6 socket: the IPv4 options govern its (v4-mapped) traffic
    setTtlOptions(v6, '198.18.0.3', { multihop: 5 });
    expect(readTtlOptions(v6, '198.18.0.3')).toEqual({ ttl: 5, minTtl: 0 });
  });
});
