// Per-kind spec checks: one row per kind in SPEC_CHECKS, each returning the
// problems it finds as "spec.<field> ..." strings (validate.ts prefixes kind
// and name). Field rules follow Calico's v3 API where it has one (pool block
// sizes 20..32 / 116..128, AS numbers 1..4294967295, BGPPeer peerIP
// "ip[:port]" / "[ip6]:port"). NetworkPolicy specs are only checked for shape:
// the policy layer validates their semantics and fails closed on errors, which
// is safer than dropping the policy here (that would open the traffic).
import { addressBits, maxLen, parseCidr, type ParsedCidr } from './cidr.js';
import type { Kind } from './types.js';

type Spec = Record<string, unknown>;
type Errs = string[];

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

// ---- field helpers (each pushes onto errs and returns whether the value is usable) ----

function str(errs: Errs, v: unknown, at: string, required = false): v is string {
  if (v === undefined) { if (required) errs.push(`${at} is required`); return false; }
  if (typeof v !== 'string' || v === '') { errs.push(`${at} must be a non-empty string (got ${show(v)})`); return false; }
  return true;
}

function bool(errs: Errs, v: unknown, at: string): void {
  if (v !== undefined && typeof v !== 'boolean') errs.push(`${at} must be true or false (got ${show(v)})`);
}

function int(errs: Errs, v: unknown, at: string, lo: number, hi: number, required = false): v is number {
  if (v === undefined) { if (required) errs.push(`${at} is required`); return false; }
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) { errs.push(`${at} must be an integer ${lo}..${hi} (got ${show(v)})`); return false; }
  return true;
}

function oneOf(errs: Errs, v: unknown, at: string, allowed: readonly string[]): void {
  if (v !== undefined && (typeof v !== 'string' || !allowed.includes(v))) errs.push(`${at} must be one of ${allowed.join(', ')} (got ${show(v)})`);
}

function cidr(errs: Errs, v: unknown, at: string, required = false, allowHostBits = false): ParsedCidr | undefined {
  if (v === undefined) { if (required) errs.push(`${at} is required`); return undefined; }
  try { return parseCidr(v, allowHostBits); } catch (e) { errs.push(`${at}: ${(e as Error).message}`); return undefined; }
}

function list(errs: Errs, v: unknown, at: string, each: (x: unknown, at: string) => void, required = false): void {
  if (v === undefined) { if (required) errs.push(`${at} is required`); return; }
  if (!Array.isArray(v)) { errs.push(`${at} must be a list (got ${show(v)})`); return; }
  v.forEach((x, i) => each(x, `${at}[${i}]`));
}

function obj(errs: Errs, v: unknown, at: string, required = false): v is Record<string, unknown> {
  if (v === undefined) { if (required) errs.push(`${at} is required`); return false; }
  if (!isObject(v)) { errs.push(`${at} must be a mapping (got ${show(v)})`); return false; }
  return true;
}

const AS_MAX = 4294967295;
const COMMUNITY = /^(\d+):(\d+)(?::(\d+))?$/;

function community(errs: Errs, v: unknown, at: string): void {
  const m = typeof v === 'string' ? COMMUNITY.exec(v) : null;
  const parts = m === null ? [] : m.slice(1).filter((x) => x !== undefined).map(Number);
  const ok = m !== null && (parts.length === 2 ? parts.every((x) => x <= 65535) : parts.every((x) => x <= AS_MAX));
  if (!ok) errs.push(`${at} must be a community "aa:nn" (16-bit parts) or a large community "aa:nn:mm" (got ${show(v)})`);
}

function password(errs: Errs, v: unknown, at: string): void {
  if (!obj(errs, v, at)) return;
  if (v.value !== undefined) str(errs, v.value, `${at}.value`);
  if (obj(errs, v.secretKeyRef, `${at}.secretKeyRef`)) {
    str(errs, v.secretKeyRef.name, `${at}.secretKeyRef.name`, true);
    str(errs, v.secretKeyRef.key, `${at}.secretKeyRef.key`, true);
  }
  if (v.value === undefined && v.secretKeyRef === undefined) errs.push(`${at} needs value or secretKeyRef`);
}

