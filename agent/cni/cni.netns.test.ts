// The CNI plugin as a container runtime runs it (env + stdin, the static
// plugin built from cni/plugin.ts as a Node SEA), against the agent's CNI server with real IPAM,
// RouteTable, iproute2 and sysctls, in namespaces: one "node" namespace
// playing the host, one namespace per pod. Pods get 100.64.0.0/10 and
// 2001:db8::/32 routes instead of a default route (network rule).
import { credentials } from '@grpc/grpc-js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CniServiceClient, type InvokeResponse } from '../../proto/gen/agent/v1/cni.js';
import { Lab } from '../../test/netns/index.js';
import { buildCniPlugin } from '../../cni/build.mjs';
import { SUPPORTED_VERSIONS } from './spec.js';
import { workloadInterfaceName } from '../dataplane/constants.js';
import { CniNode } from './testing/node.js';
import { invokePlugin, runList, type InvokeOptions, type PluginRun } from './testing/runtime.js';

let lab: Lab;
let host: string;
let node: CniNode;
let plugin: string;
let binDir: string;
const CNI_LIB = '/usr/lib/cni';

const netConf = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  cniVersion: '1.0.0', name: 'l3mesh-net', type: 'l3mesh', agent_socket: node.socketPath,
  routes: [{ dst: '100.64.0.0/10' }, { dst: '2001:db8::/32' }], ...extra,
});
const dual = { ipam: { assign_ipv4: true, assign_ipv6: true } };

