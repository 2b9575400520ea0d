// What the CNI specification fixes (github.com/containernetworking/cni
// SPEC.md, versions 0.3.0 .. 1.1.0): the versions we speak, the well-known
// error codes (§"Error"), the error object, and the ADD result (§"Success")
// in the shape each version expects. Pure functions, no I/O.
//  - 0.3.0/0.3.1/0.4.0 results carry "version": "4"|"6" on every IP;
//    1.0.0 dropped it. CHECK exists from 0.4.0, STATUS and GC from 1.1.0.
//  - Versions below 0.3.0 (flat ip4/ip6 results) are refused with code 1.

export const SUPPORTED_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
export const LATEST_VERSION = '1.1.0';

/** Well-known error codes (CNI spec §"Error"); 100+ are ours. */
export const ErrorCode = {
  IncompatibleVersion: 1,
  UnsupportedField: 2,
  UnknownContainer: 3,
  InvalidEnvironment: 4,
  IoFailure: 5,
  DecodeFailure: 6,
  InvalidConfig: 7,
  TryAgainLater: 11,
  PluginNotAvailable: 50,
  LimitedConnectivity: 51,
  /** ours: CHECK found the attachment not as ADD left it */
  CheckFailed: 100,
  /** ours: the agent could not program the dataplane or allocate an address */
  AddFailed: 101,
} as const;

export class CniError extends Error {
  constructor(readonly code: number, msg: string, readonly details?: string) {
    super(msg);
  }
}

export function errorObject(cniVersion: string, e: CniError): Record<string, unknown> {
  const o: Record<string, unknown> = { cniVersion, code: e.code, msg: e.message };
  if (e.details) o.details = e.details;
  return o;
}

/** -1, 0, 1 for dotted numeric versions ("0.3.1" < "1.0.0"). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number), pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

export function isSupported(v: string): boolean {
  return (SUPPORTED_VERSIONS as readonly string[]).includes(v);
}

export function versionInfo(cniVersion: string): Record<string, unknown> {
  return { cniVersion, supportedVersions: [...SUPPORTED_VERSIONS] };
}

// ---- the ADD result --------------------------------------------------------

export interface ResultInterface { name: string; mac?: string; sandbox?: string }
export interface ResultIp { address: string; gateway?: string; interface?: number }
export interface ResultRoute { dst: string; gw?: string }
export interface ResultDns { nameservers?: string[]; domain?: string; search?: string[]; options?: string[] }

export interface CniResult {
  interfaces: ResultInterface[];
  ips: ResultIp[];
  routes: ResultRoute[];
  dns?: ResultDns;
}

/** The result as the given version writes it. */
export function encodeResult(cniVersion: string, r: CniResult): Record<string, unknown> {
  const legacy = compareVersions(cniVersion, '1.0.0') < 0;
  const ips = r.ips.map((ip) => (legacy ? { version: ip.address.includes(':') ? '6' : '4', ...ip } : { ...ip }));
  const out: Record<string, unknown> = { cniVersion, interfaces: r.interfaces, ips, routes: r.routes };
  out.dns = r.dns ?? {};
  return out;
}
