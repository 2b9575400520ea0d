// The node agent (Felix's role): datastore events → cluster state → the
// derivations of calc/derive.ts → the dataplane drivers and the speaker.
// Sequencer (ARCHITECTURE.md rule 8): event handlers only record which
// inputs changed (cheap, synchronous); a flush, coalesced on the next turn of
// the event loop, recomputes the outputs that read them and applies them in
// order: routes (local workloads, blackholes, learned), then the speaker's
// peers and originated prefixes (announced once the local route is in the
// kernel, as BIRD's kernel scan would), then policy (ipsets before the chains
// that use them, inside the driver). Fail closed throughout: a workload
// interface without its endpoint chains is dropped by the dispatch chains, so
// a route programmed before its policy passes no traffic. Cleanup waits for in-sync (datastore, and the speaker's best paths
// when a speaker is linked): before that, nothing of ours is deleted.
// Learned routes: `<prefix> via <next hops>` (ECMP), never for our own
// originated prefixes (the speaker does not report those).

import type { Logger } from 'pino';
import { ClusterState } from './calc/cluster-state.js';
import { bgpAddress, localRoutes, originated, peers, policyModel } from './calc/derive.js';
import type { Datastore, Kind } from './datastore/types.js';
import type { RouteSpec } from './dataplane/routes/spec.js';
import type { RouteTable } from './dataplane/routes/route-table.js';
import type { PolicyDriver } from './policy/index.js';
import type { LearnedRoute, SpeakerLink } from './bgp-link.js';
import { AgentMetrics } from './metrics.js';

const WATCHED: Kind[] = ['Node', 'WorkloadEndpoint', 'Namespace', 'NetworkPolicy', 'IPPool', 'BGPConfiguration', 'BGPPeer', 'IPAMBlock'];

/** Which outputs read which kinds. */
const READS = {
  policy: new Set<Kind>(['WorkloadEndpoint', 'Namespace', 'NetworkPolicy', 'IPPool']),
  routes: new Set<Kind>(['WorkloadEndpoint', 'IPAMBlock']),
  speaker: new Set<Kind>(['Node', 'WorkloadEndpoint', 'IPPool', 'BGPConfiguration', 'BGPPeer', 'IPAMBlock']),
};

export interface AgentOptions {
  readonly nodeName: string;
  readonly datastore: Datastore;
  readonly routes: RouteTable;
  readonly policy: PolicyDriver;
  readonly speaker?: SpeakerLink;
  readonly log: Logger;
  /** Called for each new local workload interface (sysctls). */
  readonly onWorkloadInterface?: (ifname: string) => void;
}

export class Agent {
  readonly state = new ClusterState();
  readonly metrics = new AgentMetrics();
  private readonly dirty = { policy: false, routes: false, speaker: false };
  private flushing: Promise<void> | undefined;
  private again = false;
  private stopWatch: (() => void) | undefined;
  private localRouteKeys = new Set<string>();
  private readonly learned = new Map<string, LearnedRoute>();
  private learnedDirty = new Set<string>();
  private markedInSync = false;
  private speakerInSync: boolean;
  private readonly knownInterfaces = new Set<string>();
  /** The first complete apply after the datastore was in sync. */
  ready = false;

  constructor(private readonly o: AgentOptions) {
    this.speakerInSync = !o.speaker;
  }

  start(): void {
    this.stopWatch = this.o.datastore.watch(WATCHED, (e) => {
      if (e.type === 'error') {
        this.metrics.datastoreErrors++;
        this.o.log.error({ err: e.message }, 'datastore error; keeping the last good state');
        return;
      }
      const kind = this.state.apply(e);
      if (e.type === 'in-sync') {
        this.o.log.info({}, 'datastore in sync');
        this.dirty.policy = this.dirty.routes = this.dirty.speaker = true;
      }
      if (kind) for (const out of ['policy', 'routes', 'speaker'] as const) if (READS[out].has(kind)) this.dirty[out] = true;
      this.schedule();
    });
  }

