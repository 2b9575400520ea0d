// The WorkloadEndpoint the CNI server writes for each attachment: the
// contract between the CNI path and the rest of the agent (cni/README.md).
// ADD writes it after the veth, addresses and host routes are in place; the
// calc graph watches WorkloadEndpoints and programs policy (and keeps the
// host routes) from it. DEL deletes it only while it still names the
// container being deleted, because a newer sandbox of the same pod reuses the
// name and the host interface. Name as Calico's: "<node>-k8s-<pod>-<ifname>"
// with every '-' inside a part doubled, lower-cased.
import { API_VERSION, DatastoreError, type Datastore, type ResourceOf, type WorkloadEndpointSpec } from '../datastore/types.js';

export const ANNOTATION_NETWORK = 'l3mesh.io/cni-network';
export const ANNOTATION_IFNAME = 'l3mesh.io/cni-ifname';
export const LABEL_NAMESPACE = 'l3mesh.io/namespace';
export const LABEL_ORCHESTRATOR = 'l3mesh.io/orchestrator';

export type WorkloadEndpoint = ResourceOf<'WorkloadEndpoint'>;

export function endpointName(node: string, pod: string, ifname: string): string {
  const part = (s: string): string => s.toLowerCase().replace(/-/g, '--');
  return `${part(node)}-k8s-${part(pod)}-${part(ifname)}`;
}

export interface EndpointFacts {
  node: string;
  namespace: string;
  pod: string;
  containerID: string;
  network: string;
  podIf: string;
  hostIf: string;
  mac: string;
  ipNetworks: string[];
}

export function buildEndpoint(f: EndpointFacts): WorkloadEndpoint {
  const spec: WorkloadEndpointSpec = {
    node: f.node, pod: f.pod, containerID: f.containerID, interfaceName: f.hostIf, mac: f.mac, ipNetworks: f.ipNetworks,
  };
  return {
    apiVersion: API_VERSION,
    kind: 'WorkloadEndpoint',
    metadata: {
      name: endpointName(f.node, f.pod, f.podIf),
      namespace: f.namespace,
      labels: { [LABEL_NAMESPACE]: f.namespace, [LABEL_ORCHESTRATOR]: 'k8s' },
      annotations: { [ANNOTATION_NETWORK]: f.network, [ANNOTATION_IFNAME]: f.podIf },
    },
    spec,
  };
}

/** Creates or replaces the endpoint (compare-and-swap, retried on conflicts). */
export async function writeEndpoint(ds: Datastore, wep: WorkloadEndpoint): Promise<WorkloadEndpoint> {
  for (let attempt = 0; ; attempt++) {
    const cur = await ds.get('WorkloadEndpoint', wep.metadata.name, wep.metadata.namespace);
    try {
      if (!cur) return await ds.create(wep);
      const md = { ...wep.metadata };
      if (cur.metadata.resourceVersion !== undefined) md.resourceVersion = cur.metadata.resourceVersion;
      return await ds.update({ ...wep, metadata: md });
    } catch (e) {
      const retry = e instanceof DatastoreError && (e.reason === 'Conflict' || e.reason === 'AlreadyExists' || e.reason === 'NotFound');
      if (!retry || attempt >= 8) throw e;
    }
  }
}

/** Deletes the endpoint if it still belongs to containerID; true when deleted. */
export async function deleteEndpointOf(ds: Datastore, wep: WorkloadEndpoint): Promise<boolean> {
  try {
    await ds.delete('WorkloadEndpoint', wep.metadata.name, wep.metadata.namespace, wep.metadata.resourceVersion);
    return true;
  } catch (e) {
    // gone already, or replaced by a newer sandbox's endpoint: not ours to delete
    if (e instanceof DatastoreError && (e.reason === 'NotFound' || e.reason === 'Conflict')) return false;
    throw e;
  }
}
