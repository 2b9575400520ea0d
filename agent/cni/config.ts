// One CNI invocation, parsed and checked (CNI spec 1.1 §"Parameters",
// §"Network configuration"): the CNI_* variables as the runtime set them and
// the network configuration from stdin. Every problem becomes a CniError with
// the spec's code — 4 for the environment, 6 for JSON that does not decode,
// 7 for a configuration that decodes but is wrong, 1 for a version we do not
// speak — and a message that names the variable or field.
//
// Our configuration keys (beside cniVersion/name/type/dns/prevResult):
//   "routes":  [{"dst": "<cidr>"}]   routes the pod gets via the host
//              (default 0.0.0.0/0 and ::/0, like Calico; tests use 100.64.0.0/10)
//   "ipam":    {"assign_ipv4": true, "assign_ipv6": false}   (booleans or "true"/"false")
//   "mtu":     pod interface MTU (default: the kernel's, 1500)
//   "interface_prefix": host-side interface prefix (default "cali")
//   "agent_socket": the agent's socket (read by the plugin only, cni/README.md)
import { parsePrefix } from '../dataplane/netlink/addr.js';
import { CniError, compareVersions, ErrorCode, isSupported, LATEST_VERSION, type ResultDns, SUPPORTED_VERSIONS } from './spec.js';

export const COMMANDS = ['ADD', 'DEL', 'CHECK', 'STATUS', 'GC', 'VERSION'] as const;
export type Command = (typeof COMMANDS)[number];

/** The CNI_* variables; undefined = not set. */
export interface CniEnv {
  command?: string | undefined;
  containerId?: string | undefined;
  netns?: string | undefined;
  ifname?: string | undefined;
  args?: string | undefined;
  path?: string | undefined;
}

export interface Attachment { containerID: string; ifname: string }

export interface NetConf {
  cniVersion: string;
  name: string;
  type: string;
  /** pod routes' destinations, canonical CIDRs */
  routes: string[];
  assignIpv4: boolean;
  assignIpv6: boolean;
  mtu?: number;
  interfacePrefix: string;
  dns?: ResultDns;
  prevResult?: Record<string, unknown>;
  /** GC only: cni.dev/valid-attachments */
  validAttachments?: Attachment[];
}

export interface Invocation {
  command: Command;
  /** "" for STATUS/GC/VERSION */
  containerId: string;
  netns?: string;
  ifname: string;
  args: ReadonlyMap<string, string>;
  conf: NetConf;
}

const DEFAULT_ROUTES = ['0.0.0.0/0', '::/0'];
const CONTAINER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const IFNAME = /^[^/:\s]{1,15}$/;

const env = (what: string): CniError => new CniError(ErrorCode.InvalidEnvironment, what);
const bad = (what: string): CniError => new CniError(ErrorCode.InvalidConfig, `invalid network configuration: ${what}`);

export function parseCommand(e: CniEnv): Command {
  if (e.command === undefined || e.command === '') throw env('CNI_COMMAND is not set');
  if (!(COMMANDS as readonly string[]).includes(e.command)) throw env(`CNI_COMMAND ${JSON.stringify(e.command)} is not one of ${COMMANDS.join(', ')}`);
  return e.command as Command;
}

/** "K=V;K2=V2" → map (CNI_ARGS). */
export function parseArgs(s: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!s) return out;
  for (const pair of s.split(';')) {
    if (pair === '') continue;
    const i = pair.indexOf('=');
    if (i <= 0) throw env(`CNI_ARGS: ${JSON.stringify(pair)} is not KEY=VALUE`);
    out.set(pair.slice(0, i), pair.slice(i + 1));
  }
  return out;
}

