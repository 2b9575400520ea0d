// Pods the way a container runtime makes them (CNI spec 1.0 "Execution
// protocol"): a network namespace for the sandbox, then the l3mesh plugin
// binary (the Node SEA built by cni/build.mjs) run on the node with CNI_*
// variables in its environment and the network configuration on stdin; the
// plugin hands the call to the node's agent over its unix socket, which does
// IPAM, the veth pair, the pod's addresses and routes, the host /32 route and
// the WorkloadEndpoint. The demo then plays the orchestrator's part the CNI
// path does not know: the pod's labels on its WorkloadEndpoint (in a real
// cluster the Kubernetes backend supplies them).
import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { buildCniPlugin } from '../cni/build.mjs';
import { endpointName } from '../agent/cni/endpoint.js';
import { DatastoreError, type Datastore } from '../agent/datastore/types.js';
import { inNetns, type LabProcess } from '../test/netns/index.js';
import { POD_PORT, cniNetConf, type PodPlan } from './plan.js';
import type { Cluster } from './cluster.js';

export interface Pod extends PodPlan {
  ns: string;
  ip: string;
  hostIf: string;
  /** ms the CNI ADD took (plugin start to result) */
  addMs: number;
  /** performance.now() when ADD returned */
  readyAt: number;
  server?: LabProcess;
}

/** Builds (or reuses) the plugin binary; returns its path. */
export function cniPlugin(): string {
  return buildCniPlugin() as string;
}

interface PluginResult { code: number; stdout: string; stderr: string }

function runPlugin(argv: string[], env: Record<string, string>, stdin: string): Promise<PluginResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0] as string, argv.slice(1), { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
  });
}

/** CNI ADD for one pod on its node; resolves once the plugin returned a result. */
export async function addPod(c: Cluster, plugin: string, p: PodPlan): Promise<Pod> {
  const node = c.nodes.find((n) => n.name === p.node);
  if (!node) throw new Error(`pod ${p.name}: no node ${p.node}`);
  const ns = await c.lab.namespace(`p-${p.name}`);
  const env = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_COMMAND: 'ADD', CNI_CONTAINERID: `demo-${p.name}`, CNI_NETNS: `/var/run/netns/${ns}`, CNI_IFNAME: 'eth0',
    CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${p.namespace};K8S_POD_NAME=${p.name}`, CNI_PATH: dirname(plugin),
  };
  const t0 = performance.now();
  // the runtime runs on the host, i.e. inside the node's namespace
  const r = await runPlugin(inNetns(node.ns, [plugin]), env, JSON.stringify(cniNetConf(node.cni)));
  const readyAt = performance.now();
  if (r.code !== 0) throw new Error(`CNI ADD of pod ${p.namespace}/${p.name} on ${p.node} failed (exit ${r.code}): ${r.stdout.trim()} ${r.stderr.trim()}`);
  let result: { ips?: { address?: string }[]; interfaces?: { name?: string; sandbox?: string }[] };
  try { result = JSON.parse(r.stdout) as typeof result; } catch { throw new Error(`CNI ADD of ${p.name}: result is not JSON: ${r.stdout}`); }
  const ip = result.ips?.[0]?.address?.split('/')[0];
  const hostIf = result.interfaces?.find((i) => !i.sandbox)?.name;
  if (!ip || !hostIf) throw new Error(`CNI ADD of ${p.name}: result without an address or host interface: ${r.stdout}`);
  return { ...p, ns, ip, hostIf, addMs: readyAt - t0, readyAt };
}

/** Puts the pod's labels on its WorkloadEndpoint (compare-and-swap, retried on conflicts with the agents' writes). */
export async function labelPod(ds: Datastore, p: Pod): Promise<void> {
  const name = endpointName(p.node, p.name, 'eth0');
  for (let attempt = 0; ; attempt++) {
    const cur = await ds.get('WorkloadEndpoint', name, p.namespace);
    if (!cur) throw new Error(`WorkloadEndpoint ${p.namespace}/${name} of pod ${p.name} not found after CNI ADD`);
    try {
      await ds.update({ ...cur, metadata: { ...cur.metadata, labels: { ...(cur.metadata.labels ?? {}), ...p.labels } } });
      return;
    } catch (e) {
      if (!(e instanceof DatastoreError && e.reason === 'Conflict') || attempt >= 10) throw e;
    }
  }
}

/** A TCP server in the pod that answers every connection with the pod's name (the matrix's far end). */
export async function startServer(c: Cluster, p: Pod): Promise<void> {
  const code = `require('net').createServer((s) => { s.on('error', () => {}); s.end(${JSON.stringify(p.name)} + '\\n'); }).listen(${POD_PORT}, '0.0.0.0')`;
  p.server = await c.lab.spawn(p.ns, `srv-${p.name}`, [process.execPath, '-e', code]);
}

export async function serverListening(c: Cluster, p: Pod): Promise<boolean> {
  const out = await c.lab.exec(p.ns, ['ss', '-Hltn', `sport = :${POD_PORT}`], { allowFail: true });
  return out.trim() !== '';
}