interface Pod { ns: string; path: string; id: string; name: string; args: string }
let podSeq = 0;
async function newPod(name: string, namespace = 'default'): Promise<Pod> {
  podSeq++;
  const ns = await lab.namespace(`p${podSeq}${name.slice(-3)}`.slice(0, 10));
  return { ns, path: `/var/run/netns/${ns}`, id: `ctr-${name}-${podSeq}`, name, args: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${namespace};K8S_POD_NAME=${name};K8S_POD_INFRA_CONTAINER_ID=ctr-${name}` };
}

function call(command: string, pod: Pod | undefined, conf: Record<string, unknown> | string, more: Partial<InvokeOptions> = {}): Promise<PluginRun> {
  return invokePlugin(plugin, typeof conf === 'string' ? conf : JSON.stringify(conf), {
    cniPath: [binDir, CNI_LIB], command, ...(pod ? { containerId: pod.id, netns: pod.path, ifname: 'eth0', args: pod.args } : {}), ...more,
  });
}

const ipJson = async (ns: string, args: string[]): Promise<Record<string, unknown>[]> => JSON.parse((await lab.exec(ns, ['ip', '-j', ...args])) || '[]');
const sysctl = (ns: string, path: string): Promise<string> => lab.exec(ns, ['cat', `/proc/sys/${path}`]).then((s) => s.trim());
const links = async (ns: string): Promise<string[]> => (await ipJson(ns, ['link', 'show'])).map((l) => String(l.ifname));
const handles = async (): Promise<string[]> => (await node.datastore.list('IPAMHandle')).map((h) => h.metadata.name);

beforeAll(async () => {
  lab = Lab.create('cni');
  host = await lab.namespace('node');
  await lab.exec(host, ['sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
  // proxy ARP answers for 169.254.1.1 only when the host routes it out of another interface (on a real
  // host: its default route). The lab host has no default route, so it gets a /32 into a sink namespace.
  const sink = await lab.namespace('sink');
  await lab.veth({ ns: host, ifname: 'uplink0' }, { ns: sink, ifname: 'uplink0' });
  await lab.exec(host, ['ip', 'route', 'add', '169.254.1.1/32', 'dev', 'uplink0']);
  binDir = join(lab.dir, 'bin');
  mkdirSync(binDir);
  plugin = buildCniPlugin(join(binDir, 'l3mesh')) as string;
  node = await new CniNode({ netns: host, dir: lab.dir, pools: [
    { name: 'pool4', cidr: '100.64.0.0/16', blockSize: 26 }, { name: 'pool6', cidr: '2001:db8:1::/64', blockSize: 122 },
  ] }).start();
});

afterAll(async () => {
  await node?.stopAgent();
  lab?.teardown();
});

describe('CNI plugin (Node SEA) + agent CNI server', () => {
  it('VERSION is answered by the plugin alone and matches the agent', async () => {
    const r = await invokePlugin(plugin, '{"cniVersion":"1.0.0"}', { cniPath: [binDir], command: 'VERSION' });
    expect(r.code).toBe(0);
    expect(r.json).toEqual({ cniVersion: '1.0.0', supportedVersions: [...SUPPORTED_VERSIONS] });
  });

  it('IPv4: ADD, CHECK, DEL, DEL again', async () => {
    const pod = await newPod('web-1', 'shop');
    const hostIf = workloadInterfaceName('shop', 'web-1');
    const add = await call('ADD', pod, netConf());
    expect(add.code, add.stdout).toBe(0);
    const res = add.json as { cniVersion: string; interfaces: { name: string; mac: string; sandbox?: string }[]; ips: { address: string; interface: number; gateway: string }[]; routes: unknown[] };
    expect(res.cniVersion).toBe('1.0.0');
    expect(res.interfaces).toEqual([{ name: hostIf, mac: 'ee:ee:ee:ee:ee:ee' }, { name: 'eth0', mac: expect.stringMatching(/^[0-9a-f:]{17}$/), sandbox: pod.path }]);
    expect(res.ips).toHaveLength(1);
    const ip = res.ips[0]!;
    expect(ip).toMatchObject({ address: expect.stringMatching(/^100\.64\.\d+\.\d+\/32$/), interface: 1, gateway: '169.254.1.1' });
    expect(res.routes).toEqual([{ dst: '100.64.0.0/10', gw: '169.254.1.1' }]);
    const addr = ip.address.split('/')[0]!;

    // the pod
    const podAddrs = await ipJson(pod.ns, ['-4', 'addr', 'show', 'dev', 'eth0']);
    expect((podAddrs[0]!.addr_info as { local: string; prefixlen: number }[]).map((a) => `${a.local}/${a.prefixlen}`)).toEqual([ip.address]);
    const podRoutes = await ipJson(pod.ns, ['-4', 'route', 'show']);
    expect(podRoutes).toEqual(expect.arrayContaining([
      expect.objectContaining({ dst: '169.254.1.1', dev: 'eth0', scope: 'link' }),
      expect.objectContaining({ dst: '100.64.0.0/10', gateway: '169.254.1.1', dev: 'eth0' }),
    ]));
    expect(podRoutes.some((r) => r.dst === 'default')).toBe(false);
    // the host: interface, MAC, route (proto 201), sysctls
    const hl = (await ipJson(host, ['link', 'show', 'dev', hostIf]))[0]!;
    expect(hl.address).toBe('ee:ee:ee:ee:ee:ee');
    expect(hl.flags).toContain('UP');
    const hr = await ipJson(host, ['-4', 'route', 'show', 'exact', `${addr}/32`]);
    expect(hr).toEqual([expect.objectContaining({ dst: addr, dev: hostIf, scope: 'link', protocol: '201' })]);
    for (const [p, v] of [[`net/ipv4/conf/${hostIf}/proxy_arp`, '1'], [`net/ipv4/neigh/${hostIf}/proxy_delay`, '0'], [`net/ipv4/conf/${hostIf}/forwarding`, '1'], [`net/ipv4/conf/${hostIf}/route_localnet`, '1']] as const) {
      expect(await sysctl(host, p), p).toBe(v);
    }
    // the endpoint the rest of the agent reacts to
    const weps = await node.datastore.list('WorkloadEndpoint');
    expect(weps.map((w) => w.spec)).toEqual([expect.objectContaining({ node: 'node-a', pod: 'web-1', containerID: pod.id, interfaceName: hostIf, ipNetworks: [ip.address] })]);
    expect(weps[0]!.metadata).toMatchObject({ name: 'node--a-k8s-web--1-eth0', namespace: 'shop' });

    const check = await call('CHECK', pod, netConf({ prevResult: res }));
    expect(check.code, check.stdout).toBe(0);

    const del = await call('DEL', pod, netConf({ prevResult: res }));
    expect(del.code, del.stdout).toBe(0);
    expect(del.stdout).toBe('');
    expect(await links(pod.ns)).toEqual(['lo']);
    expect(await links(host)).not.toContain(hostIf);
    expect(await ipJson(host, ['-4', 'route', 'show', 'exact', `${addr}/32`])).toEqual([]);
    expect(await node.datastore.list('WorkloadEndpoint')).toEqual([]);
    expect(await handles()).toEqual([]);
    const again = await call('DEL', pod, netConf());
    expect(again.code, again.stdout).toBe(0);
    // CHECK of a deleted container: unknown container
    const gone = await call('CHECK', pod, netConf({ prevResult: res }));
    expect(gone.code).toBe(1);
    expect(gone.json).toMatchObject({ code: 3 });
  });

  it('dual stack: addresses, routes via 169.254.1.1 and the host link-local, packets between two pods', async () => {
    const a = await newPod('dual-a'), b = await newPod('dual-b');
    const ra = await call('ADD', a, netConf(dual)), rb = await call('ADD', b, netConf(dual));
    expect(ra.code, ra.stdout).toBe(0);
    expect(rb.code, rb.stdout).toBe(0);
    const ips = (r: PluginRun): string[] => (r.json!.ips as { address: string }[]).map((i) => i.address);
    const [a4, a6] = ips(ra), [b4, b6] = ips(rb);
    expect(a4).toMatch(/^100\.64\./);
    expect(a6).toMatch(/^2001:db8:1::[0-9a-f:]*\/128$/);
    const hostIf = workloadInterfaceName('default', 'dual-a');
    const ll = (await ipJson(host, ['-6', 'addr', 'show', 'dev', hostIf, 'scope', 'link']))[0]!.addr_info as { local: string }[];
    const hostLL = ll[0]!.local;
    expect(ra.json!.routes).toEqual([{ dst: '100.64.0.0/10', gw: '169.254.1.1' }, { dst: '2001:db8::/32', gw: hostLL }]);
    const r6 = await ipJson(a.ns, ['-6', 'route', 'show', '2001:db8::/32']);
    expect(r6).toEqual([expect.objectContaining({ dst: '2001:db8::/32', gateway: hostLL, dev: 'eth0' })]);
    expect((await ipJson(a.ns, ['-6', 'route', 'show'])).some((r) => r.dst === 'default')).toBe(false);
    expect(await ipJson(host, ['-6', 'route', 'show', 'exact', a6!])).toEqual([expect.objectContaining({ dev: hostIf, protocol: '201' })]);
    expect(await sysctl(host, `net/ipv6/conf/${hostIf}/proxy_ndp`)).toBe('1');
    expect(await sysctl(host, `net/ipv6/conf/${hostIf}/forwarding`)).toBe('1');
    // real packets: pod a -> host -> pod b, both families
    await lab.exec(a.ns, ['ping', '-c', '1', '-W', '5', b4!.split('/')[0]!]);
    await lab.exec(a.ns, ['ping', '-6', '-c', '1', '-W', '5', b6!.split('/')[0]!]);
    for (const p of [a, b]) expect((await call('DEL', p, netConf(dual))).code).toBe(0);
    for (const p of [a, b]) expect((await call('DEL', p, netConf(dual))).code).toBe(0);
    expect(await handles()).toEqual([]);
    expect((await links(host)).filter((l) => l.startsWith('cali'))).toEqual([]);
  });

  it('chained with portmap, bandwidth and tuning: they accept our prevResult; CHECK and DEL run the list', async () => {
    const pod = await newPod('chain');
    const list = {
      cniVersion: '1.0.0', name: 'l3mesh-net',
      plugins: [
        { type: 'l3mesh', agent_socket: node.socketPath, routes: [{ dst: '100.64.0.0/10' }, { dst: '2001:db8::/32' }], ...dual },
        { type: 'portmap', capabilities: { portMappings: true }, snat: true },
        { type: 'bandwidth', capabilities: { bandwidth: true } },
        { type: 'tuning', sysctl: { 'net.core.somaxconn': '512' } },
      ],
    };
    const opts = {
      cniPath: [binDir, CNI_LIB], containerId: pod.id, netns: pod.path, ifname: 'eth0', args: pod.args, wrap: ['ip', 'netns', 'exec', host],
      runtimeConfig: {
        portMappings: [{ hostPort: 18080, containerPort: 80, protocol: 'tcp' }],
        bandwidth: { ingressRate: 10_000_000, ingressBurst: 100_000, egressRate: 10_000_000, egressBurst: 100_000 },
      },
    };
    const result = await runList(list, { ...opts, command: 'ADD' });
    expect(result).toMatchObject({ cniVersion: '1.0.0', ips: [{ address: expect.stringMatching(/^100\.64\./) }, { address: expect.stringMatching(/^2001:db8:1::/) }] });
    const hostIf = workloadInterfaceName('default', 'chain');
    expect(await lab.exec(host, ['iptables-save', '-t', 'nat'])).toContain('CNI-HOSTPORT-DNAT');
    expect(await lab.exec(host, ['tc', 'qdisc', 'show', 'dev', hostIf])).toMatch(/tbf/);
    expect(await sysctl(pod.ns, 'net/core/somaxconn')).toBe('512');
    // portmap's CHECK in Debian's plugins (1.1.1) fails on its own rules whatever the result
    // (containernetworking/plugins#819: it looks for IPv4 rules in ip6tables), so it is left out of CHECK
    await runList({ ...list, plugins: list.plugins.filter((p) => p.type !== 'portmap') }, { ...opts, command: 'CHECK', cachedResult: result });
    await runList(list, { ...opts, command: 'DEL', cachedResult: result });
    expect(await lab.exec(host, ['iptables-save', '-t', 'nat'])).not.toContain('CNI-DN-');
    expect(await links(pod.ns)).toEqual(['lo']);
    expect(await handles()).toEqual([]);
    await runList(list, { ...opts, command: 'DEL', cachedResult: result });
  });

  it('bad input: CNI error JSON, non-zero exit, nothing left behind', async () => {
    const pod = await newPod('bad');
    const before = await links(host);
    const cases: { what: string; run: () => Promise<PluginRun>; code: number; msg: RegExp }[] = [
      { what: 'malformed JSON', run: () => call('ADD', pod, '{"cniVersion": "1.0.0", "name": '), code: 6, msg: /decode/ },
      { what: 'empty stdin', run: () => call('ADD', pod, ''), code: 6, msg: /empty input/ },
      { what: 'unknown version', run: () => call('ADD', pod, netConf({ cniVersion: '0.2.0' })), code: 1, msg: /incompatible CNI version 0\.2\.0/ },
      { what: 'no cniVersion', run: () => call('ADD', pod, netConf({ cniVersion: undefined })), code: 7, msg: /cniVersion/ },
      { what: 'bad route', run: () => call('ADD', pod, netConf({ routes: [{ dst: '100.64.0.0/99' }] })), code: 7, msg: /routes\[0\]/ },
      { what: 'no CNI_COMMAND', run: () => call('ADD', pod, netConf(), { env: { CNI_CONTAINERID: pod.id, CNI_NETNS: pod.path, CNI_IFNAME: 'eth0' } }), code: 4, msg: /CNI_COMMAND is not set/ },
      { what: 'unknown command', run: () => call('FROB', pod, netConf()), code: 4, msg: /FROB/ },
      { what: 'no CNI_CONTAINERID', run: () => call('ADD', pod, netConf(), { env: { CNI_COMMAND: 'ADD', CNI_NETNS: pod.path, CNI_IFNAME: 'eth0' } }), code: 4, msg: /CNI_CONTAINERID/ },
      { what: 'no CNI_NETNS', run: () => call('ADD', pod, netConf(), { env: { CNI_COMMAND: 'ADD', CNI_CONTAINERID: pod.id, CNI_IFNAME: 'eth0' } }), code: 4, msg: /CNI_NETNS/ },
      { what: 'no CNI_IFNAME', run: () => call('ADD', pod, netConf(), { env: { CNI_COMMAND: 'ADD', CNI_CONTAINERID: pod.id, CNI_NETNS: pod.path } }), code: 4, msg: /CNI_IFNAME/ },
      { what: 'netns that does not exist (fails after IPAM)', run: () => call('ADD', pod, netConf(), { netns: '/var/run/netns/l3-cni-no-such-ns' }), code: 101, msg: /failed at veth/ },
    ];
    for (const c of cases) {
      const r = await c.run();
      expect(r.code, c.what).not.toBe(0);
      expect(r.json, `${c.what}: ${r.stdout}`).toMatchObject({ code: c.code, msg: expect.stringMatching(c.msg) });
      expect(r.json!.cniVersion, c.what).toMatch(/^\d+\.\d+\.\d+$/);
    }
    // the pod already has an eth0: the veth cannot be created, everything is undone
    await lab.exec(pod.ns, ['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'other0']);
    const clash = await call('ADD', pod, netConf());
    expect(clash.json, clash.stdout).toMatchObject({ code: 101 });
    expect(await links(host)).toEqual(before);
    expect(await handles()).toEqual([]);
    expect(await node.datastore.list('WorkloadEndpoint')).toEqual([]);
    expect(await ipJson(host, ['route', 'show', 'proto', '201'])).toEqual([]);
  });

  it('agent restart between ADD and DEL: DEL still releases the address and removes the pod plumbing', async () => {
    const pod = await newPod('restart');
    const add = await call('ADD', pod, netConf(dual));
    expect(add.code, add.stdout).toBe(0);
    const ip4 = (add.json!.ips as { address: string }[])[0]!.address;
    expect(await handles()).toEqual([`l3mesh-net.${pod.id}`]);
    await node.restart();
    const del = await call('DEL', pod, netConf(dual));
    expect(del.code, del.stdout).toBe(0);
    expect(await handles()).toEqual([]);
    const blocks = await node.datastore.list('IPAMBlock');
    expect(blocks.flatMap((b) => b.spec.attributes.map((a) => a.handleID))).not.toContain(`l3mesh-net.${pod.id}`);
    expect(await ipJson(host, ['route', 'show', 'exact', ip4])).toEqual([]);
    expect((await links(host)).filter((l) => l.startsWith('cali'))).toEqual([]);
  });

  it('GC (1.1) removes attachments not in cni.dev/valid-attachments; STATUS reports readiness', async () => {
    const keep = await newPod('keep'), drop = await newPod('drop');
    const conf = netConf({ cniVersion: '1.1.0' });
    expect((await call('ADD', keep, conf)).code).toBe(0);
    expect((await call('ADD', drop, conf)).code).toBe(0);
    const gc = await call('GC', undefined, { ...conf, 'cni.dev/valid-attachments': [{ containerID: keep.id, ifname: 'eth0' }] });
    expect(gc.code, gc.stdout).toBe(0);
    expect((await node.datastore.list('WorkloadEndpoint')).map((w) => w.spec.pod)).toEqual(['keep']);
    expect(await handles()).toEqual([`l3mesh-net.${keep.id}`]);
    expect(await links(host)).not.toContain(workloadInterfaceName('default', 'drop'));
    expect(await links(host)).toContain(workloadInterfaceName('default', 'keep'));
    expect((await call('GC', undefined, netConf())).json).toMatchObject({ code: 1, msg: /GC needs cniVersion 1\.1\.0/ });

    expect((await call('STATUS', undefined, conf)).code).toBe(0);
    node.statusReason = 'datastore not in sync';
    expect((await call('STATUS', undefined, conf)).json).toMatchObject({ code: 50, msg: /datastore not in sync/ });
    node.statusReason = undefined;
    expect((await call('DEL', keep, conf)).code).toBe(0);
  });

  it('the same API over gRPC; an unreachable agent gives code 11 (STATUS: 50)', async () => {
    const client = new CniServiceClient(`unix:${node.grpcSocketPath}`, credentials.createInsecure());
    const res = await new Promise<InvokeResponse>((resolve, reject) => client.invoke(
      { command: 'VERSION', config: Buffer.from('{"cniVersion":"1.1.0"}') }, (e, r) => (e ? reject(e) : resolve(r))));
    client.close();
    expect(res.errorCode).toBe(0);
    expect(JSON.parse(res.output.toString())).toEqual({ cniVersion: '1.1.0', supportedVersions: [...SUPPORTED_VERSIONS] });

    const pod = await newPod('down');
    await node.stopAgent();
    try {
      const add = await call('ADD', pod, netConf());
      expect(add.json).toMatchObject({ cniVersion: '1.0.0', code: 11, msg: expect.stringMatching(/cannot reach the l3mesh agent/) });
      expect(add.code).toBe(1);
      expect((await call('STATUS', undefined, netConf({ cniVersion: '1.1.0' }))).json).toMatchObject({ code: 50 });
    } finally {
      await node.startAgent();
    }
  });
});
