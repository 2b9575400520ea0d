// One spec for every BGP speaker the tests run (BIRD 2, FRR bgpd, GoBGP and
// our bgpd), one normalised route shape for what they report, and the driver
// interface they all implement. Each driver turns the spec into its own config
// language; anything a driver cannot express makes it throw at config time.
import { assertRoutePrefix, assertUnderlay } from '../netns/index.js';

export type Family = 'ipv4-unicast' | 'ipv6-unicast';

/** One prefix-list entry: matches prefixes inside `prefix` with length in [ge, le] (default: exactly its length). */
export interface PrefixRule { prefix: string; ge?: number; le?: number; action: 'permit' | 'deny' }

/**
 * An import or export filter. 'all' / 'none', or a rule set: a route passes when
 * it passes the community test AND (when prefixList is given) the first
 * prefix-list entry matching it permits it (no match = deny). The prefix list
 * may mix families; each family's filter uses its own entries.
 */
export type FilterSpec = 'all' | 'none' | {
  prefixList?: PrefixRule[];
  /** reject routes carrying any of these ("a:b"), or accept only routes carrying one of them */
  community?: { any: string[]; action: 'reject' | 'accept-only' };
};

export interface NeighborSpec {
  /** identifier used in queries; [a-z][a-z0-9_]* (BIRD protocol name, bgpd peer name) */
  name: string;
  address: string;
  asn: number;
  localAddress?: string;
  passive?: boolean;
  /** the session starts administratively down (BIRD: `disabled`), enable it with the driver */
  disabled?: boolean;
  families?: Family[];          // default ['ipv4-unicast']
  /** IPv6 next hop we put on IPv6 routes sent over an IPv4 session (MP_REACH) */
  nextHop6?: string;
  import?: FilterSpec;          // default 'all'
  export?: FilterSpec;          // default 'all'
  holdTime?: number;            // default 9 (keepalive hold / 3)
  /** TCP-MD5 signature key (RFC 2385); printable ASCII without spaces or quotes */
  password?: string;
  /** GTSM (RFC 5082): the peer is at most N hops away; send TTL 255, require TTL >= 256 - N */
  ttlSecurity?: number;
  /** eBGP multihop: TTL of our packets (the peer is not directly connected) */
  multihop?: number;
  /** RFC 4724 graceful restart (+ RFC 9494 LLGR, RFC 8538 N bit); false = off; absent = the driver's old default */
  gracefulRestart?: false | GracefulRestartSpec;
  /** RFC 7911 ADD-PATH: receive several paths per prefix / send up to `send` paths per prefix */
  addPath?: { receive?: boolean; send?: number };
  /** the neighbour is our route-reflector client (RFC 4456) */
  rrClient?: boolean;
  /** tear the session down above `limit` accepted prefixes; restart it after restartTime seconds */
  maxPrefix?: { limit: number; restartTime?: number };
}

export interface GracefulRestartSpec {
  /** restart time we advertise, seconds (0..4095) */
  restartTime?: number;
  /** enables LLGR with this long-lived stale time, seconds */
  longLivedStaleTime?: number;
  /** RFC 8538: graceful restart also after NOTIFICATION / hold timer expiry */
  notification?: boolean;
}

export interface OriginRoute {
  prefix: string;
  communities?: string[];       // "a:b"
  largeCommunities?: string[];  // "a:b:c"
  med?: number;
  localPref?: number;
}

export interface SpeakerSpec {
  /** instance name (directory and log names) */
  name: string;
  routerId: string;
  asn: number;
  neighbors: NeighborSpec[];
  originate?: OriginRoute[];
  /** RFC 4456 cluster ID (dotted quad) when reflecting; default: the speaker's own (router ID) */
  clusterId?: string;
}

export type SessionState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established' | 'Unknown';

/** A route as received from a neighbour, in one shape for every speaker. */
export interface Route {
  prefix: string;               // canonical, lower-case IPv6
  nextHop: string;              // global next hop
  linkLocalNextHop?: string;
  asPath: number[];             // segments flattened
  communities: string[];        // "a:b", numeric, sorted
  largeCommunities: string[];   // "a:b:c", sorted
  localPref?: number;
  med?: number;
  /** RFC 7911 path identifier, when the speaker shows it */
  pathId?: number;
  /** graceful-restart / LLGR stale mark, when the speaker shows it */
  stale?: boolean;
  /** RFC 4456 ORIGINATOR_ID and CLUSTER_LIST (in wire order), when present */
  originatorId?: string;
  clusterList?: string[];
}

export interface Speaker {
  readonly kind: 'bird' | 'frr' | 'gobgp' | 'bgpd';
  readonly spec: SpeakerSpec;
  readonly ns: string;
  /** process name -> PID of everything this speaker runs */
  pids(): Record<string, number>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** SIGKILL by PID: the speaker dies without a NOTIFICATION */
  crash(): Promise<void>;
  restart(): Promise<void>;
  /** adds a route to what the speaker originates (spec.originate) and applies it to the running speaker */
  originate(r: OriginRoute): Promise<void>;
  /** stops originating the prefix (removes it from spec.originate) on the running speaker */
  withdraw(prefix: string): Promise<void>;
  /** SIGSTOP / SIGCONT of every process of the speaker, by PID */
  freeze(): void;
  thaw(): void;
  sessionState(neighbor: string): Promise<SessionState>;
  /**
   * accepted routes received from the neighbour, sorted by prefix; with ADD-PATH
   * a prefix may appear several times (one entry per path held, stable order)
   */
  routes(neighbor: string, family: Family): Promise<Route[]>;
  /** accepted route count from the neighbour, without listing routes */
  routeCount(neighbor: string, family: Family): Promise<number>;
  /** log tails for failure messages */
  diagnose(): string;
}

