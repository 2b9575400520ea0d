// bgpd's config loader: every mistake is reported as file:line: field: problem,
// all of them at once, and a good file gives the SpeakerConfig with defaults.

import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const GOOD = `routerId: 198.18.0.1
asn: 65000
listen: [{ address: 127.0.0.1, port: 1179 }]
peers:
  - name: tor
    address: 198.18.1.1
    asn: "1.10"
    export: out
policies:
  - name: out
    default: reject
    statements:
      - match: { prefixes: [{ prefix: 100.64.0.0/10, ge: 26, le: 32 }] }
        actions: { accept: true }
originate:
  - prefix: 100.64.0.0/26
`;

function problems(text: string): string[] {
  try {
    loadConfig('bgpd.yaml', text);
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('bgpd config', () => {
  it('accepts a good file and fills in the defaults', () => {
    const c = loadConfig('bgpd.yaml', GOOD);
    expect(c.speaker.peers[0]).toMatchObject({ name: 'tor', asn: 65546, port: 179, holdTime: 90, connectRetryTime: 5, families: ['ipv4-unicast'], export: 'out' });
    expect(c.speaker.listen).toEqual([{ address: '127.0.0.1', port: 1179 }]);
  });

  it('reports file, line and field for each mistake, all at once', () => {
    const bad = GOOD.replace('asn: 65000', 'asn: 0').replace('    address: 198.18.1.1', '    address: 198.18.1.300\n    holdTime: 2');
    const p = problems(bad);
    expect(p).toContain('bgpd.yaml:2: asn: must be an AS number 1..4294967295 (or asdot "1.10") (got 0)');
    expect(p.some((x) => x.startsWith('bgpd.yaml:6: peers[0].address: must be an IPv4 or IPv6 address'))).toBe(true);
    expect(p.some((x) => x.startsWith('bgpd.yaml:7: peers[0].holdTime: must be 0 or between 3 and 65535'))).toBe(true);
  });

  it('names an undefined policy and an unknown field', () => {
    const p = problems(GOOD.replace('export: out', 'export: missing\n    holdtime: 30'));
    expect(p).toContain('bgpd.yaml:8: peers[0].export: policy "missing" is not defined under policies');
    expect(p.some((x) => x.startsWith('bgpd.yaml:9: peers[0].holdtime: unknown field'))).toBe(true);
  });

  it('reports policy problems at their line', () => {
    const p = problems(GOOD.replace('ge: 26, le: 32', 'ge: 26, le: 33'));
    expect(p.some((x) => /^bgpd\.yaml:13: policies\[0\]\.statements\[0\]\.match\.prefixes\[0\]\.le: /.test(x))).toBe(true);
  });

  it('reports YAML syntax errors with a line', () => {
    const p = problems('routerId: 198.18.0.1\npeers: [\n');
    expect(p[0]).toMatch(/^bgpd\.yaml:\d+: YAML syntax: /);
  });

  it('rejects duplicate peers', () => {
    const p = problems(`routerId: 198.18.0.1
asn: 65000
peers:
  - { name: tor, address: 198.18.1.1, asn: 65001 }
  - { name: tor, address: 198.18.1.1, asn: 65002 }
`);
    expect(p).toContain('bgpd.yaml:5: peers[1].name: duplicate peer name tor');
    expect(p).toContain('bgpd.yaml:5: peers[1].address: duplicate peer address 198.18.1.1');
  });

  it('route reflection: routeReflectorClient, clusterId and clientToClientReflection', () => {
    const rr = `routerId: 198.18.0.1
asn: 65000
clusterId: 10.255.0.1
clientToClientReflection: false
peers:
  - { name: c1, address: 198.18.1.1, asn: 65000, routeReflectorClient: true }
  - { name: n1, address: 198.18.1.2, asn: 65000 }
`;
    const c = loadConfig('bgpd.yaml', rr);
    expect(c.speaker).toMatchObject({ clusterId: '10.255.0.1', clientToClientReflection: false });
    expect(c.speaker.peers[0]!.routeReflectorClient).toBe(true);
    expect(c.speaker.peers[1]!.routeReflectorClient).toBeUndefined();
    expect(loadConfig('bgpd.yaml', GOOD).speaker.clusterId).toBeUndefined();
    const p = problems(rr.replace('clusterId: 10.255.0.1', 'clusterId: 10.255.0.300').replace('clientToClientReflection: false', 'clientToClientReflection: no')
      .replace('routeReflectorClient: true', 'routeReflectorClient: "yes"'));
    expect(p).toContain('bgpd.yaml:3: clusterId: must be a dotted-quad IPv4 address (got "10.255.0.300")');
    expect(p).toContain('bgpd.yaml:4: clientToClientReflection: must be true or false (got "no")');
    expect(p).toContain('bgpd.yaml:6: peers[0].routeReflectorClient: must be true or false (got "yes")');
    expect(problems(rr.replace('asn: 65000, routeReflectorClient', 'asn: 65001, routeReflectorClient')))
      .toContain('bgpd.yaml:6: peers[0].routeReflectorClient: only an iBGP peer (asn 65000) can be a route-reflector client');
  });
});
