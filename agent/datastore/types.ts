// The agent's datastore contract (Calico's libcalico-go model, reduced):
// typed resources in the shapes the Kubernetes backend will use
// (apiVersion/kind/metadata/spec, like CRDs), read through a watch that
// delivers a snapshot (one `set` per existing resource), then `in-sync`,
// then live changes; written with compare-and-swap on resourceVersion so
// that concurrent writers (IPAM on several nodes) never lose an update.
// Backends: memory (tests), a YAML file (embedded mode), later Kubernetes.

/** API group/version of our resources (Calico's is projectcalico.org/v3). */
export const API_VERSION = 'l3mesh.io/v1';
export const K8S_NETWORKING = 'networking.k8s.io/v1';

export type Kind =
  | 'Node' | 'WorkloadEndpoint' | 'Namespace' | 'NetworkPolicy' | 'IPPool' | 'BGPConfiguration' | 'BGPPeer'
  | 'IPAMBlock' | 'BlockAffinity' | 'IPAMHandle';

export const KINDS: readonly Kind[] = [
  'Node', 'WorkloadEndpoint', 'Namespace', 'NetworkPolicy', 'IPPool', 'BGPConfiguration', 'BGPPeer', 'IPAMBlock', 'BlockAffinity', 'IPAMHandle',
];

/** Kinds whose resources live in a Kubernetes namespace. */
export const NAMESPACED: ReadonlySet<Kind> = new Set<Kind>(['WorkloadEndpoint', 'NetworkPolicy']);

export interface Metadata {
  readonly name: string;
  /** Only for namespaced kinds. */
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  /** Opaque; set by the backend on every write, checked by update/delete (CAS). */
  readonly resourceVersion?: string;
  readonly creationTimestamp?: string;
}

export interface Resource<K extends Kind = Kind, S = unknown> {
  readonly apiVersion: string;
  readonly kind: K;
  readonly metadata: Metadata;
  readonly spec: S;
}

// ---- specs ----------------------------------------------------------------

export interface NodeSpec {
  readonly bgp?: {
    /** The node's underlay address with prefix length, e.g. "198.18.1.1/24". */
    readonly ipv4Address?: string;
    readonly ipv6Address?: string;
    /** Overrides BGPConfiguration.asNumber for this node. */
    readonly asNumber?: number;
    /** Set on route-reflector nodes (Calico semantics: skips the mesh). */
    readonly routeReflectorClusterID?: string;
  };
}

export interface EndpointPort {
  readonly name: string;
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
}

/** A pod's network interface (name: "<node>-k8s-<pod>-eth0" style, unique per namespace). */
export interface WorkloadEndpointSpec {
  readonly node: string;
  readonly pod: string;
  readonly containerID?: string;
  /** Host-side interface, e.g. cali1a2b3c4d5e6. */
  readonly interfaceName: string;
  readonly mac?: string;
  /** "100.64.1.5/32", "2001:db8::5/128". */
  readonly ipNetworks: readonly string[];
  readonly ports?: readonly EndpointPort[];
}

export interface NamespaceSpec {
  readonly [k: string]: never;
}

export interface IPPoolSpec {
  readonly cidr: string;
  /** Default 26 (IPv4) / 122 (IPv6). */
  readonly blockSize?: number;
  readonly natOutgoing?: boolean;
  readonly disabled?: boolean;
  /** Label selector expression over Node labels, e.g. "all()" or "zone == 'a'". Default all(). */
  readonly nodeSelector?: string;
  readonly disableBGPExport?: boolean;
  /** Only "Never" is supported (pure L3). */
  readonly ipipMode?: 'Never';
  readonly vxlanMode?: 'Never';
}

export interface BGPConfigurationSpec {
  readonly asNumber?: number;
  readonly nodeToNodeMeshEnabled?: boolean;
  readonly listenPort?: number;
  readonly serviceClusterIPs?: readonly { readonly cidr: string }[];
  readonly serviceExternalIPs?: readonly { readonly cidr: string }[];
  readonly serviceLoadBalancerIPs?: readonly { readonly cidr: string }[];
  readonly communities?: readonly { readonly name: string; readonly value: string }[];
  readonly prefixAdvertisements?: readonly { readonly cidr: string; readonly communities: readonly string[] }[];
  /** Seconds; default 120. */
  readonly nodeMeshMaxRestartTime?: number;
  readonly nodeMeshPassword?: { readonly secretKeyRef?: { readonly name: string; readonly key: string }; readonly value?: string };
}

