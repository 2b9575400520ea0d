// Input model of the NetworkPolicy driver: workload endpoints, namespaces,
// Kubernetes NetworkPolicies (networking.k8s.io/v1 spec shape), IP pools and
// the driver's configuration. Plain data, no behaviour: the renderer
// (render.ts) turns it into desired ipsets and chains, validate.ts checks it.
// Endpoints with an `ifname` are local workloads (they get chains); endpoints
// without one live on other nodes and only feed selector ipsets.

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export type { Family } from '../net/cidr.js';

export interface NamedPort {
  name: string;
  port: number;
  /** default TCP */
  protocol?: Protocol;
}

export interface Endpoint {
  /** unique key, e.g. "<node>/<namespace>/<pod>" */
  key: string;
  namespace: string;
  pod: string;
  /** host-side interface name (local workloads only), e.g. cali0123456789a */
  ifname?: string;
  ipv4: string[];
  ipv6: string[];
  labels: Record<string, string>;
  ports?: NamedPort[];
}

export interface Namespace {
  name: string;
  labels: Record<string, string>;
}

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelSelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface IPBlock {
  cidr: string;
  except?: string[];
}

export interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: IPBlock;
}

export interface PolicyPort {
  /** default TCP */
  protocol?: Protocol;
  /** number or IANA service name of a container port; absent = all ports */
  port?: number | string;
  endPort?: number;
}

export interface IngressRule {
  /** absent or empty: all sources */
  from?: PolicyPeer[];
  /** absent or empty: all ports */
  ports?: PolicyPort[];
}

export interface EgressRule {
  /** absent or empty: all destinations */
  to?: PolicyPeer[];
  ports?: PolicyPort[];
}

export type PolicyType = 'Ingress' | 'Egress';

export interface NetworkPolicySpec {
  podSelector: LabelSelector;
  /** default: Ingress, plus Egress when `egress` is present */
  policyTypes?: PolicyType[];
  ingress?: IngressRule[];
  egress?: EgressRule[];
}

export interface NetworkPolicy {
  namespace: string;
  name: string;
  spec: NetworkPolicySpec;
}

export interface Pool {
  cidr: string;
  natOutgoing: boolean;
}

export interface PolicyModel {
  endpoints: Endpoint[];
  namespaces: Namespace[];
  policies: NetworkPolicy[];
  pools: Pool[];
}

export interface FailsafePort {
  protocol: 'TCP' | 'UDP';
  port: number;
}

export interface PolicyConfig {
  /** workload interface prefix (Calico: "cali") */
  interfacePrefix: string;
  /** host ports always accepted on INPUT before anything of ours (Calico's failsafeInboundHostPorts) */
  failsafeInbound: FailsafePort[];
  /** packet mark bit meaning "a policy allowed this packet" */
  acceptMark: number;
  /** what happens to workload → host traffic that its egress policy allowed */
  endpointToHostAction: 'ACCEPT' | 'RETURN';
}

/** Calico's defaults: ssh, DHCP, BGP, etcd, Typha, kube-apiserver */
export const DEFAULT_FAILSAFE_INBOUND: FailsafePort[] = [
  { protocol: 'TCP', port: 22 }, { protocol: 'UDP', port: 68 }, { protocol: 'TCP', port: 179 },
  { protocol: 'TCP', port: 2379 }, { protocol: 'TCP', port: 2380 }, { protocol: 'TCP', port: 5473 },
  { protocol: 'TCP', port: 6443 }, { protocol: 'TCP', port: 6666 }, { protocol: 'TCP', port: 6667 },
];

export const DEFAULT_POLICY_CONFIG: PolicyConfig = {
  interfacePrefix: 'cali',
  failsafeInbound: DEFAULT_FAILSAFE_INBOUND,
  acceptMark: 0x10000,
  endpointToHostAction: 'ACCEPT',
};

export const emptyModel = (): PolicyModel => ({ endpoints: [], namespaces: [], policies: [], pools: [] });

/** The label Kubernetes puts on every namespace; added here too so YAML datastores behave the same. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
