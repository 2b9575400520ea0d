// Validation of the inputs, with the rules the Kubernetes API server applies
// to NetworkPolicy (networking/validation): selectors, policyTypes, peers
// (ipBlock alone, or pod/namespace selectors), ipBlock except strictly inside
// its cidr, ports (1-65535 or an IANA service name, endPort only with a
// numeric port and ≥ it), protocols. A policy with errors cannot be rendered;
// the renderer then fails closed for the endpoints it would select.
import { contains, familyOf, parseCidr, type Cidr } from '../net/cidr.js';
import type { Endpoint, NetworkPolicy, PolicyConfig, PolicyPeer, PolicyPort } from './model.js';
import { selectorErrors } from './selector.js';

const PROTOCOLS = new Set(['TCP', 'UDP', 'SCTP']);
// IANA_SVC_NAME: 1-15 chars of [a-z0-9-], at least one letter, no leading/trailing or double '-'
const SVC_NAME = /^(?=.*[a-z])[a-z0-9]([a-z0-9]|-(?!-))*[a-z0-9]$|^[a-z]$/;

export const isPortNumber = (p: unknown): p is number => typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 65535;
export const isPortName = (p: unknown): p is string => typeof p === 'string' && p.length <= 15 && SVC_NAME.test(p);

function portErrors(p: PolicyPort, at: string): string[] {
  const errs: string[] = [];
  if (p.protocol !== undefined && !PROTOCOLS.has(p.protocol)) errs.push(`${at}.protocol: unsupported protocol ${JSON.stringify(p.protocol)} (TCP, UDP, SCTP)`);
  if (p.port !== undefined && !isPortNumber(p.port) && !isPortName(p.port)) {
    errs.push(`${at}.port: ${JSON.stringify(p.port)} is neither a port number 1-65535 nor a valid port name`);
  }
  if (p.endPort !== undefined) {
    if (p.port === undefined) errs.push(`${at}.endPort: needs a port`);
    else if (typeof p.port === 'string') errs.push(`${at}.endPort: cannot be used with a named port (${p.port})`);
    else if (!isPortNumber(p.endPort) || p.endPort < p.port) errs.push(`${at}.endPort: ${JSON.stringify(p.endPort)} must be a port number ≥ port ${p.port}`);
  }
  return errs;
}

function peerErrors(peer: PolicyPeer, at: string): string[] {
  if (peer === null || typeof peer !== 'object') return [`${at}: peer must be an object`];
  const errs: string[] = [];
  const hasSel = peer.podSelector !== undefined || peer.namespaceSelector !== undefined;
  if (peer.ipBlock !== undefined) {
    if (hasSel) errs.push(`${at}: ipBlock cannot be combined with podSelector or namespaceSelector`);
    let outer: Cidr | undefined;
    try { outer = parseCidr(peer.ipBlock.cidr, true); } catch (e) { errs.push(`${at}.ipBlock.cidr: ${(e as Error).message}`); }
    (peer.ipBlock.except ?? []).forEach((x, i) => {
      try {
        const inner = parseCidr(x, true);
        if (outer && (!contains(outer, inner) || inner.len === outer.len)) errs.push(`${at}.ipBlock.except[${i}]: ${x} is not strictly inside ${peer.ipBlock?.cidr}`);
      } catch (e) { errs.push(`${at}.ipBlock.except[${i}]: ${(e as Error).message}`); }
    });
  } else if (!hasSel) {
    errs.push(`${at}: a peer needs podSelector, namespaceSelector or ipBlock`);
  }
  if (peer.podSelector !== undefined) errs.push(...selectorErrors(peer.podSelector, `${at}.podSelector`));
  if (peer.namespaceSelector !== undefined) errs.push(...selectorErrors(peer.namespaceSelector, `${at}.namespaceSelector`));
  return errs;
}

/** Problems with a policy (empty when it can be rendered). */
export function policyErrors(p: NetworkPolicy): string[] {
  const where = `NetworkPolicy ${p.namespace}/${p.name}`;
  const spec = p.spec;
  if (!spec || typeof spec !== 'object') return [`${where}: spec missing`];
  if (!spec.podSelector || typeof spec.podSelector !== 'object') return [`${where}: spec.podSelector is required (use {} for all pods)`];
  const errs = selectorErrors(spec.podSelector, `${where}: spec.podSelector`);
  for (const t of spec.policyTypes ?? []) {
    if (t !== 'Ingress' && t !== 'Egress') errs.push(`${where}: spec.policyTypes: unknown type ${JSON.stringify(t)} (Ingress, Egress)`);
  }
  const rules = (list: unknown, dir: 'ingress' | 'egress', peersKey: 'from' | 'to') => {
    if (list === undefined) return;
    if (!Array.isArray(list)) { errs.push(`${where}: spec.${dir} must be a list`); return; }
    list.forEach((r: Record<string, unknown>, i) => {
      const at = `${where}: spec.${dir}[${i}]`;
      const peers = r?.[peersKey] ?? [];
      const ports = r?.ports ?? [];
      if (!Array.isArray(peers)) errs.push(`${at}.${peersKey} must be a list`);
      else peers.forEach((peer: PolicyPeer, j) => errs.push(...peerErrors(peer, `${at}.${peersKey}[${j}]`)));
      if (!Array.isArray(ports)) errs.push(`${at}.ports must be a list`);
      else ports.forEach((port: PolicyPort, j) => errs.push(...portErrors(port, `${at}.ports[${j}]`)));
    });
  };
  rules(spec.ingress, 'ingress', 'from');
  rules(spec.egress, 'egress', 'to');
  return errs;
}

/** Problems with an endpoint (empty when valid). */
export function endpointErrors(ep: Endpoint, config: PolicyConfig): string[] {
  const where = `endpoint ${ep.key}`;
  const errs: string[] = [];
  if (ep.ifname !== undefined && (!ep.ifname.startsWith(config.interfacePrefix) || ep.ifname.length > 15 || !/^[A-Za-z0-9_.-]+$/.test(ep.ifname))) {
    errs.push(`${where}: interface ${JSON.stringify(ep.ifname)} must start with ${config.interfacePrefix} and have at most 15 characters`);
  }
  for (const a of ep.ipv4) if (familyOf(a) !== 4) errs.push(`${where}: ${JSON.stringify(a)} is not an IPv4 address`);
  for (const a of ep.ipv6) if (familyOf(a) !== 6) errs.push(`${where}: ${JSON.stringify(a)} is not an IPv6 address`);
  for (const np of ep.ports ?? []) {
    if (!isPortName(np.name) || !isPortNumber(np.port) || (np.protocol !== undefined && !PROTOCOLS.has(np.protocol))) {
      errs.push(`${where}: invalid named port ${JSON.stringify(np)}`);
    }
  }
  return errs;
}

/** The effective policy types (Kubernetes defaulting). */
export function policyTypesOf(p: NetworkPolicy): { ingress: boolean; egress: boolean } {
  const t = p.spec.policyTypes;
  if (t && t.length > 0) return { ingress: t.includes('Ingress'), egress: t.includes('Egress') };
  return { ingress: true, egress: p.spec.egress !== undefined };
}
