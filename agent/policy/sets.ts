// Desired ipsets, built while rules are rendered: a rule asks for "the pods
// matching this scope" (hash:ip), "this ipBlock" (hash:net with `nomatch`
// holes for except: the most specific prefix decides) or "these pods' named
// port" (hash:ip,port with `ip,proto:port` entries, so one rule covers pods
// whose port of that name has different numbers). Names hash the meaning,
// not the members: membership changes touch only the set, never a chain.
import { canonicalAddr, parseCidr, setEntries } from '../net/cidr.js';
import type { DesiredSet, SetType } from './desired.js';
import type { Endpoint, Family, IPBlock, LabelSelector, Protocol } from './model.js';
import { NAMESPACE_NAME_LABEL } from './model.js';
import { ipsetName, type SetKind } from './names.js';
import { canonicalSelector, matches } from './selector.js';

/** Which pods: those in one namespace, or in every namespace matching a selector; then by pod selector. */
export interface PodScope {
  namespace?: string;
  namespaceSelector?: LabelSelector;
  podSelector: LabelSelector;
}

export const ALL_PODS: PodScope = { namespaceSelector: {}, podSelector: {} };

export class SetBuilder {
  readonly sets = new Map<string, DesiredSet>();
  private readonly scopeCache = new Map<string, Endpoint[]>();

  /** endpoints: valid endpoints of the whole cluster; nsLabels: labels per namespace name. */
  constructor(private readonly endpoints: Endpoint[], private readonly nsLabels: Map<string, Record<string, string>>) {}

  private labelsOf(ns: string): Record<string, string> {
    return this.nsLabels.get(ns) ?? { [NAMESPACE_NAME_LABEL]: ns };
  }

  private scopeMeaning(s: PodScope): string {
    const ns = s.namespace !== undefined ? `ns=${JSON.stringify(s.namespace)}` : `nssel=${canonicalSelector(s.namespaceSelector ?? {})}`;
    return `${ns} pods=${canonicalSelector(s.podSelector)}`;
  }

  /** Endpoints inside a scope (memoised per render). */
  inScope(s: PodScope): Endpoint[] {
    const key = this.scopeMeaning(s);
    let eps = this.scopeCache.get(key);
    if (!eps) {
      eps = this.endpoints.filter((ep) =>
        (s.namespace !== undefined ? ep.namespace === s.namespace : matches(s.namespaceSelector ?? {}, this.labelsOf(ep.namespace))) &&
        matches(s.podSelector, ep.labels));
      this.scopeCache.set(key, eps);
    }
    return eps;
  }

  private add(family: Family, kind: SetKind, type: SetType, meaning: string, fill: () => Iterable<string>): string {
    const name = ipsetName(family, kind, meaning);
    if (!this.sets.has(name)) this.sets.set(name, { name, family, type, members: new Set(fill()) });
    return name;
  }

  private static ips(ep: Endpoint, family: Family): string[] {
    return (family === 4 ? ep.ipv4 : ep.ipv6).map((a) => canonicalAddr(a) ?? a);
  }

  /** hash:ip of the pods in scope. */
  pods(family: Family, s: PodScope): string {
    return this.add(family, 's', 'hash:ip', `pods ${this.scopeMeaning(s)}`, () => this.inScope(s).flatMap((ep) => SetBuilder.ips(ep, family)));
  }

  /** hash:net for an ipBlock of this family: cidr entries plus except entries marked nomatch. */
  ipBlock(family: Family, block: IPBlock): string | undefined {
    const cidr = parseCidr(block.cidr, true);
    if (cidr.family !== family) return undefined;
    const except = (block.except ?? []).map((x) => parseCidr(x, true));
    const meaning = `net ${setEntries(cidr).join(',')} except ${except.flatMap(setEntries).sort().join(',')}`;
    return this.add(family, 'n', 'hash:net', meaning, () => [...setEntries(cidr), ...except.flatMap(setEntries).map((e) => `${e} nomatch`)]);
  }

  /** hash:ip,port of (ip, proto:port) for the pods in scope that have a port with this name and protocol. */
  namedPort(family: Family, s: PodScope, protocol: Protocol, name: string): string {
    return this.add(family, 'p', 'hash:ip,port', `port ${protocol}:${name} of ${this.scopeMeaning(s)}`, () => this.inScope(s).flatMap((ep) => {
      const np = (ep.ports ?? []).find((p) => p.name === name && (p.protocol ?? 'TCP') === protocol);
      return np ? SetBuilder.ips(ep, family).map((ip) => `${ip},${protocol.toLowerCase()}:${np.port}`) : [];
    }));
  }

  /** hash:net of pool CIDRs (all pools, or only those with natOutgoing). */
  pools(family: Family, which: 'all' | 'masq', cidrs: string[]): string {
    return this.add(family, 'm', 'hash:net', `pools ${which}`, () =>
      cidrs.map((c) => parseCidr(c, true)).filter((c) => c.family === family).flatMap(setEntries));
  }
}
