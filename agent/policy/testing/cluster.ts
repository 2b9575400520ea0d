// A one-node "cluster" for the policy namespace tests: a node namespace and
// one namespace per pod, joined Calico-style — host veth `cali` + 11 hex of
// SHA-1("<namespace>.<pod>") with MAC ee:ee:ee:ee:ee:ee, proxy ARP, /32 and
// /128 routes `dev caliX` on the node; in the pod eth0 with a 100.64.0.x/32
// and 2001:db8:100::x/128 address, `169.254.1.1 dev eth0 scope link` and only
// specific routes (100.64.0.0/10 via 169.254.1.1, 2001:db8:100::/48 via the
// host veth's link-local) — never a default route. The node answers ARP for
// 169.254.1.1 because it routes that address out of another interface (gw0).
// Every pod runs probe.mjs servers; probe() runs batches of connections.
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Lab } from '../../../test/netns/index.js';
import type { Endpoint, NamedPort } from '../model.js';

export const PROBE = fileURLToPath(new URL('./probe.mjs', import.meta.url));
export const TCP_PORTS = [8080, 9090, 7000, 7001, 7002, 7003, 5353];
export const UDP_PORTS = [5353, 7000];
const HOST_LL = 'fe80::ecee:eeff:feee:eeee'; // link-local of a veth with MAC ee:ee:ee:ee:ee:ee

export interface PodSpec { namespace: string; name: string; index: number; labels: Record<string, string>; ports?: NamedPort[] }
export interface Pod extends PodSpec { netns: string; ifname: string; v4: string; v6: string }

export const ifnameOf = (namespace: string, pod: string): string =>
  `cali${createHash('sha1').update(`${namespace}.${pod}`).digest('hex').slice(0, 11)}`;

export function endpointOf(p: Pod): Endpoint {
  return { key: `node1/${p.namespace}/${p.name}`, namespace: p.namespace, pod: p.name, ifname: p.ifname, ipv4: [p.v4], ipv6: [p.v6], labels: p.labels, ports: p.ports };
}

export async function buildCluster(lab: Lab, specs: PodSpec[]): Promise<{ node: string; pods: Pod[] }> {
  const node = await lab.namespace('node');
  // no dummy driver on every kernel: a veth pair inside the node stands in for it
  await lab.exec(node, ['ip', '-batch', '-'], {
    input: 'link add gw0 type veth peer name gw1\nlink set gw0 up\nlink set gw1 up\nroute add 169.254.1.1/32 dev gw0\n',
  });
  const pods: Pod[] = [];
  for (const s of specs) {
    const netns = await lab.namespace(`p${s.index}`);
    const ifname = ifnameOf(s.namespace, s.name);
    const pod: Pod = { ...s, netns, ifname, v4: `100.64.0.${s.index}`, v6: `2001:db8:100::${s.index}` };
    await lab.veth({ ns: node, ifname, mac: 'ee:ee:ee:ee:ee:ee' }, { ns: netns, ifname: 'eth0' });
    await lab.exec(netns, ['ip', '-batch', '-'], {
      input: [`addr add ${pod.v4}/32 dev eth0`, `addr add ${pod.v6}/128 dev eth0 nodad`, 'route add 169.254.1.1 dev eth0 scope link',
        'route add 100.64.0.0/10 via 169.254.1.1 dev eth0', `route add 2001:db8:100::/48 via ${HOST_LL} dev eth0`, ''].join('\n'),
    });
    await lab.exec(node, ['sysctl', '-qw', `net.ipv4.conf.${ifname}.proxy_arp=1`, `net.ipv4.neigh.${ifname}.proxy_delay=0`]);
    await lab.exec(node, ['ip', '-batch', '-'], { input: `route add ${pod.v4}/32 dev ${ifname} scope link\nroute add ${pod.v6}/128 dev ${ifname}\n` });
    await lab.spawn(netns, `serve-${s.index}`, ['node', PROBE, 'serve', s.name, TCP_PORTS.join(','), UDP_PORTS.join(',')]);
    pods.push(pod);
  }
  return { node, pods };
}

export interface Probe { from: Pod; to: Pod; proto?: 'tcp' | 'udp'; port: number; v6?: boolean }

/** Runs the probes (grouped per source pod, all in parallel); true where the target answered. */
export async function probe(lab: Lab, probes: Probe[], timeoutMs = 600): Promise<boolean[]> {
  const bySource = new Map<Pod, number[]>();
  probes.forEach((p, i) => bySource.set(p.from, [...(bySource.get(p.from) ?? []), i]));
  const out = new Array<boolean>(probes.length).fill(false);
  await Promise.all([...bySource].map(async ([from, idx]) => {
    const batch = idx.map((i) => { const p = probes[i] as Probe; return { proto: p.proto ?? 'tcp', host: p.v6 ? p.to.v6 : p.to.v4, port: p.port }; });
    const res = JSON.parse(await lab.exec(from.netns, ['node', PROBE, 'batch', String(timeoutMs), JSON.stringify(batch)])) as (string | null)[];
    idx.forEach((i, j) => { out[i] = res[j] === (probes[i] as Probe).to.name; });
  }));
  return out;
}

export const describeProbe = (p: Probe): string =>
  `${p.from.namespace}/${p.from.name} → ${p.to.namespace}/${p.to.name} ${p.proto ?? 'tcp'}/${p.port}${p.v6 ? ' (IPv6)' : ''}`;