export const familiesOf = (n: NeighborSpec): Family[] => n.families ?? ['ipv4-unicast'];
export const isV6 = (prefix: string): boolean => prefix.includes(':');

export function neighbor(spec: SpeakerSpec, name: string): NeighborSpec {
  const n = spec.neighbors.find((x) => x.name === name);
  if (!n) throw new Error(`${spec.name}: no neighbour named ${name} (have ${spec.neighbors.map((x) => x.name).join(', ')})`);
  return n;
}

const isInt = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;
const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Checks the session-feature knobs of one neighbour (ranges, conflicts). */
function validateKnobs(spec: SpeakerSpec, n: NeighborSpec): void {
  const bad = (what: string) => new Error(`${spec.name}: neighbour ${n.name}: ${what}`);
  if (n.password !== undefined && !/^[!#-~]{1,80}$/.test(n.password)) {
    throw bad('password must be 1-80 printable ASCII characters without spaces or double quotes');
  }
  if (n.ttlSecurity !== undefined && !isInt(n.ttlSecurity, 1, 254)) throw bad(`ttlSecurity ${n.ttlSecurity}: hops must be 1..254`);
  if (n.multihop !== undefined && !isInt(n.multihop, 1, 255)) throw bad(`multihop ${n.multihop}: TTL must be 1..255`);
  if (n.ttlSecurity !== undefined && n.multihop !== undefined) throw bad('ttlSecurity and multihop are exclusive (GTSM already sets the TTL)');
  const gr = n.gracefulRestart;
  if (gr) {
    if (gr.restartTime !== undefined && !isInt(gr.restartTime, 0, 4095)) throw bad(`gracefulRestart.restartTime ${gr.restartTime}: must be 0..4095 s`);
    if (gr.longLivedStaleTime !== undefined && !isInt(gr.longLivedStaleTime, 0, 0xffffff)) {
      throw bad(`gracefulRestart.longLivedStaleTime ${gr.longLivedStaleTime}: must be 0..16777215 s`);
    }
  }
  if (n.addPath?.send !== undefined && !isInt(n.addPath.send, 0, 255)) throw bad(`addPath.send ${n.addPath.send}: must be 0..255`);
  if (n.rrClient && n.asn !== spec.asn) throw bad('rrClient needs an iBGP neighbour (same AS)');
  if (n.maxPrefix) {
    if (!isInt(n.maxPrefix.limit, 1, 0xffffffff)) throw bad(`maxPrefix.limit ${n.maxPrefix.limit}: must be a positive integer`);
    const rt = n.maxPrefix.restartTime;
    if (rt !== undefined && !isInt(rt, 1, 65535 * 60)) throw bad(`maxPrefix.restartTime ${rt}: must be 1..3932100 s`);
  }
}

/** Enforces the network rule and the naming rules before any config is written. */
export function validateSpec(spec: SpeakerSpec): void {
  assertUnderlay(spec.routerId);
  if (spec.clusterId !== undefined) {
    const m = DOTTED_QUAD.exec(spec.clusterId);
    if (!m || m.slice(1).some((x) => Number(x) > 255)) throw new Error(`${spec.name}: clusterId ${spec.clusterId} is not a dotted quad`);
  }
  for (const n of spec.neighbors) {
    if (!/^[a-z][a-z0-9_]*$/.test(n.name)) throw new Error(`${spec.name}: bad neighbour name ${n.name}`);
    validateKnobs(spec, n);
    assertUnderlay(n.address);
    if (n.localAddress) assertUnderlay(n.localAddress);
    if (n.nextHop6) assertUnderlay(n.nextHop6);
    for (const f of [n.import, n.export]) {
      if (typeof f === 'object') for (const r of f.prefixList ?? []) assertRoutePrefix(r.prefix);
    }
  }
  for (const r of spec.originate ?? []) assertRoutePrefix(r.prefix);
}

const WELL_KNOWN: Record<string, string> = {
  gracefulshutdown: '65535:0', acceptown: '65535:1', llgrstale: '65535:6', nollgr: '65535:7', blackhole: '65535:666',
  noexport: '65535:65281', noadvertise: '65535:65282', localas: '65535:65283', noexportsubconfed: '65535:65283', nopeer: '65535:65284',
};

/** "a:b" from a well-known name (FRR: "no-export" or "noExport"), a "a:b" string or a 32-bit number (GoBGP). */
export function normCommunity(c: string | number): string {
  if (typeof c === 'number') return `${Math.floor(c / 65536)}:${c % 65536}`;
  return WELL_KNOWN[c.toLowerCase().replace(/[^a-z]/g, '')] ?? c;
}

const cmpNum = (a: string, b: string) => {
  const x = a.split(':').map(Number); const y = b.split(':').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
};
export const sortCommunities = (cs: string[]): string[] => [...cs].sort(cmpNum);

export function sortRoutes(rs: Route[]): Route[] {
  return rs.sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
}

/** Maps anything a speaker prints to an RFC 4271 state name. */
export function normState(s: string | number | undefined): SessionState {
  const names: SessionState[] = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'];
  if (typeof s === 'number') return names[s - 1] ?? 'Unknown'; // GoBGP enum: 1 idle .. 6 established
  const k = (s ?? '').toLowerCase().replace(/[^a-z]/g, '');
  if (k === 'down' || k === 'start' || k === 'clearing' || k === 'deleted') return 'Idle';
  return names.find((n) => n.toLowerCase() === k) ?? 'Unknown';
}
