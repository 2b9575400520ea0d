// bgpd's YAML configuration (docs/bgpd-config.md) → SpeakerConfig. Every
// problem is reported with file, line and field path, e.g.
//   bgpd.yaml:12: peers[1].holdTime: must be 0 or between 3 and 65535 (got 2)
// All problems are collected, not just the first.

import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { compilePolicies } from '../policy/index.js';
import { GR_DEFAULTS, PEER_DEFAULTS, type GracefulRestartConfig, type OriginateConfig, type PeerConfig, type SpeakerConfig } from '../speaker/index.js';
import { familyByName, parseIpv4, parseIpv6, tryParsePrefix, type FamilyName } from '../wire/index.js';

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

type Path = (string | number)[];
const show = (p: Path) => p.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${k}` : k), '');

class Checker {
  readonly problems: { path: Path; message: string }[] = [];
  bad(path: Path, message: string): undefined {
    this.problems.push({ path, message });
    return undefined;
  }
  obj(v: unknown, path: Path): Record<string, unknown> | undefined {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return this.bad(path, 'must be a mapping');
    return v as Record<string, unknown>;
  }
  unknownKeys(o: Record<string, unknown>, allowed: readonly string[], path: Path): void {
    for (const k of Object.keys(o)) if (!allowed.includes(k)) this.bad([...path, k], `unknown field (allowed: ${allowed.join(', ')})`);
  }
  int(v: unknown, path: Path, min: number, max: number, what = `an integer from ${min} to ${max}`): number | undefined {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) return this.bad(path, `must be ${what} (got ${JSON.stringify(v)})`);
    return v;
  }
  asn(v: unknown, path: Path): number | undefined {
    if (typeof v === 'string' && /^\d+\.\d+$/.test(v)) {
      const [hi, lo] = v.split('.').map(Number) as [number, number];
      if (hi <= 0xffff && lo <= 0xffff) return hi * 65536 + lo;
    }
    return this.int(v, path, 1, 4294967295, 'an AS number 1..4294967295 (or asdot "1.10")');
  }
  ip(v: unknown, path: Path): string | undefined {
    if (typeof v !== 'string' || (parseIpv4(v) === undefined && parseIpv6(v) === undefined)) return this.bad(path, `must be an IPv4 or IPv6 address (got ${JSON.stringify(v)})`);
    return v;
  }
  ipv4(v: unknown, path: Path): string | undefined {
    if (typeof v !== 'string' || parseIpv4(v) === undefined) return this.bad(path, `must be a dotted-quad IPv4 address (got ${JSON.stringify(v)})`);
    return v;
  }
  bool(v: unknown, path: Path): boolean | undefined {
    if (typeof v !== 'boolean') return this.bad(path, `must be true or false (got ${JSON.stringify(v)})`);
    return v;
  }
  str(v: unknown, path: Path): string | undefined {
    if (typeof v !== 'string' || v === '') return this.bad(path, 'must be a non-empty string');
    return v;
  }
  list(v: unknown, path: Path): unknown[] | undefined {
    if (!Array.isArray(v)) return this.bad(path, 'must be a list');
    return v;
  }
}

const PEER_KEYS = ['name', 'address', 'asn', 'port', 'localAddress', 'passive', 'holdTime', 'keepaliveTime', 'connectRetryTime', 'delayOpenTime',
  'families', 'requiredFamilies', 'import', 'export', 'nextHop', 'allowasIn', 'mrai', 'routeReflectorClient',
  'password', 'ttlSecurity', 'multihop', 'gracefulRestart', 'addPath', 'maxPrefix', 'sendHoldTime'] as const;

/** gracefulRestart: false, or { restartTime, longLivedStaleTime, notification } (defaults GR_DEFAULTS). */
function gracefulRestart(c: Checker, v: unknown, path: Path): GracefulRestartConfig | false | undefined {
  if (v === false) return false;
  if (v === true) return GR_DEFAULTS;
  const o = c.obj(v, path);
  if (!o) return undefined;
  c.unknownKeys(o, ['restartTime', 'longLivedStaleTime', 'notification'], path);
  const restartTime = o.restartTime === undefined ? GR_DEFAULTS.restartTime : c.int(o.restartTime, [...path, 'restartTime'], 0, 4095, 'seconds from 0 to 4095 (12 bits, RFC 4724)');
  const longLivedStaleTime = o.longLivedStaleTime === undefined ? 0 : c.int(o.longLivedStaleTime, [...path, 'longLivedStaleTime'], 0, 0xffffff, 'seconds from 0 to 16777215 (24 bits, RFC 9494)');
  const notification = o.notification === undefined ? true : c.bool(o.notification, [...path, 'notification']);
  if (restartTime === undefined || longLivedStaleTime === undefined || notification === undefined) return undefined;
  return { restartTime, longLivedStaleTime, notification };
}

function peer(c: Checker, v: unknown, path: Path): PeerConfig | undefined {
  const o = c.obj(v, path);
  if (!o) return undefined;
  c.unknownKeys(o, PEER_KEYS, path);
  const name = c.str(o.name, [...path, 'name']);
  const address = c.ip(o.address, [...path, 'address']);
  const asn = c.asn(o.asn, [...path, 'asn']);
  const opt = <T>(k: string, f: (v: unknown, p: Path) => T | undefined): T | undefined => (o[k] === undefined ? undefined : f(o[k], [...path, k]));
  const holdTime = opt('holdTime', (x, p) => (x === 0 ? 0 : c.int(x, p, 3, 65535, '0 or between 3 and 65535')));
  const familyList = (x: unknown, p: Path) => {
    const l = c.list(x, p);
    return l?.map((f, i) => (typeof f === 'string' && familyByName(f) ? (f as FamilyName) : c.bad([...p, i], 'must be ipv4-unicast or ipv6-unicast'))).filter((f): f is FamilyName => !!f);
  };
  const families = opt('families', familyList);
  const requiredFamilies = opt('requiredFamilies', familyList);
  const nextHop = opt('nextHop', (x, p) => (x === 'self' || x === 'keep' ? x : c.ip(x, p)));
  // RFC 2385 key: the kernel takes 1..80 bytes; a number in YAML must be quoted to stay a string
  const password = opt('password', (x, p) => {
    if (typeof x !== 'string' || x === '') return c.bad(p, `must be a non-empty string (quote it in YAML; got ${typeof x === 'string' ? '""' : typeof x})`);
    const n = Buffer.byteLength(x, 'utf8');
    return n <= 80 ? x : c.bad(p, `must be at most 80 bytes (TCP-MD5 key, RFC 2385; got ${n})`);
  });
  const ttlSecurity = opt('ttlSecurity', (x, p) => c.int(x, p, 1, 254, 'a hop count from 1 to 254 (GTSM, RFC 5082; 1 = directly connected)'));
  const multihop = opt('multihop', (x, p) => c.int(x, p, 1, 255, 'a TTL from 1 to 255'));
  if (ttlSecurity !== undefined && multihop !== undefined) c.bad([...path, 'multihop'], 'cannot be combined with ttlSecurity (GTSM always sends with TTL 255; ttlSecurity gives the hop count)');
  const gr = opt('gracefulRestart', (x, p) => gracefulRestart(c, x, p));
  const addPath = opt('addPath', (x, p) => {
    const a = c.obj(x, p);
    if (!a) return undefined;
    c.unknownKeys(a, ['receive', 'send'], p);
    const receive = a.receive === undefined ? false : c.bool(a.receive, [...p, 'receive']);
    const send = a.send === undefined ? 0 : c.int(a.send, [...p, 'send'], 0, 255, 'the number of paths per prefix to send, 0 to 255 (0 = none)');
    return receive === undefined || send === undefined ? undefined : { receive, send };
  });
  const maxPrefix = opt('maxPrefix', (x, p) => {
    const m = c.obj(x, p);
    if (!m) return undefined;
    c.unknownKeys(m, ['limit', 'warningPercent', 'restartTime'], p);
    const limit = c.int(m.limit, [...p, 'limit'], 1, 4294967295, 'a prefix count of at least 1');
    const warningPercent = m.warningPercent === undefined ? undefined : c.int(m.warningPercent, [...p, 'warningPercent'], 1, 100, 'a percentage from 1 to 100');
    const restartTime = m.restartTime === undefined ? undefined : c.int(m.restartTime, [...p, 'restartTime'], 0, 86400, 'seconds from 0 to 86400 (0 = stay down until reset)');
    return limit === undefined ? undefined : { limit, ...defined({ warningPercent, restartTime }) };
  });
  const sendHoldTime = opt('sendHoldTime', (x, p) => (x === 0 ? 0 : c.int(x, p, 3, 65535, '0 (off) or seconds from 3 to 65535')));
  if (sendHoldTime && holdTime !== undefined && holdTime > 0 && sendHoldTime < holdTime) c.bad([...path, 'sendHoldTime'], `must be at least the hold time ${holdTime} (RFC 9687)`);
  if (!name || !address || asn === undefined) return undefined;
  const pc: PeerConfig = {
    ...PEER_DEFAULTS, name, address, asn,
    ...defined({
      port: opt('port', (x, p) => c.int(x, p, 1, 65535)),
      localAddress: opt('localAddress', (x, p) => c.ip(x, p)),
      passive: opt('passive', (x, p) => c.bool(x, p)),
      holdTime,
      keepaliveTime: opt('keepaliveTime', (x, p) => c.int(x, p, 1, 21845)),
      connectRetryTime: opt('connectRetryTime', (x, p) => c.int(x, p, 1, 3600)),
      delayOpenTime: opt('delayOpenTime', (x, p) => c.int(x, p, 0, 240)),
      families,
      requiredFamilies,
      import: opt('import', (x, p) => c.str(x, p)),
      export: opt('export', (x, p) => c.str(x, p)),
      nextHop,
      allowasIn: opt('allowasIn', (x, p) => c.int(x, p, 0, 10)),
      mrai: opt('mrai', (x, p) => (typeof x === 'number' && x >= 0 && x <= 600 ? x : c.bad(p, `must be seconds from 0 to 600 (got ${JSON.stringify(x)})`))),
      routeReflectorClient: opt('routeReflectorClient', (x, p) => c.bool(x, p)),
      password,
      ttlSecurity,
      multihop,
      gracefulRestart: gr,
      addPath,
      maxPrefix,
      sendHoldTime,
    }),
  };
  return pc;
}

function originate(c: Checker, v: unknown, path: Path): OriginateConfig | undefined {
  const o = c.obj(v, path);
  if (!o) return undefined;
  c.unknownKeys(o, ['prefix', 'communities', 'largeCommunities', 'med', 'localPref', 'nextHop'], path);
  if (typeof o.prefix !== 'string' || !tryParsePrefix(o.prefix)) return c.bad([...path, 'prefix'], `must be a prefix like 100.64.0.0/26 (got ${JSON.stringify(o.prefix)})`);
  return {
    prefix: o.prefix,
    ...defined({
      communities: o.communities === undefined ? undefined : (c.list(o.communities, [...path, 'communities']) as string[] | undefined),
      largeCommunities: o.largeCommunities === undefined ? undefined : (c.list(o.largeCommunities, [...path, 'largeCommunities']) as string[] | undefined),
      med: o.med === undefined ? undefined : c.int(o.med, [...path, 'med'], 0, 4294967295),
      localPref: o.localPref === undefined ? undefined : c.int(o.localPref, [...path, 'localPref'], 0, 4294967295),
      nextHop: o.nextHop === undefined ? undefined : c.ip(o.nextHop, [...path, 'nextHop']),
    }),
  };
}

function defined<T extends Record<string, unknown>>(o: T): Partial<{ [K in keyof T]: Exclude<T[K], undefined> }> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as never;
}

export interface DaemonConfig {
  readonly speaker: SpeakerConfig;
  readonly control?: string;
  /** The gRPC API (bgp/api): a unix socket and optionally a loopback TCP address. */
  readonly api?: { readonly socket: string; readonly tcp?: string };
}

function apiConfig(c: Checker, v: unknown): DaemonConfig['api'] {
  const o = c.obj(v, ['api']);
  if (!o) return undefined;
  c.unknownKeys(o, ['socket', 'tcp'], ['api']);
  const socket = c.str(o.socket, ['api', 'socket']);
  let tcp: string | undefined;
  if (o.tcp !== undefined) {
    const m = typeof o.tcp === 'string' ? /^(127\.\d+\.\d+\.\d+|\[::1\]|localhost):(\d{1,5})$/.exec(o.tcp) : null;
    if (!m || Number(m[2]) > 65535) c.bad(['api', 'tcp'], `must be a loopback address and port like 127.0.0.1:50051 or [::1]:50051 (got ${JSON.stringify(o.tcp)})`);
    else tcp = o.tcp as string;
  }
  return socket ? { socket, ...(tcp ? { tcp } : {}) } : undefined;
}

/** Validate an already-parsed document; problems carry field paths. */
export function validateConfig(doc: unknown): { config?: DaemonConfig; problems: { path: Path; message: string }[] } {
  const c = new Checker();
  const o = c.obj(doc, []);
  if (!o) return { problems: c.problems };
  c.unknownKeys(o, ['routerId', 'asn', 'listen', 'control', 'api', 'multipath', 'alwaysCompareMed', 'peers', 'policies', 'originate', 'hostname',
    'clusterId', 'clientToClientReflection', 'gracefulRestart', 'selectionDeferralTime'], []);
  const routerId = c.ipv4(o.routerId, ['routerId']);
  const asn = c.asn(o.asn, ['asn']);
  const listen = o.listen === undefined ? [{ address: '::', port: 179 }] : (c.list(o.listen, ['listen']) ?? []).map((l, i) => {
    const lo = c.obj(l, ['listen', i]);
    const address = lo && c.ip(lo.address, ['listen', i, 'address']);
    const port = lo && (lo.port === undefined ? 179 : c.int(lo.port, ['listen', i, 'port'], 0, 65535));
    return address && port !== undefined ? { address, port } : undefined;
  }).filter((x): x is { address: string; port: number } => !!x);
  const peers = (o.peers === undefined ? [] : c.list(o.peers, ['peers']) ?? []).map((p, i) => peer(c, p, ['peers', i])).filter((p): p is PeerConfig => !!p);
  const names = new Set<string>();
  const addrs = new Set<string>();
  peers.forEach((p, i) => {
    if (names.has(p.name)) c.bad(['peers', i, 'name'], `duplicate peer name ${p.name}`);
    if (addrs.has(p.address)) c.bad(['peers', i, 'address'], `duplicate peer address ${p.address}`);
    names.add(p.name);
    addrs.add(p.address);
  });
  const { policies, problems } = compilePolicies(o.policies ?? []);
  for (const pr of problems) c.bad(parsePath(pr.path), pr.message);
  peers.forEach((p, i) => {
    for (const dir of ['import', 'export'] as const) {
      const n = p[dir];
      if (n !== undefined && n !== 'accept-all' && n !== 'reject-all' && !policies.has(n)) c.bad(['peers', i, dir], `policy ${JSON.stringify(n)} is not defined under policies`);
    }
  });
  const originated = (o.originate === undefined ? [] : c.list(o.originate, ['originate']) ?? []).map((x, i) => originate(c, x, ['originate', i])).filter((x): x is OriginateConfig => !!x);
  const multipath = o.multipath === undefined ? false : c.bool(o.multipath, ['multipath']);
  const alwaysCompareMed = o.alwaysCompareMed === undefined ? false : c.bool(o.alwaysCompareMed, ['alwaysCompareMed']);
  const control = o.control === undefined ? undefined : c.str(o.control, ['control']);
  const api = o.api === undefined ? undefined : apiConfig(c, o.api);
  const clusterId = o.clusterId === undefined ? undefined : c.ipv4(o.clusterId, ['clusterId']);
  const clientToClientReflection = o.clientToClientReflection === undefined ? undefined : c.bool(o.clientToClientReflection, ['clientToClientReflection']);
  const gr = o.gracefulRestart === undefined ? undefined : gracefulRestart(c, o.gracefulRestart, ['gracefulRestart']);
  const selectionDeferralTime = o.selectionDeferralTime === undefined ? undefined : c.int(o.selectionDeferralTime, ['selectionDeferralTime'], 1, 3600, 'seconds from 1 to 3600');
  peers.forEach((p, i) => {
    if (p.routeReflectorClient && asn !== undefined && p.asn !== asn) c.bad(['peers', i, 'routeReflectorClient'], `only an iBGP peer (asn ${asn}) can be a route-reflector client`);
  });
  if (c.problems.length || !routerId || asn === undefined) return { problems: c.problems };
  const speaker: SpeakerConfig = {
    routerId, asn, listen, multipath: multipath ?? false, alwaysCompareMed: alwaysCompareMed ?? false, peers,
    policies: o.policies ?? [], originate: originated, ...(typeof o.hostname === 'string' ? { hostname: o.hostname } : {}),
    ...defined({ clusterId, clientToClientReflection, gracefulRestart: gr, selectionDeferralTime }),
  };
  return { config: { speaker, ...(control ? { control } : {}), ...(api ? { api } : {}) }, problems: [] };
}

function parsePath(s: string): Path {
  const out: Path = [];
  for (const m of s.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}

/** Read, parse and validate a config file; throws ConfigError with file:line: field: message lines. */
export function loadConfig(file: string, text = readFileSync(file, 'utf8')): DaemonConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length) {
    throw new ConfigError(doc.errors.map((e) => `${file}:${lines.linePos(e.pos[0]).line}: YAML syntax: ${e.message.split('\n')[0]}`));
  }
  const { config, problems } = validateConfig(doc.toJS());
  if (!config) {
    throw new ConfigError(problems.map((p) => {
      let line: number | undefined;
      for (let n = p.path.length; n >= 0 && line === undefined; n--) {
        const node = doc.getIn(p.path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
        if (node && typeof node === 'object' && node.range) line = lines.linePos(node.range[0]).line;
      }
      return `${file}:${line ?? 1}: ${show(p.path) || '(top level)'}: ${p.message}`;
    }));
  }
  return config;
}
