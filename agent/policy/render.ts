// The pure renderer: PolicyModel → DesiredState (ipsets and chains per family
// and table). Layout (Calico's, REFERENCE.md "Policy (iptables)"):
//   FORWARD → cali-FORWARD: -i cali+ → cali-from-wl-dispatch, -o cali+ →
//     cali-to-wl-dispatch (goto per interface to cali-fw-<if> / cali-tw-<if>,
//     unknown cali* interfaces dropped), then accept what came back;
//   INPUT → cali-INPUT: workload traffic to the host through its egress policy
//     (cali-wl-to-host), then the failsafe ports accepted;
//   POSTROUTING (nat) → cali-POSTROUTING → cali-nat-outgoing: MASQUERADE from
//     natOutgoing pools to destinations outside every pool.
// Endpoint chains: accept ESTABLISHED,RELATED, drop INVALID; when policies
// select the endpoint in that direction: clear the accept mark, each policy
// chain in name order followed by "return if marked", then DROP (default
// deny). Fail closed: an endpoint selected by a policy that cannot be
// rendered, or itself invalid, gets chains that drop everything.
import { parseCidr } from '../net/cidr.js';
import { ChainHasher, emptyChains, type DesiredState, type Hook, type RenderFailure } from './desired.js';
import type { Endpoint, Family, NetworkPolicy, PolicyConfig, PolicyModel } from './model.js';
import { NAMESPACE_NAME_LABEL } from './model.js';
import { chainName, endpointChainName, policyChainName } from './names.js';
import { PolicyRuleCache } from './policy-rules.js';
import { matches } from './selector.js';
import { SetBuilder } from './sets.js';
import { endpointErrors, policyErrors, policyTypesOf } from './validate.js';

export const TOP = {
  forward: 'cali-FORWARD', input: 'cali-INPUT', postrouting: 'cali-POSTROUTING',
  fromDispatch: 'cali-from-wl-dispatch', toDispatch: 'cali-to-wl-dispatch', wlToHost: 'cali-wl-to-host', natOutgoing: 'cali-nat-outgoing',
} as const;

export const HOOKS: Hook[] = [
  { table: 'filter', base: 'FORWARD', target: TOP.forward },
  { table: 'filter', base: 'INPUT', target: TOP.input },
  { table: 'nat', base: 'POSTROUTING', target: TOP.postrouting },
];

interface LocalEndpoint { ep: Endpoint; ifname: string; ingress: NetworkPolicy[]; egress: NetworkPolicy[]; failClosed: boolean }

const byName = (a: NetworkPolicy, b: NetworkPolicy) => (a.namespace === b.namespace ? (a.name < b.name ? -1 : 1) : a.namespace < b.namespace ? -1 : 1);

