// bgpd's config loader for the per-peer TCP options: password (TCP-MD5,
// RFC 2385), ttlSecurity (GTSM, RFC 5082) and multihop, with file:line errors.

import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const base = (peerExtra: string) => `routerId: 198.18.0.1
asn: 65000
peers:
  - name: tor
    address: 198.18.1.1
    asn: 65001
${peerExtra}`;

function problems(text: string): string[] {
  try {
    loadConfig('bgpd.yaml', text);
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('bgpd config: TCP-MD5, GTSM, multihop', () => {
  it('takes password, ttlSecurity and multihop per peer', () => {
    const c = loadConfig('bgpd.yaml', base('    password: "s3cret key"\n    ttlSecurity: 2\n'));
    expect(c.speaker.peers[0]).toMatchObject({ password: 's3cret key', ttlSecurity: 2 });
    expect(loadConfig('bgpd.yaml', base('    multihop: 3\n')).speaker.peers[0]).toMatchObject({ multihop: 3 });
    expect(loadConfig('bgpd.yaml', base('')).speaker.peers[0]!.password).toBeUndefined();
  });

  it('reports bad values at their line', () => {
    expect(problems(base(`    password: "${'k'.repeat(81)}"\n`))).toEqual(['bgpd.yaml:7: peers[0].password: must be at most 80 bytes (TCP-MD5 key, RFC 2385; got 81)']);
    expect(problems(base('    password: 12345\n'))).toEqual(['bgpd.yaml:7: peers[0].password: must be a non-empty string (quote it in YAML; got number)']);
    expect(problems(base('    ttlSecurity: 255\n'))[0]).toBe('bgpd.yaml:7: peers[0].ttlSecurity: must be a hop count from 1 to 254 (GTSM, RFC 5082; 1 = directly connected) (got 255)');
    expect(problems(base('    multihop: 0\n'))[0]).toBe('bgpd.yaml:7: peers[0].multihop: must be a TTL from 1 to 255 (got 0)');
    expect(problems(base('    ttlSecurity: 1\n    multihop: 2\n'))[0]).toMatch(/^bgpd\.yaml:8: peers\[0\]\.multihop: cannot be combined with ttlSecurity/);
  });
});
