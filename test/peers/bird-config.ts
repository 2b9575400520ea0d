// SpeakerSpec -> bird.conf (BIRD 2). One `protocol bgp <neighbour name>` per
// neighbour with an ipv4 and/or ipv6 channel; per neighbour, direction and
// family one filter (community test, then the prefix list in order, implicit
// deny); originated routes as blackhole statics carrying their attributes;
// optionally a bulk static protocol of N /32s from 100.64.0.0 in an include
// file (the benchmark injector: parsed before the session is enabled).
// Session features: `password`, `ttl security` (+ `direct` / `multihop N`),
// `multihop`, `graceful restart` and `long lived graceful restart` at protocol
// level (RFC 4724, RFC 9494; BIRD has no RFC 8538 switch), `rr client` and
// `rr cluster id` (RFC 4456), channel `add paths rx|tx|on` (RFC 7911; no send
// limit) and `import limit N action restart` (no restart timer).
import { renameSync, writeFileSync } from 'node:fs';
import { parseCidr } from '../netns/index.js';
import { familiesOf, isV6, type Family, type FilterSpec, type NeighborSpec, type OriginRoute, type SpeakerSpec } from './types.js';

export const BULK_PROTOCOL = 'bulk';
const RESERVED = new Set(['device', 'orig4', 'orig6', BULK_PROTOCOL]);

const pair = (c: string) => `(${c.split(':').join(',')})`;

function prefixPattern(prefix: string, ge?: number, le?: number): string {
  const { len, family } = parseCidr(prefix);
  if (ge === undefined && le === undefined) return prefix;
  return `${prefix}{${ge ?? len},${le ?? (family === 'ipv4' ? 32 : 128)}}`;
}

function filterBody(f: FilterSpec | undefined, fam: Family, pre = ''): string {
  if (f === undefined || f === 'all') return `${pre}  accept;\n`;
  if (f === 'none') return '  reject;\n';
  let s = pre;
  if (f.community) {
    const any = f.community.any.map((c) => `${pair(c)} ~ bgp_community`).join(' || ') || 'false';
    s += f.community.action === 'reject' ? `  if ${any} then reject;\n` : `  if !(${any}) then reject;\n`;
  }
  if (f.prefixList) {
    for (const r of f.prefixList.filter((x) => isV6(x.prefix) === (fam === 'ipv6-unicast'))) {
      s += `  if net ~ [ ${prefixPattern(r.prefix, r.ge, r.le)} ] then ${r.action === 'permit' ? 'accept' : 'reject'};\n`;
    }
    return `${s}  reject;\n`;
  }
  return `${s}  accept;\n`;
}

function staticRoute(r: OriginRoute): string {
  const set = [
    ...(r.communities ?? []).map((c) => `bgp_community.add(${pair(c)});`),
    ...(r.largeCommunities ?? []).map((c) => `bgp_large_community.add(${pair(c)});`),
    ...(r.med !== undefined ? [`bgp_med = ${r.med};`] : []),
    ...(r.localPref !== undefined ? [`bgp_local_pref = ${r.localPref};`] : []),
  ];
  return `  route ${r.prefix} blackhole${set.length ? ` { ${set.join(' ')} }` : ''};\n`;
}

// BIRD sends MED to an eBGP neighbour only when the export filter set it ("fresh")
function medSetters(orig: OriginRoute[]): string {
  return orig.filter((r) => r.med !== undefined)
    .map((r) => `  if net = ${r.prefix} && proto = "${isV6(r.prefix) ? 'orig6' : 'orig4'}" then bgp_med = ${r.med};\n`).join('');
}

/** Session-feature options at protocol level: TCP-MD5, GTSM / multihop, graceful restart + LLGR, route reflection. */
function sessionOptions(n: NeighborSpec, spec: SpeakerSpec): string {
  let s = '';
  if (n.password !== undefined) s += `  password "${n.password}";\n`;
  if (n.ttlSecurity !== undefined) s += `  ttl security yes; ${n.ttlSecurity === 1 ? 'direct' : `multihop ${n.ttlSecurity}`};\n`;
  if (n.multihop !== undefined) s += `  multihop ${n.multihop};\n`;
  const gr = n.gracefulRestart;
  if (gr === false) s += '  graceful restart off;\n';
  else if (gr) {
    if (gr.notification) throw new Error(`bird: neighbour ${n.name}: BIRD 2 has no switch for the RFC 8538 N bit (gracefulRestart.notification)`);
    s += '  graceful restart on;\n';
    if (gr.restartTime !== undefined) s += `  graceful restart time ${gr.restartTime};\n`;
    if (gr.longLivedStaleTime !== undefined) s += `  long lived graceful restart on; long lived stale time ${gr.longLivedStaleTime};\n`;
  }
  if (n.rrClient) s += '  rr client;\n';
  if (spec.clusterId !== undefined && n.asn === spec.asn) s += `  rr cluster id ${spec.clusterId};\n`;
  return s;
}

