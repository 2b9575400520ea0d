import { describe, expect, it } from 'vitest';
import { ChainHasher } from './desired.js';
import { PolicyRuleCache } from './policy-rules.js';
import { DEFAULT_POLICY_CONFIG, type NetworkPolicy, type PolicyModel } from './model.js';
import { commentHash, ipsetName, policyChainName, ruleHashes, chainName } from './names.js';
import { render } from './render.js';
import { policyErrors } from './validate.js';

const model = (policies: NetworkPolicy[]): PolicyModel => ({
  namespaces: [{ name: 'prod', labels: { env: 'prod' } }, { name: 'dev', labels: { env: 'dev' } }],
  endpoints: [
    { key: 'web', namespace: 'prod', pod: 'web', ifname: 'cali1111111111a', ipv4: ['100.64.0.1'], ipv6: ['2001:db8:100::1'], labels: { app: 'web' }, ports: [{ name: 'http', port: 8080 }] },
    { key: 'db', namespace: 'prod', pod: 'db', ifname: 'cali2222222222b', ipv4: ['100.64.0.2'], ipv6: [], labels: { app: 'db' }, ports: [{ name: 'http', port: 9090 }] },
    // a pod on another node: only feeds sets
    { key: 'remote', namespace: 'dev', pod: 'client', ipv4: ['100.64.9.9'], ipv6: [], labels: { app: 'client' } },
  ],
  policies, pools: [],
});
const pol = (name: string, spec: NetworkPolicy['spec']): NetworkPolicy => ({ namespace: 'prod', name, spec });
const M = '-j MARK --set-xmark 0x10000/0x10000';

