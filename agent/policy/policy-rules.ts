// One NetworkPolicy direction → the rules of its chain (cali-pi-* for
// ingress, cali-po-* for egress) in one IP family. Kubernetes semantics: the
// rules of a policy are ORed; inside a rule, peers are ORed and ports are
// ORed, so every (peer, port) pair is one iptables rule; no peers = any peer,
// no ports = any port. A match sets the accept mark; the endpoint chain
// returns when the mark is set. An empty chain allows nothing (default deny).
// Peers: podSelector alone = pods of the policy's namespace; namespaceSelector
// alone = all pods of matching namespaces; both = matching pods in matching
// namespaces; ipBlock = CIDR minus except (a hash:net set with nomatch holes).
// Named ports resolve on the destination pod: for ingress the selected pods
// themselves, for egress the peer pods (or every pod when the peer is any or
// an ipBlock) — through hash:ip,port sets, so pods may disagree on numbers.
import type { Family, NetworkPolicy, PolicyPeer, PolicyPort, Protocol } from './model.js';
import { ALL_PODS, type PodScope, type SetBuilder } from './sets.js';

/** The set requests a policy's rules make (recorded, so cached rules can re-request them from a new SetBuilder). */
type RuleSets = Pick<SetBuilder, 'pods' | 'ipBlock' | 'namedPort'>;
type SetCall = { [K in keyof RuleSets]: [K, Parameters<RuleSets[K]>] }[keyof RuleSets];

/**
 * Rendered rules per policy object, direction and family. A policy's rules depend only on its spec (set names hash
 * meanings, not members), so an unchanged policy object is not rendered again; its set requests are replayed so the
 * sets get current members.
 */
export class PolicyRuleCache {
  private cache = new WeakMap<NetworkPolicy, Map<string, { rules: string[]; calls: SetCall[] }>>();

  rules(p: NetworkPolicy, dir: Direction, family: Family, sets: SetBuilder, acceptMark: number): string[] {
    let perPolicy = this.cache.get(p);
    if (!perPolicy) { perPolicy = new Map(); this.cache.set(p, perPolicy); }
    const key = `${dir} ${family} ${acceptMark}`;
    const hit = perPolicy.get(key);
    if (hit) {
      for (const [m, args] of hit.calls) (sets[m] as (...a: unknown[]) => unknown).apply(sets, args);
      return hit.rules;
    }
    const calls: SetCall[] = [];
    const recorder: RuleSets = {
      pods: (...a) => { calls.push(['pods', a]); return sets.pods(...a); },
      ipBlock: (...a) => { calls.push(['ipBlock', a]); return sets.ipBlock(...a); },
      namedPort: (...a) => { calls.push(['namedPort', a]); return sets.namedPort(...a); },
    };
    const rules = policyRules(p, dir, family, recorder, acceptMark);
    perPolicy.set(key, { rules, calls });
    return rules;
  }
}

export type Direction = 'ingress' | 'egress';

function peerScope(peer: PolicyPeer, policyNs: string): PodScope | undefined {
  if (peer.ipBlock) return undefined;
  return peer.namespaceSelector !== undefined
    ? { namespaceSelector: peer.namespaceSelector, podSelector: peer.podSelector ?? {} }
    : { namespace: policyNs, podSelector: peer.podSelector ?? {} };
}

/** Rule specs for one direction of a policy (assumed valid) in one family. */
export function policyRules(p: NetworkPolicy, dir: Direction, family: Family, sets: RuleSets, acceptMark: number): string[] {
  const mark = `0x${acceptMark.toString(16)}`;
  const allow = `-j MARK --set-xmark ${mark}/${mark}`;
  const side = dir === 'ingress' ? 'src' : 'dst';
  const target: PodScope = { namespace: p.namespace, podSelector: p.spec.podSelector };
  const out: string[] = [];
  const rules = dir === 'ingress'
    ? (p.spec.ingress ?? []).map((r) => ({ peers: r.from ?? [], ports: r.ports ?? [] }))
    : (p.spec.egress ?? []).map((r) => ({ peers: r.to ?? [], ports: r.ports ?? [] }));
  for (const rule of rules) {
    const peers: (PolicyPeer | undefined)[] = rule.peers.length ? rule.peers : [undefined];
    const ports: (PolicyPort | undefined)[] = rule.ports.length ? rule.ports : [undefined];
    for (const peer of peers) {
      // an ipBlock of the other family matches nothing in this family
      const block = peer?.ipBlock ? sets.ipBlock(family, peer.ipBlock) : undefined;
      if (peer?.ipBlock && block === undefined) continue;
      const scope = peer ? peerScope(peer, p.namespace) : undefined;
      for (const port of ports) {
        const parts: string[] = [];
        const proto: Protocol = port?.protocol ?? 'TCP';
        const named = typeof port?.port === 'string' ? port.port : undefined;
        if (block) parts.push(`-m set --match-set ${block} ${side}`);
        // for egress to selected pods with a named port, the named-port set already holds only those pods
        if (scope && !(named !== undefined && dir === 'egress')) parts.push(`-m set --match-set ${sets.pods(family, scope)} ${side}`);
        if (port) {
          parts.push(`-p ${proto.toLowerCase()}`);
          if (named !== undefined) {
            const dest = dir === 'ingress' ? target : scope ?? ALL_PODS;
            parts.push(`-m set --match-set ${sets.namedPort(family, dest, proto, named)} dst,dst`);
          } else if (typeof port.port === 'number') {
            parts.push(`--dport ${port.port}${port.endPort !== undefined && port.endPort !== port.port ? `:${port.endPort}` : ''}`);
          }
        }
        parts.push(allow);
        out.push(parts.join(' '));
      }
    }
  }
  return out;
}
