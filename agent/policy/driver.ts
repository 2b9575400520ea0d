// The NetworkPolicy driver's API for the calculation graph: a keyed store of
// the inputs (endpoints, namespaces, policies, pools), markInSync(), and
// apply(), which re-renders the whole desired state (cheap, pure; unchanged
// chains reuse their hashes) and lets the applier write only the differences.
// Every call to apply() returns what it did and which inputs failed (and so
// made their endpoints fail closed).
import { PolicyApplier, type ApplierOptions, type ApplyStats } from './applier.js';
import { ChainHasher, type DesiredState, type RenderFailure } from './desired.js';
import { DEFAULT_POLICY_CONFIG, type Endpoint, type Namespace, type NetworkPolicy, type PolicyConfig, type PolicyModel, type Pool } from './model.js';
import { PolicyRuleCache } from './policy-rules.js';
import { render } from './render.js';

export interface PolicyDriverOptions extends ApplierOptions {
  config?: Partial<PolicyConfig>;
}

export interface ApplyResult extends ApplyStats {
  renderMs: number;
  failures: RenderFailure[];
}

export class PolicyDriver {
  readonly config: PolicyConfig;
  private readonly applier: PolicyApplier;
  private readonly hasher = new ChainHasher();
  private readonly ruleCache = new PolicyRuleCache();
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly namespaces = new Map<string, Namespace>();
  private readonly policies = new Map<string, NetworkPolicy>();
  private pools: Pool[] = [];
  private desiredState: DesiredState | undefined;

  constructor(opts: PolicyDriverOptions) {
    this.config = { ...DEFAULT_POLICY_CONFIG, ...opts.config };
    this.applier = new PolicyApplier(opts);
  }

  private dirty(): void { this.desiredState = undefined; }

  setEndpoint(ep: Endpoint): void { this.endpoints.set(ep.key, ep); this.dirty(); }
  removeEndpoint(key: string): void { if (this.endpoints.delete(key)) this.dirty(); }
  setNamespace(ns: Namespace): void { this.namespaces.set(ns.name, ns); this.dirty(); }
  removeNamespace(name: string): void { if (this.namespaces.delete(name)) this.dirty(); }
  setPolicy(p: NetworkPolicy): void { this.policies.set(`${p.namespace}/${p.name}`, p); this.dirty(); }
  removePolicy(namespace: string, name: string): void { if (this.policies.delete(`${namespace}/${name}`)) this.dirty(); }
  setPools(pools: Pool[]): void { this.pools = [...pools]; this.dirty(); }

  /** Replaces every input at once. */
  setModel(m: PolicyModel): void {
    this.endpoints.clear(); this.namespaces.clear(); this.policies.clear();
    for (const e of m.endpoints) this.endpoints.set(e.key, e);
    for (const n of m.namespaces) this.namespaces.set(n.name, n);
    for (const p of m.policies) this.policies.set(`${p.namespace}/${p.name}`, p);
    this.pools = [...m.pools];
    this.dirty();
  }

  model(): PolicyModel {
    return { endpoints: [...this.endpoints.values()], namespaces: [...this.namespaces.values()], policies: [...this.policies.values()], pools: [...this.pools] };
  }

  /** The datastore is in sync: deletions of stale chains and sets are allowed from now on. */
  markInSync(): void { this.applier.markInSync(); }
  get inSync(): boolean { return this.applier.inSync; }

  desired(): DesiredState {
    this.desiredState ??= render(this.model(), this.config, this.hasher, this.ruleCache);
    return this.desiredState;
  }

  async apply(): Promise<ApplyResult> {
    const t0 = performance.now();
    const d = this.desired();
    const renderMs = performance.now() - t0;
    return { ...await this.applier.apply(d), renderMs, failures: d.failures };
  }

  /** Reads the kernel back and re-applies (periodic resync; Calico: every 90-180 s). */
  async resync(): Promise<ApplyResult> {
    this.applier.invalidate();
    return this.apply();
  }
}