/** Channel options: ADD-PATH direction and the import limit. */
function channelOptions(n: NeighborSpec): string {
  let s = '';
  const rx = n.addPath?.receive === true;
  const tx = (n.addPath?.send ?? 0) > 0; // BIRD has no send limit: it sends every path it holds
  if (rx || tx) s += ` add paths ${rx && tx ? 'on' : rx ? 'rx' : 'tx'};`;
  if (n.maxPrefix) {
    if (n.maxPrefix.restartTime !== undefined) {
      throw new Error(`bird: neighbour ${n.name}: BIRD has no restart timer for import limits (maxPrefix.restartTime); it restarts at once`);
    }
    s += ` import limit ${n.maxPrefix.limit} action restart;`;
  }
  return s;
}

function bgpProtocol(n: NeighborSpec, spec: SpeakerSpec): string {
  if (RESERVED.has(n.name)) throw new Error(`bird: neighbour name ${n.name} is reserved`);
  const hold = n.holdTime ?? 9;
  let s = `protocol bgp ${n.name} {\n`;
  s += `  local ${n.localAddress ?? ''} as ${spec.asn};\n  neighbor ${n.address} as ${n.asn};\n`;
  if (n.passive) s += '  passive on;\n';
  if (n.disabled) s += '  disabled yes;\n';
  s += `  hold time ${hold}; keepalive time ${Math.max(1, Math.floor(hold / 3))};\n`;
  s += '  connect delay time 0; connect retry time 2; error wait time 1, 5;\n';
  s += sessionOptions(n, spec);
  for (const fam of familiesOf(n)) {
    const ch = fam === 'ipv4-unicast' ? 'ipv4' : 'ipv6';
    const suffix = ch === 'ipv4' ? '4' : '6';
    s += `  ${ch} { import filter ${n.name}_in${suffix}; export filter ${n.name}_out${suffix};`;
    if (ch === 'ipv6' && n.nextHop6) s += ` next hop address ${n.nextHop6};`;
    s += `${channelOptions(n)} };\n`;
  }
  return `${s}}\n`;
}

export interface BirdConfigOptions {
  logFile: string;
  /** N static /32 blackholes from 100.64.0.0 in protocol `bulk`, read from this include file */
  bulkInclude?: string;
}

export function birdConfig(spec: SpeakerSpec, opts: BirdConfigOptions): string {
  let c = `router id ${spec.routerId};\ntimeformat protocol iso long us;\n`;
  c += `log "${opts.logFile}" { info, remote, warning, error, auth, fatal, bug };\n`;
  c += 'protocol device { scan time 10; }\n';
  const orig = spec.originate ?? [];
  for (const [name, v6] of [['orig4', false], ['orig6', true]] as const) {
    const rs = orig.filter((r) => isV6(r.prefix) === v6);
    if (rs.length) c += `protocol static ${name} {\n  ${v6 ? 'ipv6' : 'ipv4'};\n${rs.map(staticRoute).join('')}}\n`;
  }
  if (opts.bulkInclude) c += `protocol static ${BULK_PROTOCOL} {\n  ipv4;\ninclude "${opts.bulkInclude}";\n}\n`;
  for (const n of spec.neighbors) {
    for (const fam of familiesOf(n)) {
      const suffix = fam === 'ipv4-unicast' ? '4' : '6';
      c += `filter ${n.name}_in${suffix} {\n${filterBody(n.import, fam)}}\n`;
      c += `filter ${n.name}_out${suffix} {\n${filterBody(n.export, fam, medSetters(orig.filter((r) => isV6(r.prefix) === (fam === 'ipv6-unicast'))))}}\n`;
    }
    c += bgpProtocol(n, spec);
  }
  return c;
}

/** Writes `route 100.64.x.y/32 blackhole;` lines for n consecutive addresses from 100.64.0.0 (n <= 2^22). */
export function writeBulkInclude(path: string, n: number): void {
  if (n > 1 << 22) throw new Error(`${n} /32s do not fit in 100.64.0.0/10`);
  const base = (100 << 24) | (64 << 16);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const a = (base + i) >>> 0;
    parts.push(`route ${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}/32 blackhole;\n`);
  }
  writeFileSync(`${path}.tmp`, parts.join(''));
  renameSync(`${path}.tmp`, path);
}
