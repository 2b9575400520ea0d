// Resource builders and an event recorder for the datastore tests (and for
// other modules' tests that want a few valid resources quickly).
import { API_VERSION, K8S_NETWORKING, type DatastoreEvent, type ResourceOf } from '../types.js';

export const ipPool = (name: string, cidr: string, extra: Partial<ResourceOf<'IPPool'>['spec']> = {}): ResourceOf<'IPPool'> => ({
  apiVersion: API_VERSION, kind: 'IPPool', metadata: { name }, spec: { cidr, ...extra },
});

export const node = (name: string, ipv4Address?: string): ResourceOf<'Node'> => ({
  apiVersion: API_VERSION, kind: 'Node', metadata: { name }, spec: ipv4Address === undefined ? {} : { bgp: { ipv4Address } },
});

export const workloadEndpoint = (namespace: string, pod: string, ip: string, nodeName = 'node-a'): ResourceOf<'WorkloadEndpoint'> => ({
  apiVersion: API_VERSION,
  kind: 'WorkloadEndpoint',
  metadata: { name: `${nodeName}-k8s-${pod}-eth0`, namespace, labels: { app: pod } },
  spec: { node: nodeName, pod, interfaceName: 'cali0123456789a', ipNetworks: [ip] },
});

export const networkPolicy = (namespace: string, name: string): ResourceOf<'NetworkPolicy'> => ({
  apiVersion: K8S_NETWORKING, kind: 'NetworkPolicy', metadata: { name, namespace },
  spec: { podSelector: {}, policyTypes: ['Ingress'] },
});

/** An IPAMHandle used as a counter in CAS tests: block["n"] is the count. */
export const counter = (name: string, n = 0): ResourceOf<'IPAMHandle'> => ({
  apiVersion: API_VERSION, kind: 'IPAMHandle', metadata: { name }, spec: { handleID: name, block: { n } },
});

/** Collects watch events; `until` waits for a predicate over everything received so far. */
export class EventLog {
  readonly events: DatastoreEvent[] = [];
  readonly handler = (e: DatastoreEvent): void => { this.events.push(e); };

  async until(pred: (events: readonly DatastoreEvent[]) => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this.events)) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; events: ${this.summary().join(' ')}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** "set:IPPool/a@3", "delete:IPPool/a", "in-sync", "error". */
  summary(): string[] {
    return this.events.map((e) => {
      if (e.type === 'set') return `set:${e.resource.kind}/${e.resource.metadata.namespace ? `${e.resource.metadata.namespace}/` : ''}${e.resource.metadata.name}`;
      if (e.type === 'delete') return `delete:${e.kind}/${e.namespace ? `${e.namespace}/` : ''}${e.name}`;
      return e.type;
    });
  }

  clear(): void { this.events.length = 0; }
}