export interface BGPPeerSpec {
  /** "ip", "ip:port" or "[v6]:port". */
  readonly peerIP: string;
  readonly asNumber: number;
  /** Only this node peers (else nodeSelector, else every node). */
  readonly node?: string;
  readonly nodeSelector?: string;
  /** Peers with every node matching this selector (node-to-node peering, e.g. route reflectors). */
  readonly peerSelector?: string;
  readonly password?: { readonly secretKeyRef?: { readonly name: string; readonly key: string }; readonly value?: string };
  readonly sourceAddress?: 'UseNodeIP' | 'None';
  readonly maxRestartTime?: number;
  readonly keepaliveTime?: number;
  readonly ttlSecurity?: number;
  readonly nextHopMode?: 'Auto' | 'Self' | 'Keep';
  readonly numAllowedLocalASNumbers?: number;
}

/**
 * An IPAM block (Calico's AllocationBlock): `allocations[i]` is the index into
 * `attributes` of the owner of the i-th address of `cidr`, or null when free;
 * `unallocated` lists free ordinals in reuse order. Name: cidr with '/' → '-'.
 */
export interface IPAMBlockSpec {
  readonly cidr: string;
  /** "host:<node>" or absent for a released affinity. */
  readonly affinity?: string;
  readonly strictAffinity?: boolean;
  readonly allocations: readonly (number | null)[];
  readonly unallocated: readonly number[];
  readonly attributes: readonly { readonly handleID: string; readonly secondary?: Readonly<Record<string, string>> }[];
  /** Ordinal → epoch ms when it was released (cooldown before reuse). */
  readonly releasedAt?: Readonly<Record<string, number>>;
  readonly deleted?: boolean;
}

export interface BlockAffinitySpec {
  readonly node: string;
  readonly cidr: string;
  readonly state: 'pending' | 'confirmed' | 'pendingDeletion';
}

/** A handle (e.g. "l3mesh-net.<containerID>"): which blocks hold how many of its addresses. */
export interface IPAMHandleSpec {
  readonly handleID: string;
  readonly block: Readonly<Record<string, number>>;
}

export interface SpecOf {
  Node: NodeSpec;
  WorkloadEndpoint: WorkloadEndpointSpec;
  Namespace: NamespaceSpec;
  /** networking.k8s.io/v1 NetworkPolicySpec (see agent/policy/model.ts). */
  NetworkPolicy: unknown;
  IPPool: IPPoolSpec;
  BGPConfiguration: BGPConfigurationSpec;
  BGPPeer: BGPPeerSpec;
  IPAMBlock: IPAMBlockSpec;
  BlockAffinity: BlockAffinitySpec;
  IPAMHandle: IPAMHandleSpec;
}

export type ResourceOf<K extends Kind> = Resource<K, SpecOf[K]>;

// ---- reading and writing ----------------------------------------------------

/** One change seen by a watcher. `set` carries the whole new resource. */
export type DatastoreEvent =
  | { readonly type: 'set'; readonly resource: Resource }
  | { readonly type: 'delete'; readonly kind: Kind; readonly name: string; readonly namespace?: string }
  /** Every resource existing when the watch started has been delivered. */
  | { readonly type: 'in-sync' }
  /** The backend lost its source (file unreadable, API down); a new snapshot follows when it recovers. */
  | { readonly type: 'error'; readonly message: string };

export class DatastoreError extends Error {
  constructor(readonly reason: 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Invalid' | 'Unavailable', message: string) {
    super(message);
  }
}

export interface Datastore {
  /**
   * Calls `handler` with a `set` for every existing resource of `kinds`, then
   * `in-sync`, then each change, in order. Returns the function that stops it.
   */
  watch(kinds: readonly Kind[], handler: (e: DatastoreEvent) => void): () => void;
  get<K extends Kind>(kind: K, name: string, namespace?: string): Promise<ResourceOf<K> | undefined>;
  list<K extends Kind>(kind: K): Promise<ResourceOf<K>[]>;
  /** Fails with AlreadyExists. Returns the stored resource (with resourceVersion). */
  create<K extends Kind>(r: ResourceOf<K>): Promise<ResourceOf<K>>;
  /** Compare-and-swap: fails with Conflict unless metadata.resourceVersion is the stored one; NotFound if absent. */
  update<K extends Kind>(r: ResourceOf<K>): Promise<ResourceOf<K>>;
  /** With resourceVersion: only that version (Conflict otherwise). NotFound if absent. */
  delete(kind: Kind, name: string, namespace?: string, resourceVersion?: string): Promise<void>;
  close(): Promise<void>;
}