  /** From the speaker link. */
  learnedRoute(prefix: string, r: LearnedRoute | undefined): void {
    if (r) this.learned.set(prefix, r);
    else this.learned.delete(prefix);
    this.learnedDirty.add(prefix);
    this.schedule();
  }

  speakerSynced(): void {
    this.speakerInSync = true;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopWatch?.();
    await this.flushing;
  }

  private schedule(): void {
    if (this.flushing) {
      this.again = true;
      return;
    }
    this.flushing = new Promise<void>((resolve) => setImmediate(() => void this.flush().finally(resolve)));
  }

  private async flush(): Promise<void> {
    do {
      this.again = false;
      if (!this.state.inSync) break; // nothing is programmed from a partial snapshot
      const started = performance.now();
      try {
        await this.applyOnce();
        this.metrics.applies++;
        this.metrics.lastApplyMs = performance.now() - started;
        this.metrics.applyMsSum += this.metrics.lastApplyMs;
      } catch (e) {
        this.metrics.applyErrors++;
        this.o.log.error({ err: (e as Error).message }, 'dataplane apply failed; retrying');
        await new Promise((r) => setTimeout(r, 500).unref());
        this.dirty.policy = this.dirty.routes = true;
        this.again = true;
      }
    } while (this.again);
    this.flushing = undefined;
    if (this.again) this.schedule();
  }

  private async applyOnce(): Promise<void> {
    const me = this.o.nodeName;
    let routesChanged = false;
    if (this.dirty.routes) {
      this.dirty.routes = false;
      routesChanged = true;
      const desired = localRoutes(this.state, me);
      const keys = new Set(desired.map((r) => r.dst));
      for (const r of desired) {
        this.o.routes.setRoute(r);
        if (r.target.kind === 'workload' && !this.knownInterfaces.has(r.target.ifname)) {
          this.knownInterfaces.add(r.target.ifname);
          this.o.onWorkloadInterface?.(r.target.ifname);
        }
      }
      for (const k of this.localRouteKeys) if (!keys.has(k) && !this.learned.has(k)) this.o.routes.removeRoute(k);
      this.localRouteKeys = keys;
      // a learned route shadowed by a local one comes back when the local one goes
      for (const k of this.learned.keys()) if (!keys.has(k)) this.learnedDirty.add(k);
    }
    if (this.learnedDirty.size) {
      routesChanged = true;
      for (const prefix of this.learnedDirty) {
        if (this.localRouteKeys.has(prefix)) continue;
        const r = this.learned.get(prefix);
        if (r) this.o.routes.setRoute(viaRoute(r));
        else this.o.routes.removeRoute(prefix);
      }
      this.learnedDirty.clear();
    }
    if (!this.markedInSync && this.speakerInSync) {
      this.markedInSync = true;
      this.o.routes.markInSync();
      this.o.policy.markInSync();
      routesChanged = true;
      // stale chains and sets of an earlier run go on the next pass
      this.dirty.policy = true;
      this.again = true;
    }
    if (routesChanged) {
      const r = await this.o.routes.apply();
      for (const f of r.failures) this.o.log.warn({ failure: f }, 'route not programmed (will retry)');
    }
    if (this.dirty.speaker && this.o.speaker) {
      this.dirty.speaker = false;
      this.o.speaker.setPeers(peers(this.state, me));
      this.o.speaker.setOriginated(originated(this.state, me), bgpAddress(this.state, me).v6);
    }
    if (this.dirty.policy) {
      this.dirty.policy = false;
      this.o.policy.setModel(policyModel(this.state, me));
      const r = await this.o.policy.apply();
      this.metrics.policyFailures = r.failures.length;
      for (const f of r.failures) this.o.log.error({ failure: f }, 'policy cannot be programmed; its endpoints fail closed');
    }
    if (!this.ready && this.markedInSync) {
      this.ready = true;
      this.o.log.info({}, 'dataplane in sync with the datastore');
    }
  }
}

function viaRoute(r: LearnedRoute): RouteSpec {
  return { dst: r.prefix, target: { kind: 'via', nextHops: r.nextHops.map((gateway) => ({ gateway })) } };
}