/** "ip", "ip:port" (IPv4) or "[ip6]:port"; a bare IPv6 address is allowed too. */
function peerIP(errs: Errs, v: unknown, at: string): void {
  if (!str(errs, v, at, true)) return;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(v);
  const [addr, port] = bracket !== null ? [bracket[1] ?? '', bracket[2]]
    : addressBits(v) !== undefined ? [v, undefined]
      : (() => { const i = v.lastIndexOf(':'); return i < 0 ? [v, undefined] : [v.slice(0, i), v.slice(i + 1)]; })();
  const a = addressBits(addr);
  if (a === undefined || (bracket !== null && a.family !== 6) || (bracket === null && port !== undefined && a.family !== 4)) {
    errs.push(`${at} must be "ip", "ip:port" or "[ipv6]:port" (got ${show(v)})`);
    return;
  }
  if (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) errs.push(`${at}: port must be 1..65535 (got ${show(port)})`);
}

// ---- per kind ----

function nodeSpec(s: Spec): Errs {
  const errs: Errs = [];
  if (!obj(errs, s.bgp, 'spec.bgp')) return errs;
  const b = s.bgp;
  const v4 = cidr(errs, b.ipv4Address, 'spec.bgp.ipv4Address', false, true);
  if (v4 !== undefined && v4.family !== 4) errs.push(`spec.bgp.ipv4Address must be an IPv4 address with prefix length (got ${show(b.ipv4Address)})`);
  const v6 = cidr(errs, b.ipv6Address, 'spec.bgp.ipv6Address', false, true);
  if (v6 !== undefined && v6.family !== 6) errs.push(`spec.bgp.ipv6Address must be an IPv6 address with prefix length (got ${show(b.ipv6Address)})`);
  int(errs, b.asNumber, 'spec.bgp.asNumber', 1, AS_MAX);
  if (b.routeReflectorClusterID !== undefined && (typeof b.routeReflectorClusterID !== 'string' || addressBits(b.routeReflectorClusterID)?.family !== 4)) {
    errs.push(`spec.bgp.routeReflectorClusterID must be a dotted-quad ID like 244.0.0.1 (got ${show(b.routeReflectorClusterID)})`);
  }
  return errs;
}

function workloadEndpointSpec(s: Spec): Errs {
  const errs: Errs = [];
  str(errs, s.node, 'spec.node', true);
  str(errs, s.pod, 'spec.pod', true);
  if (s.containerID !== undefined) str(errs, s.containerID, 'spec.containerID');
  if (str(errs, s.interfaceName, 'spec.interfaceName', true) && (s.interfaceName.length > 15 || /[\s/:]/.test(s.interfaceName))) {
    errs.push(`spec.interfaceName ${show(s.interfaceName)} is not a Linux interface name (at most 15 characters, no '/', ':' or spaces)`);
  }
  if (s.mac !== undefined && (typeof s.mac !== 'string' || !/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(s.mac))) errs.push(`spec.mac must be a MAC address like ee:ee:ee:ee:ee:ee (got ${show(s.mac)})`);
  list(errs, s.ipNetworks, 'spec.ipNetworks', (x, at) => { cidr(errs, x, at); }, true);
  list(errs, s.ports, 'spec.ports', (p, at) => {
    if (!obj(errs, p, at)) return;
    str(errs, p.name, `${at}.name`, true);
    int(errs, p.port, `${at}.port`, 1, 65535, true);
    oneOf(errs, p.protocol, `${at}.protocol`, ['TCP', 'UDP', 'SCTP']);
    if (p.protocol === undefined) errs.push(`${at}.protocol is required`);
  });
  return errs;
}

function networkPolicySpec(s: Spec): Errs {
  const errs: Errs = [];
  obj(errs, s.podSelector, 'spec.podSelector');
  list(errs, s.policyTypes, 'spec.policyTypes', (x, at) => oneOf(errs, x, at, ['Ingress', 'Egress']));
  list(errs, s.ingress, 'spec.ingress', (x, at) => { obj(errs, x, at); });
  list(errs, s.egress, 'spec.egress', (x, at) => { obj(errs, x, at); });
  return errs;
}

