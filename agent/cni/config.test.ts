// Unit tests of the pure CNI layer: invocation parsing with the spec's error
// codes, version handling and the result shape per version.
import { describe, expect, it } from 'vitest';
import { decodeConfig, parseArgs, parseCommand, parseInvocation, parseNetConf, replyVersion } from './config.js';
import { CniError, compareVersions, encodeResult, ErrorCode, SUPPORTED_VERSIONS } from './spec.js';

const codeOf = (fn: () => unknown): number | undefined => {
  try { fn(); } catch (e) { if (e instanceof CniError) return e.code; throw e; }
  return undefined;
};
const base = { cniVersion: '1.0.0', name: 'net', type: 'l3mesh' };
const env = { command: 'ADD', containerId: 'abc', netns: '/var/run/netns/x', ifname: 'eth0', args: 'K8S_POD_NAMESPACE=a;K8S_POD_NAME=b' };

describe('CNI invocation parsing', () => {
  it('maps each problem to the spec error code', () => {
    expect(codeOf(() => parseCommand({}))).toBe(ErrorCode.InvalidEnvironment);
    expect(codeOf(() => parseCommand({ command: 'NOPE' }))).toBe(ErrorCode.InvalidEnvironment);
    expect(codeOf(() => decodeConfig('{'))).toBe(ErrorCode.DecodeFailure);
    expect(codeOf(() => decodeConfig('[]'))).toBe(ErrorCode.InvalidConfig);
    expect(codeOf(() => parseNetConf({ ...base, cniVersion: '0.2.0' }, 'ADD'))).toBe(ErrorCode.IncompatibleVersion);
    expect(codeOf(() => parseNetConf({ ...base, cniVersion: '0.3.1' }, 'CHECK'))).toBe(ErrorCode.IncompatibleVersion);
    expect(codeOf(() => parseNetConf(base, 'GC'))).toBe(ErrorCode.IncompatibleVersion);
    expect(codeOf(() => parseNetConf({ ...base, name: '' }, 'ADD'))).toBe(ErrorCode.InvalidConfig);
    expect(codeOf(() => parseNetConf({ ...base, routes: [{ dst: 'x' }] }, 'ADD'))).toBe(ErrorCode.InvalidConfig);
    expect(codeOf(() => parseNetConf({ ...base, ipam: { assign_ipv4: false } }, 'ADD'))).toBe(ErrorCode.InvalidConfig);
    expect(codeOf(() => parseNetConf({ ...base, ipam: { assign_ipv6: 'yes' } }, 'ADD'))).toBe(ErrorCode.InvalidConfig);
    for (const drop of ['containerId', 'ifname', 'netns'] as const) {
      const e = { ...env, [drop]: undefined };
      expect(codeOf(() => parseInvocation(e, 'ADD', base)), drop).toBe(ErrorCode.InvalidEnvironment);
    }
    expect(codeOf(() => parseInvocation({ ...env, ifname: 'a/b' }, 'ADD', base))).toBe(ErrorCode.InvalidEnvironment);
    expect(codeOf(() => parseInvocation({ ...env, containerId: '-x' }, 'ADD', base))).toBe(ErrorCode.InvalidEnvironment);
    expect(codeOf(() => parseInvocation({ ...env, netns: 'relative' }, 'ADD', base))).toBe(ErrorCode.InvalidEnvironment);
    expect(codeOf(() => parseArgs('novalue'))).toBe(ErrorCode.InvalidEnvironment);
  });

  it('DEL needs no netns; defaults and string booleans', () => {
    const inv = parseInvocation({ ...env, command: 'DEL', netns: undefined }, 'DEL', { ...base, ipam: { assign_ipv6: 'true' } });
    expect(inv.netns).toBeUndefined();
    expect(inv.conf).toMatchObject({ routes: ['0.0.0.0/0', '::/0'], assignIpv4: true, assignIpv6: true, interfacePrefix: 'cali' });
    expect(inv.args.get('K8S_POD_NAME')).toBe('b');
    expect(parseNetConf({ ...base, routes: [{ dst: '100.64.0.0/10' }] }, 'ADD').routes).toEqual(['100.64.0.0/10']);
  });

  it('replies in the configuration version when it is one we speak', () => {
    expect(replyVersion({ cniVersion: '0.4.0' })).toBe('0.4.0');
    expect(replyVersion({ cniVersion: '9.9.9' })).toBe('1.1.0');
    expect(replyVersion(undefined)).toBe('1.1.0');
  });
});

describe('CNI results', () => {
  const r = { interfaces: [{ name: 'caliX', mac: 'ee:ee:ee:ee:ee:ee' }], ips: [{ address: '100.64.0.1/32', interface: 0 }, { address: '2001:db8::1/128', interface: 0 }], routes: [] };
  it('0.3.x/0.4.0 carry the IP version, 1.0.0 does not', () => {
    expect((encodeResult('0.4.0', r).ips as { version?: string }[]).map((i) => i.version)).toEqual(['4', '6']);
    expect((encodeResult('1.0.0', r).ips as { version?: string }[]).map((i) => i.version)).toEqual([undefined, undefined]);
    expect(encodeResult('1.1.0', r)).toMatchObject({ cniVersion: '1.1.0', interfaces: r.interfaces, routes: [], dns: {} });
  });
  it('orders versions numerically', () => {
    expect(compareVersions('0.10.0', '0.4.0')).toBe(1);
    expect([...SUPPORTED_VERSIONS].sort(compareVersions)).toEqual([...SUPPORTED_VERSIONS]);
  });
});
