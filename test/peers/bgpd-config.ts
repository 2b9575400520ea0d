// SpeakerSpec -> our bgpd's YAML (docs/bgpd-config.md), using only documented
// fields. Filters become one policy per neighbour and direction: statements
// in order — first attribute setters without a decision (fall through): the
// IPv6 next hop over IPv4 sessions, and for originated routes the attributes
// `originate` does not document (large communities, MED, local pref); then a
// community reject, then one statement per prefix-list entry (permit
// statements also require the community under accept-only); `default` is
// reject when a prefix list or accept-only is given, else accept.
// Session features map one to one onto peer keys: password, ttlSecurity
// (hops), multihop (TTL), gracefulRestart (false | {restartTime,
// longLivedStaleTime, notification}), addPath {receive, send},
// routeReflectorClient, maxPrefix {limit, restartTime}; top-level clusterId.
import { stringify } from 'yaml';
import { parseCidr } from '../netns/index.js';
import { familiesOf, isV6, type FilterSpec, type NeighborSpec, type SpeakerSpec } from './types.js';

interface Statement { match?: Record<string, unknown>; actions: Record<string, unknown> }
interface Policy { name: string; default: 'accept' | 'reject'; statements: Statement[] }

function prefixMatch(prefix: string, ge?: number, le?: number): Record<string, unknown> {
  const { len, family } = parseCidr(prefix);
  const max = family === 'ipv4' ? 32 : 128;
  return { prefix, ge: ge ?? len, le: le ?? (ge !== undefined ? max : len) };
}

function policyFor(spec: SpeakerSpec, n: NeighborSpec, dir: 'import' | 'export', f: FilterSpec | undefined): Policy | string {
  const setters: Statement[] = [];
  if (dir === 'export') {
    if (n.nextHop6 && familiesOf(n).includes('ipv6-unicast')) {
      setters.push({ match: { families: ['ipv6-unicast'] }, actions: { setNextHop: n.nextHop6 } });
    }
    for (const r of spec.originate ?? []) {
      const a: Record<string, unknown> = {};
      if (r.largeCommunities?.length) a.addLargeCommunities = r.largeCommunities;
      if (r.med !== undefined) a.setMed = r.med;
      if (r.localPref !== undefined) a.setLocalPref = r.localPref;
      if (Object.keys(a).length) setters.push({ match: { prefixes: [prefixMatch(r.prefix)] }, actions: a });
    }
  }
  if (f === 'none') return 'reject-all';
  if ((f === undefined || f === 'all') && !setters.length) return 'accept-all';
  const name = `${n.name}-${dir}`;
  if (f === undefined || f === 'all') return { name, default: 'accept', statements: setters };
  const st = [...setters];
  const only = f.community?.action === 'accept-only' ? f.community.any : undefined;
  if (f.community?.action === 'reject') st.push({ match: { communities: f.community.any }, actions: { accept: false } });
  for (const r of f.prefixList ?? []) {
    const match: Record<string, unknown> = { prefixes: [prefixMatch(r.prefix, r.ge, r.le)], families: [isV6(r.prefix) ? 'ipv6-unicast' : 'ipv4-unicast'] };
    if (r.action === 'permit' && only) match.communities = only;
    st.push({ match, actions: { accept: r.action === 'permit' } });
  }
  if (only && !f.prefixList) st.push({ match: { communities: only }, actions: { accept: true } });
  return { name, default: f.prefixList || only ? 'reject' : 'accept', statements: st };
}

/** The peer keys of the session features (only those the spec sets). */
function sessionKeys(n: NeighborSpec): Record<string, unknown> {
  const k: Record<string, unknown> = {};
  if (n.password !== undefined) k.password = n.password;
  if (n.ttlSecurity !== undefined) k.ttlSecurity = n.ttlSecurity;
  if (n.multihop !== undefined) k.multihop = n.multihop;
  if (n.gracefulRestart !== undefined) k.gracefulRestart = n.gracefulRestart === false ? false : { ...n.gracefulRestart };
  if (n.addPath) k.addPath = { ...n.addPath };
  if (n.rrClient) k.routeReflectorClient = true;
  if (n.maxPrefix) k.maxPrefix = { ...n.maxPrefix };
  return k;
}

export function bgpdConfig(spec: SpeakerSpec, control: string, apiSocket?: string): string {
  const policies: Policy[] = [];
  const ref = (p: Policy | string) => {
    if (typeof p === 'string') return p;
    policies.push(p);
    return p.name;
  };
  const peers = spec.neighbors.map((n) => {
    if (n.disabled) throw new Error('bgpd: the documented config has no administratively disabled peer');
    const hold = n.holdTime ?? 9;
    return {
      name: n.name, address: n.address, asn: n.asn,
      ...(n.localAddress ? { localAddress: n.localAddress } : {}),
      ...(n.passive ? { passive: true } : {}),
      holdTime: hold, keepaliveTime: Math.max(1, Math.floor(hold / 3)), connectRetryTime: 2,
      families: familiesOf(n),
      import: ref(policyFor(spec, n, 'import', n.import)),
      export: ref(policyFor(spec, n, 'export', n.export)),
      ...sessionKeys(n),
    };
  });
  const originate = (spec.originate ?? []).map((r) => ({ prefix: r.prefix, ...(r.communities?.length ? { communities: r.communities } : {}) }));
  const doc = {
    routerId: spec.routerId, asn: spec.asn, control, ...(apiSocket ? { api: { socket: apiSocket } } : {}),
    ...(spec.clusterId !== undefined ? { clusterId: spec.clusterId } : {}),
    peers,
    ...(policies.length ? { policies } : {}),
    ...(originate.length ? { originate } : {}),
  };
  return `# generated by test/peers/bgpd-config.ts for ${spec.name}\n${stringify(doc)}`;
}