function ipPoolSpec(s: Spec): Errs {
  const errs: Errs = [];
  const c = cidr(errs, s.cidr, 'spec.cidr', true);
  if (s.blockSize !== undefined && c !== undefined) {
    const [lo, hi] = c.family === 4 ? [20, 32] : [116, 128];
    if (typeof s.blockSize !== 'number' || !Number.isInteger(s.blockSize) || s.blockSize < lo || s.blockSize > hi) {
      errs.push(`spec.blockSize must be ${lo}..${hi} for IPv${c.family} (got ${show(s.blockSize)})`);
    } else if (s.blockSize < c.len) {
      errs.push(`spec.blockSize ${s.blockSize} is larger than the pool (${show(s.cidr)}): blocks must fit inside it`);
    }
  } else if (c !== undefined && c.len > (c.family === 4 ? 26 : 122)) {
    errs.push(`spec.cidr ${show(s.cidr)} is smaller than the default block size /${c.family === 4 ? 26 : 122}: set spec.blockSize`);
  }
  for (const f of ['natOutgoing', 'disabled', 'disableBGPExport']) bool(errs, s[f], `spec.${f}`);
  if (s.nodeSelector !== undefined && typeof s.nodeSelector !== 'string') errs.push(`spec.nodeSelector must be a selector string such as "all()" (got ${show(s.nodeSelector)})`);
  oneOf(errs, s.ipipMode, 'spec.ipipMode', ['Never']);
  oneOf(errs, s.vxlanMode, 'spec.vxlanMode', ['Never']);
  return errs;
}

function bgpConfigurationSpec(s: Spec): Errs {
  const errs: Errs = [];
  int(errs, s.asNumber, 'spec.asNumber', 1, AS_MAX);
  bool(errs, s.nodeToNodeMeshEnabled, 'spec.nodeToNodeMeshEnabled');
  int(errs, s.listenPort, 'spec.listenPort', 1, 65535);
  for (const f of ['serviceClusterIPs', 'serviceExternalIPs', 'serviceLoadBalancerIPs']) {
    list(errs, s[f], `spec.${f}`, (x, at) => { if (obj(errs, x, at)) cidr(errs, x.cidr, `${at}.cidr`, true); });
  }
  list(errs, s.communities, 'spec.communities', (x, at) => {
    if (!obj(errs, x, at)) return;
    str(errs, x.name, `${at}.name`, true);
    community(errs, x.value, `${at}.value`);
  });
  const named = new Set(Array.isArray(s.communities) ? s.communities.map((c) => (isObject(c) ? c.name : undefined)) : []);
  list(errs, s.prefixAdvertisements, 'spec.prefixAdvertisements', (x, at) => {
    if (!obj(errs, x, at)) return;
    cidr(errs, x.cidr, `${at}.cidr`, true);
    list(errs, x.communities, `${at}.communities`, (c, cat) => { if (!named.has(c)) community(errs, c, `${cat} (neither a named community nor a value)`); }, true);
  });
  int(errs, s.nodeMeshMaxRestartTime, 'spec.nodeMeshMaxRestartTime', 0, 65535);
  if (s.nodeMeshPassword !== undefined) password(errs, s.nodeMeshPassword, 'spec.nodeMeshPassword');
  return errs;
}

function bgpPeerSpec(s: Spec): Errs {
  const errs: Errs = [];
  peerIP(errs, s.peerIP, 'spec.peerIP');
  int(errs, s.asNumber, 'spec.asNumber', 1, AS_MAX, true);
  for (const f of ['node', 'nodeSelector', 'peerSelector']) if (s[f] !== undefined) str(errs, s[f], `spec.${f}`);
  if (s.password !== undefined) password(errs, s.password, 'spec.password');
  oneOf(errs, s.sourceAddress, 'spec.sourceAddress', ['UseNodeIP', 'None']);
  int(errs, s.maxRestartTime, 'spec.maxRestartTime', 0, 65535);
  int(errs, s.keepaliveTime, 'spec.keepaliveTime', 0, 65535);
  int(errs, s.ttlSecurity, 'spec.ttlSecurity', 0, 254);
  oneOf(errs, s.nextHopMode, 'spec.nextHopMode', ['Auto', 'Self', 'Keep']);
  int(errs, s.numAllowedLocalASNumbers, 'spec.numAllowedLocalASNumbers', 0, 10);
  return errs;
}