describe('rendering', () => {
  it('golden: selectors, ipBlock except, named port, endPort, UDP in an ingress policy', () => {
    const p = pol('p', { podSelector: { matchLabels: { app: 'db' } }, ingress: [
      { from: [{ namespaceSelector: { matchLabels: { env: 'dev' } }, podSelector: { matchLabels: { app: 'client' } } }, { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }],
        ports: [{ port: 'http' }, { protocol: 'UDP', port: 7000, endPort: 7010 }] },
      {},
    ] });
    const d = render(model([p]), DEFAULT_POLICY_CONFIG);
    const podsSet = ipsetName(4, 's', 'pods nssel=env == "dev" pods=app == "client"');
    const netSet = ipsetName(4, 'n', 'net 10.0.0.0/8 except 10.1.0.0/16');
    const portSet = ipsetName(4, 'p', 'port TCP:http of ns="prod" pods=app == "db"');
    expect(d.chains[4].filter.get(policyChainName('in', 'prod', 'p'))?.rules).toEqual([
      `-m set --match-set ${podsSet} src -p tcp -m set --match-set ${portSet} dst,dst ${M}`,
      `-m set --match-set ${podsSet} src -p udp --dport 7000:7010 ${M}`,
      `-m set --match-set ${netSet} src -p tcp -m set --match-set ${portSet} dst,dst ${M}`,
      `-m set --match-set ${netSet} src -p udp --dport 7000:7010 ${M}`,
      M, // the empty rule allows everything
    ]);
    expect([...d.sets.get(podsSet)?.members ?? []]).toEqual(['100.64.9.9']);
    expect([...d.sets.get(netSet)?.members ?? []]).toEqual(['10.0.0.0/8', '10.1.0.0/16 nomatch']);
    // the named port resolves on the selected pod (db: http = 9090), not on web (8080)
    expect([...d.sets.get(portSet)?.members ?? []]).toEqual(['100.64.0.2,tcp:9090']);
    // IPv6: the IPv4 ipBlock matches nothing, so its rules are absent
    expect(d.chains[6].filter.get(policyChainName('in', 'prod', 'p'))?.rules).toHaveLength(3);
  });

  it('golden: endpoint chains, dispatch, default deny and unselected directions', () => {
    const d = render(model([pol('deny', { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'] })]), DEFAULT_POLICY_CONFIG);
    const f = d.chains[4].filter;
    const pi = policyChainName('in', 'prod', 'deny');
    expect(f.get('cali-tw-cali2222222222b')?.rules).toEqual([
      '-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT', '-m conntrack --ctstate INVALID -j DROP',
      '-j MARK --set-xmark 0x0/0x10000', `-j ${pi}`, '-m mark --mark 0x10000/0x10000 -j RETURN', '-j DROP',
    ]);
    expect(f.get(pi)?.rules).toEqual([]);
    expect(f.get('cali-fw-cali2222222222b')?.rules).toEqual(['-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT', '-m conntrack --ctstate INVALID -j DROP']);
    expect(f.get('cali-tw-cali1111111111a')?.rules).toHaveLength(2);
    expect(f.get('cali-from-wl-dispatch')?.rules).toEqual([
      '-i cali1111111111a -g cali-fw-cali1111111111a', '-i cali2222222222b -g cali-fw-cali2222222222b', '-j DROP']);
    expect(f.get('cali-FORWARD')?.rules).toEqual(['-i cali+ -j cali-from-wl-dispatch', '-o cali+ -j cali-to-wl-dispatch', '-i cali+ -j ACCEPT', '-o cali+ -j ACCEPT']);
    expect(f.get('cali-INPUT')?.rules).toEqual(['-i cali+ -g cali-wl-to-host',
      '-p tcp -m multiport --dports 22,179,2379,2380,5473,6443,6666,6667 -j ACCEPT', '-p udp -m multiport --dports 68 -j ACCEPT']);
    expect(d.chains[4].nat.get('cali-nat-outgoing')?.rules).toEqual([]);
  });

  it('egress: named port resolves on the peer pods; policyTypes default from the spec', () => {
    const p = pol('out', { podSelector: { matchLabels: { app: 'web' } }, egress: [{ to: [{ podSelector: { matchLabels: { app: 'db' } } }], ports: [{ port: 'http' }] }] });
    const d = render(model([p]), DEFAULT_POLICY_CONFIG);
    const portSet = ipsetName(4, 'p', 'port TCP:http of ns="prod" pods=app == "db"');
    expect(d.chains[4].filter.get(policyChainName('out', 'prod', 'out'))?.rules).toEqual([`-p tcp -m set --match-set ${portSet} dst,dst ${M}`]);
    expect([...d.sets.get(portSet)?.members ?? []]).toEqual(['100.64.0.2,tcp:9090']);
    // egress present and no policyTypes: Ingress and Egress both apply
    expect(d.chains[4].filter.has(policyChainName('in', 'prod', 'out'))).toBe(true);
  });

  it('NAT outgoing from natOutgoing pools to outside all pools', () => {
    const m = { ...model([]), pools: [{ cidr: '100.64.0.0/16', natOutgoing: true }, { cidr: '100.65.0.0/16', natOutgoing: false }] };
    const d = render(m, DEFAULT_POLICY_CONFIG);
    const masq = ipsetName(4, 'm', 'pools masq'); const all = ipsetName(4, 'm', 'pools all');
    expect(d.chains[4].nat.get('cali-nat-outgoing')?.rules).toEqual([`-m set --match-set ${masq} src -m set ! --match-set ${all} dst -j MASQUERADE`]);
    expect([...d.sets.get(all)?.members ?? []]).toEqual(['100.64.0.0/16', '100.65.0.0/16']);
    expect(d.chains[6].nat.get('cali-nat-outgoing')?.rules).toEqual([]);
  });

  it('fails closed for the pods of an invalid policy, and for the whole namespace when its podSelector is invalid', () => {
    const bad = pol('bad', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ ports: [{ port: 'http', endPort: 9000 }] }] });
    const d = render(model([bad]), DEFAULT_POLICY_CONFIG);
    expect(d.failures).toEqual([{ kind: 'policy', key: 'prod/bad', endpoints: ['web'], errors: ['NetworkPolicy prod/bad: spec.ingress[0].ports[0].endPort: cannot be used with a named port (http)'] }]);
    expect(d.chains[4].filter.get('cali-tw-cali1111111111a')?.rules).toEqual(['-j DROP']);
    expect(d.chains[6].filter.get('cali-fw-cali1111111111a')?.rules).toEqual(['-j DROP']);
    expect(d.chains[4].filter.get('cali-tw-cali2222222222b')?.rules).toHaveLength(2);
    const worse = pol('worse', { podSelector: { matchExpressions: [{ key: 'app', operator: 'In' }] } });
    const d2 = render(model([worse]), DEFAULT_POLICY_CONFIG);
    expect(d2.failures[0]?.endpoints.sort()).toEqual(['db', 'web']);
  });

  it('cached policy rules re-request their sets, so members follow the endpoints', () => {
    const p = pol('p', { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'db' } } }] }] });
    const hasher = new ChainHasher(); const cache = new PolicyRuleCache();
    const m = model([p]);
    const a = render(m, DEFAULT_POLICY_CONFIG, hasher, cache);
    const moved = { ...m, endpoints: m.endpoints.map((e) => (e.key === 'web' ? { ...e, labels: { app: 'db' } } : e)) };
    const b = render(moved, DEFAULT_POLICY_CONFIG, hasher, cache);
    expect([...b.chains[4].filter.get(policyChainName('in', 'prod', 'p'))?.rules ?? []]).toEqual([...a.chains[4].filter.get(policyChainName('in', 'prod', 'p'))?.rules ?? []]);
    const set = ipsetName(4, 's', 'pods ns="prod" pods=app == "db"');
    expect([...a.sets.get(set)?.members ?? []]).toEqual(['100.64.0.2']);
    expect([...b.sets.get(set)?.members ?? []].sort()).toEqual(['100.64.0.1', '100.64.0.2']);
  });

  it('is deterministic', () => {
    const p = pol('p', { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'db' } } }] }] });
    const a = render(model([p]), DEFAULT_POLICY_CONFIG); const b = render(model([p]), DEFAULT_POLICY_CONFIG);
    expect([...a.chains[4].filter.values()]).toEqual([...b.chains[4].filter.values()]);
    expect([...a.sets.keys()]).toEqual([...b.sets.keys()]);
  });
});