/** Renders the whole desired state. Pass the same hasher and rule cache between renders to skip unchanged work. */
export function render(model: PolicyModel, config: PolicyConfig, hasher = new ChainHasher(), ruleCache = new PolicyRuleCache()): DesiredState {
  const failures: RenderFailure[] = [];
  const nsLabels = new Map(model.namespaces.map((n) => [n.name, { ...n.labels, [NAMESPACE_NAME_LABEL]: n.name }]));
  const valid: Endpoint[] = [];
  const local = new Map<string, LocalEndpoint>();
  for (const ep of model.endpoints) {
    const errors = endpointErrors(ep, config);
    if (errors.length === 0) valid.push(ep);
    else failures.push({ kind: 'endpoint', key: ep.key, errors, endpoints: ep.ifname ? [ep.key] : [] });
    if (ep.ifname !== undefined && /^[A-Za-z0-9_.-]{1,15}$/.test(ep.ifname) && ep.ifname.startsWith(config.interfacePrefix)) {
      local.set(ep.key, { ep, ifname: ep.ifname, ingress: [], egress: [], failClosed: errors.length > 0 });
    }
  }
  const rendered: NetworkPolicy[] = [];
  for (const p of [...model.policies].sort(byName)) {
    const errors = policyErrors(p);
    const selOk = !errors.some((e) => e.includes('spec.podSelector'));
    const selected = [...local.values()].filter((l) => l.ep.namespace === p.namespace && (!selOk || matches(p.spec.podSelector, l.ep.labels)));
    if (errors.length) {
      for (const l of selected) l.failClosed = true;
      failures.push({ kind: 'policy', key: `${p.namespace}/${p.name}`, errors, endpoints: selected.map((l) => l.ep.key) });
      continue;
    }
    const types = policyTypesOf(p);
    for (const l of selected) {
      if (types.ingress) l.ingress.push(p);
      if (types.egress) l.egress.push(p);
    }
    if (selected.length) rendered.push(p);
  }

  const pools = model.pools.flatMap((p) => {
    try { return [{ ...p, family: parseCidr(p.cidr, true).family }]; } catch (e) {
      failures.push({ kind: 'pool', key: p.cidr, errors: [`IPPool ${p.cidr}: ${(e as Error).message}`], endpoints: [] });
      return [];
    }
  });
  const sets = new SetBuilder(valid, nsLabels);
  const chains = emptyChains();
  const mark = `0x${config.acceptMark.toString(16)}`;
  const endpoints = [...local.values()].sort((a, b) => (a.ifname < b.ifname ? -1 : 1));
  const wl = `${config.interfacePrefix}+`;
  for (const family of [4, 6] as Family[]) {
    const filter = chains[family].filter;
    const put = (name: string, rules: string[]) => filter.set(name, hasher.chain(name, rules));
    for (const p of rendered) {
      const types = policyTypesOf(p);
      if (types.ingress) put(policyChainName('in', p.namespace, p.name), ruleCache.rules(p, 'ingress', family, sets, config.acceptMark));
      if (types.egress) put(policyChainName('out', p.namespace, p.name), ruleCache.rules(p, 'egress', family, sets, config.acceptMark));
    }
    for (const l of endpoints) {
      for (const dir of ['tw', 'fw'] as const) {
        const pols = dir === 'tw' ? l.ingress : l.egress;
        const rules: string[] = [];
        if (l.failClosed) rules.push('-j DROP');
        else {
          rules.push('-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT', '-m conntrack --ctstate INVALID -j DROP');
          if (pols.length) {
            rules.push(`-j MARK --set-xmark 0x0/${mark}`);
            for (const p of pols) rules.push(`-j ${policyChainName(dir === 'tw' ? 'in' : 'out', p.namespace, p.name)}`, `-m mark --mark ${mark}/${mark} -j RETURN`);
            rules.push('-j DROP');
          }
        }
        put(endpointChainName(dir, l.ifname), rules);
      }
    }
    put(TOP.fromDispatch, [...endpoints.map((l) => `-i ${l.ifname} -g ${endpointChainName('fw', l.ifname)}`), '-j DROP']);
    put(TOP.toDispatch, [...endpoints.map((l) => `-o ${l.ifname} -g ${endpointChainName('tw', l.ifname)}`), '-j DROP']);
    put(TOP.forward, [
      `-i ${wl} -j ${TOP.fromDispatch}`, `-o ${wl} -j ${TOP.toDispatch}`,
      `-i ${wl} -j ACCEPT`, `-o ${wl} -j ACCEPT`,
    ]);
    put(TOP.wlToHost, [`-j ${TOP.fromDispatch}`, `-j ${config.endpointToHostAction}`]);
    const failsafe = (proto: 'TCP' | 'UDP') => {
      const ports = [...new Set(config.failsafeInbound.filter((f) => f.protocol === proto).map((f) => f.port))].sort((a, b) => a - b);
      // multiport takes at most 15 ports per rule
      const out: string[] = [];
      for (let i = 0; i < ports.length; i += 15) out.push(`-p ${proto.toLowerCase()} -m multiport --dports ${ports.slice(i, i + 15).join(',')} -j ACCEPT`);
      return out;
    };
    put(TOP.input, [`-i ${wl} -g ${TOP.wlToHost}`, ...failsafe('TCP'), ...failsafe('UDP')]);

    const nat = chains[family].nat;
    const putNat = (name: string, rules: string[]) => nat.set(name, hasher.chain(name, rules));
    const masq = pools.filter((p) => p.natOutgoing && p.family === family).map((p) => p.cidr);
    const natRules = masq.length
      ? [`-m set --match-set ${sets.pools(family, 'masq', masq)} src -m set ! --match-set ${sets.pools(family, 'all', pools.map((p) => p.cidr))} dst -j MASQUERADE`]
      : [];
    putNat(TOP.natOutgoing, natRules);
    putNat(TOP.postrouting, [`-j ${TOP.natOutgoing}`]);
  }
  hasher.generation();
  return { sets: sets.sets, chains, hooks: HOOKS, failures };
}

/** The chain names used for one endpoint's interface (for tests and status). */
export const endpointChains = (ifname: string): string[] => [endpointChainName('tw', ifname), endpointChainName('fw', ifname)];
export { chainName };