function ipamBlockSpec(s: Spec): Errs {
  const errs: Errs = [];
  const c = cidr(errs, s.cidr, 'spec.cidr', true);
  if (s.affinity !== undefined && (typeof s.affinity !== 'string' || !/^host:.+/.test(s.affinity))) errs.push(`spec.affinity must be "host:<node>" (got ${show(s.affinity)})`);
  bool(errs, s.strictAffinity, 'spec.strictAffinity');
  bool(errs, s.deleted, 'spec.deleted');
  const nAttrs = Array.isArray(s.attributes) ? s.attributes.length : 0;
  list(errs, s.attributes, 'spec.attributes', (a, at) => {
    if (!obj(errs, a, at)) return;
    str(errs, a.handleID, `${at}.handleID`, true);
    if (obj(errs, a.secondary, `${at}.secondary`)) {
      for (const [k, v] of Object.entries(a.secondary)) if (typeof v !== 'string') errs.push(`${at}.secondary.${k} must be a string`);
    }
  }, true);
  const hostBits = c === undefined ? undefined : maxLen(c.family) - c.len;
  if (hostBits !== undefined && hostBits > 12) errs.push(`spec.cidr ${show(s.cidr)} is too large for a block (at most 4096 addresses)`);
  const size = hostBits === undefined || hostBits > 12 ? undefined : 2 ** hostBits;
  if (Array.isArray(s.allocations)) {
    if (size !== undefined && s.allocations.length !== size) errs.push(`spec.allocations must have one entry per address of ${show(s.cidr)} (${size}, got ${s.allocations.length})`);
    s.allocations.forEach((a, i) => {
      if (a !== null && !(Number.isInteger(a) && (a as number) >= 0 && (a as number) < nAttrs)) errs.push(`spec.allocations[${i}] must be null or an index into spec.attributes (0..${nAttrs - 1}, got ${show(a)})`);
    });
  } else {
    errs.push(s.allocations === undefined ? 'spec.allocations is required' : 'spec.allocations must be a list');
  }
  if (Array.isArray(s.unallocated)) {
    const seen = new Set<number>();
    s.unallocated.forEach((o, i) => {
      if (typeof o !== 'number' || !Number.isInteger(o) || o < 0 || (size !== undefined && o >= size)) { errs.push(`spec.unallocated[${i}] must be an ordinal 0..${size === undefined ? '?' : size - 1} (got ${show(o)})`); return; }
      if (seen.has(o)) errs.push(`spec.unallocated[${i}]: ordinal ${o} listed twice`);
      seen.add(o);
      if (Array.isArray(s.allocations) && s.allocations[o] !== null && s.allocations[o] !== undefined) errs.push(`spec.unallocated[${i}]: ordinal ${o} is allocated`);
    });
  } else {
    errs.push(s.unallocated === undefined ? 'spec.unallocated is required' : 'spec.unallocated must be a list');
  }
  if (obj(errs, s.releasedAt, 'spec.releasedAt')) {
    for (const [k, v] of Object.entries(s.releasedAt)) {
      if (!/^\d+$/.test(k) || typeof v !== 'number' || !Number.isFinite(v)) errs.push(`spec.releasedAt.${k} must map an ordinal to epoch milliseconds (got ${show(v)})`);
    }
  }
  return errs;
}

function blockAffinitySpec(s: Spec): Errs {
  const errs: Errs = [];
  str(errs, s.node, 'spec.node', true);
  cidr(errs, s.cidr, 'spec.cidr', true);
  if (s.state === undefined) errs.push('spec.state is required');
  oneOf(errs, s.state, 'spec.state', ['pending', 'confirmed', 'pendingDeletion']);
  return errs;
}

function ipamHandleSpec(s: Spec): Errs {
  const errs: Errs = [];
  str(errs, s.handleID, 'spec.handleID', true);
  if (obj(errs, s.block, 'spec.block', true)) {
    for (const [k, v] of Object.entries(s.block)) int(errs, v, `spec.block[${show(k)}]`, 0, Number.MAX_SAFE_INTEGER);
  }
  return errs;
}

export const SPEC_CHECKS: Record<Kind, (spec: Spec) => Errs> = {
  Node: nodeSpec,
  WorkloadEndpoint: workloadEndpointSpec,
  Namespace: () => [],
  NetworkPolicy: networkPolicySpec,
  IPPool: ipPoolSpec,
  BGPConfiguration: bgpConfigurationSpec,
  BGPPeer: bgpPeerSpec,
  IPAMBlock: ipamBlockSpec,
  BlockAffinity: blockAffinitySpec,
  IPAMHandle: ipamHandleSpec,
};
