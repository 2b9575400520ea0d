// Byte layouts of sockaddr_in / sockaddr_in6 / struct tcp_md5sig (Linux ABI).

import { describe, expect, it } from 'vitest';
import { AF_INET, AF_INET6, TCP_MD5SIG_LEN, decodeSockaddr, encodeMd5Sig, encodeSockaddr, ipv6Bytes, md5KeyBytes } from './sockaddr.js';

describe('sockaddr', () => {
  it('sockaddr_in: family in host order, port and address in network order', () => {
    const b = encodeSockaddr(AF_INET, '198.18.0.1', 179);
    expect(b.toString('hex')).toBe('0200' + '00b3' + 'c6120001' + '0000000000000000');
    expect(decodeSockaddr(b)).toEqual({ address: '198.18.0.1', port: 179, family: AF_INET });
  });

  it('sockaddr_in6: IPv6 text, compressed forms and embedded dotted quads', () => {
    const b = encodeSockaddr(AF_INET6, '2001:db8::1', 1179);
    expect(b.length).toBe(28);
    expect(b.subarray(0, 4).toString('hex')).toBe('0a00049b');
    expect(b.subarray(8, 24).toString('hex')).toBe('20010db8000000000000000000000001');
    expect(decodeSockaddr(b)).toEqual({ address: '2001:db8::1', port: 1179, family: AF_INET6 });
    expect(ipv6Bytes('::').toString('hex')).toBe('0'.repeat(32));
    expect(ipv6Bytes('fe80::1:2%eth0').toString('hex')).toBe('fe800000000000000000000000010002');
    expect(ipv6Bytes('2001:db8:1:2:3:4:5:6').toString('hex')).toBe('20010db8000100020003000400050006');
    expect(ipv6Bytes('64:ff9b::198.18.0.1').toString('hex')).toBe('0064ff9b0000000000000000c6120001');
    expect(decodeSockaddr(encodeSockaddr(AF_INET6, '2001:db8:0:0:1:0:0:1')).address).toBe('2001:db8::1:0:0:1');
    expect(decodeSockaddr(encodeSockaddr(AF_INET6, '::')).address).toBe('::');
  });

  it('IPv4 peers on an IPv6 socket are v4-mapped, and decode back to IPv4 text', () => {
    const b = encodeSockaddr(AF_INET6, '198.18.0.2', 0);
    expect(b.subarray(8, 24).toString('hex')).toBe('00000000000000000000ffffc6120002');
    expect(decodeSockaddr(b).address).toBe('198.18.0.2');
  });

  it('an IPv6 address on an IPv4 socket and non-addresses are refused', () => {
    expect(() => encodeSockaddr(AF_INET, '2001:db8::1')).toThrow(/not an IPv4 address/);
    expect(() => encodeSockaddr(AF_INET6, 'peer.example')).toThrow(/not an IP address/);
  });
});

describe('struct tcp_md5sig', () => {
  it('216 bytes: address, zero flags/prefix, keylen at 130, key at 136', () => {
    const b = encodeMd5Sig(AF_INET, '198.18.0.2', 'bgp-secret');
    expect(b.length).toBe(TCP_MD5SIG_LEN);
    expect(TCP_MD5SIG_LEN).toBe(216);
    expect(b.subarray(0, 8).toString('hex')).toBe('02000000c6120002');
    expect(b[128]).toBe(0);
    expect(b[129]).toBe(0);
    expect(b.readUInt16LE(130)).toBe(10);
    expect(b.readInt32LE(132)).toBe(0);
    expect(b.subarray(136, 146).toString()).toBe('bgp-secret');
    expect(b.subarray(146).every((x) => x === 0)).toBe(true);
  });

  it('no password: keylen 0, which deletes the key', () => {
    const b = encodeMd5Sig(AF_INET6, '2001:db8::2', undefined);
    expect(b.readUInt16LE(130)).toBe(0);
    expect(b.subarray(136).every((x) => x === 0)).toBe(true);
  });

  it('keys are UTF-8 bytes, 1 to 80 of them (RFC 2385 / TCP_MD5SIG_MAXKEYLEN)', () => {
    expect(md5KeyBytes('x'.repeat(80)).length).toBe(80);
    expect(md5KeyBytes('schlüssel').length).toBe(10);
    expect(() => md5KeyBytes('x'.repeat(81))).toThrow(/81 bytes; the kernel takes at most 80/);
    expect(() => md5KeyBytes('ü'.repeat(41))).toThrow(/82 bytes/);
    expect(() => md5KeyBytes('')).toThrow(/empty/);
  });
});