describe('validation', () => {
  const errs = (spec: NetworkPolicy['spec']) => policyErrors(pol('v', spec));
  it('ports, endPort, protocols and peers', () => {
    expect(errs({ podSelector: {}, ingress: [{ ports: [{ port: 80, endPort: 79 }] }] })[0]).toMatch(/endPort: 79 must be a port number ≥ port 80/);
    expect(errs({ podSelector: {}, ingress: [{ ports: [{ endPort: 80 }] }] })[0]).toMatch(/endPort: needs a port/);
    expect(errs({ podSelector: {}, ingress: [{ ports: [{ port: 0 }] }] })[0]).toMatch(/neither a port number/);
    expect(errs({ podSelector: {}, ingress: [{ ports: [{ port: 'Not_Valid' }] }] })[0]).toMatch(/neither a port number/);
    expect(errs({ podSelector: {}, ingress: [{ ports: [{ protocol: 'ICMP' as 'TCP' }] }] })[0]).toMatch(/unsupported protocol "ICMP"/);
    expect(errs({ podSelector: {}, egress: [{ to: [{}] }] })[0]).toMatch(/needs podSelector, namespaceSelector or ipBlock/);
    expect(errs({ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }] }] })[0]).toMatch(/cannot be combined/);
    expect(errs({ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['11.0.0.0/16'] } }] }] })[0]).toMatch(/not strictly inside/);
    expect(errs({ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.0.0.0/8'] } }] }] })[0]).toMatch(/not strictly inside/);
    expect(errs({ podSelector: {}, policyTypes: ['Sideways' as 'Ingress'] })[0]).toMatch(/unknown type "Sideways"/);
    expect(errs({ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }], ports: [{ port: 'http' }, { port: 1, endPort: 65535, protocol: 'SCTP' }] }] })).toEqual([]);
  });
});

describe('names and hashes', () => {
  it('chained rule hashes: a change at rule i changes the hashes from i on, nothing before', () => {
    const a = ruleHashes('cali-x', ['r1', 'r2', 'r3']);
    const b = ruleHashes('cali-x', ['r1', 'R2', 'r3']);
    expect(a[0]).toBe(b[0]);
    expect(a[1]).not.toBe(b[1]);
    expect(a[2]).not.toBe(b[2]);
    expect(ruleHashes('cali-y', ['r1'])[0]).not.toBe(a[0]);
    expect(a.every((h) => /^[A-Za-z0-9_-]{16}$/.test(h))).toBe(true);
  });
  it('names fit the kernel limits; comment hashes are read back from iptables-save lines', () => {
    expect(policyChainName('in', 'a-very-long-namespace-name', 'and-a-very-long-policy-name').length).toBeLessThanOrEqual(28);
    expect(chainName('tw', 'calixxxxxxxxxxxxxxxxxxxxx').length).toBe(28);
    expect(chainName('tw', 'cali123')).toBe('cali-tw-cali123');
    expect(ipsetName(6, 's', 'x').length).toBeLessThanOrEqual(31);
    expect(commentHash('-A cali-FORWARD -i cali+ -m comment --comment "cali:HdI_BGXOmADrkfAg" -j ACCEPT')).toBe('HdI_BGXOmADrkfAg');
    expect(commentHash('-A FORWARD -m comment --comment "something else" -j ACCEPT')).toBeUndefined();
  });
});