/** Decodes stdin; throws code 6 when it is not JSON, 7 when not an object. */
export function decodeConfig(stdin: Buffer | string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(typeof stdin === 'string' ? stdin : stdin.toString('utf8'));
  } catch (e) {
    throw new CniError(ErrorCode.DecodeFailure, `failed to decode the network configuration on stdin: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad('expected a JSON object');
  return v as Record<string, unknown>;
}

function flag(ipam: Record<string, unknown>, key: string, dflt: boolean): boolean {
  const v = ipam[key];
  if (v === undefined) return dflt;
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw bad(`ipam.${key} must be true or false, not ${JSON.stringify(v)}`);
}

function parseRoutes(v: unknown): string[] {
  if (v === undefined) return DEFAULT_ROUTES;
  if (!Array.isArray(v)) throw bad('"routes" must be a list of {"dst": "<cidr>"}');
  return v.map((r, i) => {
    const dst = (r as { dst?: unknown } | null)?.dst;
    if (typeof dst !== 'string') throw bad(`routes[${i}].dst must be a CIDR string`);
    try {
      const p = parsePrefix(dst);
      return `${dst.split('/')[0]}/${p.len}`;
    } catch (e) {
      throw bad(`routes[${i}].dst ${JSON.stringify(dst)}: ${(e as Error).message}`);
    }
  });
}

function parseAttachments(v: unknown): Attachment[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw bad('"cni.dev/valid-attachments" must be a list');
  return v.map((a, i) => {
    const o = a as { containerID?: unknown; ifname?: unknown } | null;
    if (typeof o?.containerID !== 'string' || typeof o.ifname !== 'string') throw bad(`cni.dev/valid-attachments[${i}] needs containerID and ifname`);
    return { containerID: o.containerID, ifname: o.ifname };
  });
}

/** The configuration's version if it is one we speak, for error objects. */
export function replyVersion(raw: Record<string, unknown> | undefined): string {
  const v = raw?.cniVersion;
  return typeof v === 'string' && isSupported(v) ? v : LATEST_VERSION;
}

export function parseNetConf(raw: Record<string, unknown>, command: Command): NetConf {
  const v = raw.cniVersion;
  if (typeof v !== 'string' || v === '') throw bad('"cniVersion" is missing');
  if (!isSupported(v)) {
    throw new CniError(ErrorCode.IncompatibleVersion, `incompatible CNI version ${v}: this plugin supports ${SUPPORTED_VERSIONS.join(', ')}`);
  }
  if (command === 'CHECK' && compareVersions(v, '0.4.0') < 0) throw new CniError(ErrorCode.IncompatibleVersion, `CHECK needs cniVersion 0.4.0 or later (configuration has ${v})`);
  if ((command === 'STATUS' || command === 'GC') && compareVersions(v, '1.1.0') < 0) {
    throw new CniError(ErrorCode.IncompatibleVersion, `${command} needs cniVersion 1.1.0 or later (configuration has ${v})`);
  }
  if (typeof raw.name !== 'string' || raw.name === '') throw bad('"name" is missing');
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(raw.name)) throw bad(`"name" ${JSON.stringify(raw.name)} has characters outside [A-Za-z0-9_.-]`);
  const ipam = (raw.ipam ?? {}) as Record<string, unknown>;
  if (typeof ipam !== 'object' || Array.isArray(ipam)) throw bad('"ipam" must be an object');
  const conf: NetConf = {
    cniVersion: v,
    name: raw.name,
    type: typeof raw.type === 'string' ? raw.type : '',
    routes: parseRoutes(raw.routes),
    assignIpv4: flag(ipam, 'assign_ipv4', true),
    assignIpv6: flag(ipam, 'assign_ipv6', false),
    interfacePrefix: typeof raw.interface_prefix === 'string' ? raw.interface_prefix : 'cali',
  };
  if (!conf.assignIpv4 && !conf.assignIpv6) throw bad('ipam assigns neither IPv4 nor IPv6');
  if (!/^[a-z]{1,4}$/.test(conf.interfacePrefix)) throw bad('"interface_prefix" must be 1-4 lower-case letters');
  if (raw.mtu !== undefined) {
    if (typeof raw.mtu !== 'number' || !Number.isInteger(raw.mtu) || raw.mtu < 576 || raw.mtu > 65535) throw bad('"mtu" must be an integer 576..65535');
    conf.mtu = raw.mtu;
  }
  if (raw.dns !== undefined) {
    if (typeof raw.dns !== 'object' || raw.dns === null || Array.isArray(raw.dns)) throw bad('"dns" must be an object');
    conf.dns = raw.dns as ResultDns;
  }
  if (raw.prevResult !== undefined) {
    if (typeof raw.prevResult !== 'object' || raw.prevResult === null) throw bad('"prevResult" must be an object');
    conf.prevResult = raw.prevResult as Record<string, unknown>;
  }
  const att = parseAttachments(raw['cni.dev/valid-attachments']);
  if (att) conf.validAttachments = att;
  return conf;
}

/** Env + stdin → a checked invocation (VERSION is answered before this). */
export function parseInvocation(e: CniEnv, command: Command, raw: Record<string, unknown>): Invocation {
  const conf = parseNetConf(raw, command);
  const perContainer = command === 'ADD' || command === 'DEL' || command === 'CHECK';
  let containerId = '', ifname = '', netns: string | undefined;
  if (perContainer) {
    if (!e.containerId) throw env('CNI_CONTAINERID is not set');
    if (!CONTAINER_ID.test(e.containerId)) throw env(`CNI_CONTAINERID ${JSON.stringify(e.containerId)} must start with a letter or digit and hold only letters, digits, '_', '.', '-'`);
    if (!e.ifname) throw env('CNI_IFNAME is not set');
    if (!IFNAME.test(e.ifname)) throw env(`CNI_IFNAME ${JSON.stringify(e.ifname)} is not a valid interface name (1-15 characters, no '/', ':' or spaces)`);
    containerId = e.containerId;
    ifname = e.ifname;
    if (e.netns) {
      if (!e.netns.startsWith('/')) throw env(`CNI_NETNS ${JSON.stringify(e.netns)} must be an absolute path`);
      netns = e.netns;
    } else if (command !== 'DEL') {
      throw env('CNI_NETNS is not set');
    }
  }
  const out: Invocation = { command, containerId, ifname, args: parseArgs(e.args), conf };
  if (netns !== undefined) out.netns = netns;
  return out;
}
