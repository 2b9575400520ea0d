// CniService: the agent's side of the CNI plugin. invoke() takes one CNI
// invocation verbatim (env + stdin, proto agent.v1 InvokeRequest) and returns
// what the plugin prints and its error code (CNI spec 1.1 §"Execution
// protocol", §"Result types"). Both transports (gRPC and the plugin's framed
// socket, server.ts) end here.
//   ADD    IPAM (handle "<network>.<containerID>") → veth + pod addresses and
//          routes (veth.ts) → host sysctls → host /32 (/128) routes through the
//          agent's RouteTable → WorkloadEndpoint in the datastore → result.
//          Any failure undoes what was done (routes, veth, addresses): nothing
//          half-created stays.
//   DEL    idempotent, also for containers never seen: pod-side interface,
//          IPAM handle, and — only while the endpoint still names this
//          container — host routes and the endpoint. Needs no agent memory,
//          so it works after an agent restart.
//   CHECK  endpoint, host interface, host routes, pod addresses and routes.
//   STATUS injected readiness (code 50 when not ready). GC: endpoints of this
//          network on this node whose container is not in valid-attachments.
// Operations for one container ID are serialised.
import { configureWorkloadInterface, type SysctlWriter } from '../dataplane/links/workload-sysctls.js';
import { workloadInterfaceName } from '../dataplane/constants.js';
import type { ApplyResult } from '../dataplane/routes/route-table.js';
import type { RouteSpec } from '../dataplane/routes/spec.js';
import type { Datastore } from '../datastore/types.js';
import { type CniEnv, type Command, decodeConfig, type Invocation, parseCommand, parseInvocation, replyVersion } from './config.js';
import { ANNOTATION_IFNAME, ANNOTATION_NETWORK, buildEndpoint, deleteEndpointOf, endpointName, type WorkloadEndpoint, writeEndpoint } from './endpoint.js';
import { CniError, type CniResult, encodeResult, ErrorCode, errorObject, LATEST_VERSION, versionInfo } from './spec.js';
import { GATEWAY_V4, type VethDriver } from './veth.js';

/** What CNI needs from IPAM (agent/ipam's IpamAllocator fits as is). */
export interface CniIpam {
  autoAssign(req: { handleID: string; node: string; num4: number; num6: number; attrs: { namespace: string; pod: string; containerID: string } }):
    Promise<{ readonly ipv4: readonly { readonly address: string }[]; readonly ipv6: readonly { readonly address: string }[] }>;
  releaseByHandle(handleID: string): Promise<unknown>;
}

/** What CNI needs from the route manager (agent/dataplane/routes RouteTable fits as is). */
export interface CniRoutes {
  setRoute(spec: RouteSpec): void;
  removeRoute(dst: string): void;
  linkUpdate(name: string, index: number | undefined, up?: boolean): void;
  apply(): Promise<ApplyResult>;
}

export interface CniLog { info(fields: object, msg: string): void; warn(fields: object, msg: string): void }

export interface CniServiceOptions {
  node: string;
  ipam: CniIpam;
  datastore: Datastore;
  routes: CniRoutes;
  veth: VethDriver;
  sysctls: SysctlWriter;
  /** STATUS: undefined when ready, else why not (default: always ready) */
  status?: () => Promise<string | undefined> | string | undefined;
  log?: CniLog;
}

export interface InvokeOutput { output: string; errorCode: number }

const quietLog: CniLog = { info() {}, warn() {} };
const hostPrefix = (ip: string): string => (ip.includes(':') ? `${ip}/128` : `${ip}/32`);

export class CniService {
  private readonly o: CniServiceOptions;
  private readonly log: CniLog;
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(opts: CniServiceOptions) {
    this.o = opts;
    this.log = opts.log ?? quietLog;
  }

  async invoke(env: CniEnv, stdin: Buffer | string): Promise<InvokeOutput> {
    let raw: Record<string, unknown> | undefined;
    let command: Command | undefined;
    try {
      command = parseCommand(env);
      raw = decodeConfig(stdin);
      if (command === 'VERSION') return ok(versionInfo(typeof raw.cniVersion === 'string' ? raw.cniVersion : LATEST_VERSION));
      const inv = parseInvocation(env, command, raw);
      const run = (): Promise<InvokeOutput> => this.dispatch(inv);
      return inv.containerId ? await this.serial(inv.containerId, run) : await run();
    } catch (e) {
      const err = e instanceof CniError ? e : new CniError(ErrorCode.IoFailure, (e as Error).message);
      if (!(e instanceof CniError)) this.log.warn({ command, err: (e as Error).stack }, 'CNI request failed unexpectedly');
      return { output: JSON.stringify(errorObject(replyVersion(raw), err)), errorCode: err.code };
    }
  }

  private dispatch(inv: Invocation): Promise<InvokeOutput> {
    switch (inv.command) {
      case 'ADD': return this.add(inv);
      case 'DEL': return this.del(inv).then(() => done());
      case 'CHECK': return this.check(inv).then(() => done());
      case 'STATUS': return this.statusCheck().then(() => done());
      case 'GC': return this.gc(inv).then(() => done());
      default: throw new CniError(ErrorCode.InvalidEnvironment, `CNI_COMMAND ${inv.command} is not handled here`);
    }
  }

  private async serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.locks.set(key, tail);
    try {
      return await next;
    } finally {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    }
  }

  private identity(inv: Invocation): { namespace: string; pod: string; handleID: string; hostIf: string } {
    const namespace = inv.args.get('K8S_POD_NAMESPACE') || 'default';
    const pod = inv.args.get('K8S_POD_NAME') || inv.containerId;
    return { namespace, pod, handleID: `${inv.conf.name}.${inv.containerId}`, hostIf: workloadInterfaceName(namespace, pod, inv.conf.interfacePrefix) };
  }

  // ---- ADD ---------------------------------------------------------------------

  private async add(inv: Invocation): Promise<InvokeOutput> {
    const { conf } = inv;
    const id = this.identity(inv);
    const netns = inv.netns as string;
    const t0 = Date.now();
    let assigned: { ipv4: string[]; ipv6: string[] };
    try {
      const r = await this.o.ipam.autoAssign({
        handleID: id.handleID, node: this.o.node, num4: conf.assignIpv4 ? 1 : 0, num6: conf.assignIpv6 ? 1 : 0,
        attrs: { namespace: id.namespace, pod: id.pod, containerID: inv.containerId },
      });
      assigned = { ipv4: r.ipv4.map((a) => a.address), ipv6: r.ipv6.map((a) => a.address) };
    } catch (e) {
      throw new CniError(ErrorCode.AddFailed, `IPAM could not assign an address to ${id.namespace}/${id.pod}: ${(e as Error).message}`);
    }
    const ips = [...assigned.ipv4, ...assigned.ipv6];
    let stage = 'veth';
    try {
      const fam = (v6: boolean): string[] => conf.routes.filter((d) => d.includes(':') === v6);
      const veth = await this.o.veth.create({
        hostIf: id.hostIf, podNetns: netns, podIf: inv.ifname, ...(conf.mtu ? { mtu: conf.mtu } : {}),
        ipv4: assigned.ipv4, ipv6: assigned.ipv6, routes4: fam(false), routes6: fam(true),
      });
      stage = 'sysctls';
      configureWorkloadInterface(id.hostIf, this.o.sysctls, { ipv4: assigned.ipv4.length > 0, ipv6: assigned.ipv6.length > 0, prefix: conf.interfacePrefix });
      stage = 'host routes';
      for (const ip of ips) this.o.routes.setRoute({ dst: hostPrefix(ip), target: { kind: 'workload', ifname: id.hostIf } });
      this.o.routes.linkUpdate(id.hostIf, veth.hostIndex, true);
      await this.applyRoutes(ips.map(hostPrefix), id.hostIf);
      stage = 'endpoint';
      await writeEndpoint(this.o.datastore, buildEndpoint({
        node: this.o.node, namespace: id.namespace, pod: id.pod, containerID: inv.containerId, network: conf.name,
        podIf: inv.ifname, hostIf: id.hostIf, mac: veth.podMac, ipNetworks: ips.map(hostPrefix),
      }));
      this.log.info({ pod: `${id.namespace}/${id.pod}`, containerID: inv.containerId, ips, hostIf: id.hostIf, ms: Date.now() - t0 }, 'CNI ADD');
      const result: CniResult = {
        interfaces: [{ name: id.hostIf, mac: 'ee:ee:ee:ee:ee:ee' }, { name: inv.ifname, mac: veth.podMac, sandbox: netns }],
        ips: [
          ...assigned.ipv4.map((a) => ({ address: hostPrefix(a), gateway: GATEWAY_V4, interface: 1 })),
          ...assigned.ipv6.map((a) => ({ address: hostPrefix(a), ...(veth.hostLinkLocal ? { gateway: veth.hostLinkLocal } : {}), interface: 1 })),
        ],
        routes: [
          ...(assigned.ipv4.length ? fam(false).map((dst) => ({ dst, gw: GATEWAY_V4 })) : []),
          ...(assigned.ipv6.length && veth.hostLinkLocal ? fam(true).map((dst) => ({ dst, gw: veth.hostLinkLocal as string })) : []),
        ],
      };
      if (conf.dns) result.dns = conf.dns;
      return ok(encodeResult(conf.cniVersion, result));
    } catch (e) {
      await this.undoAdd(inv, id, ips);
      const msg = (e as Error).message;
      throw new CniError(ErrorCode.AddFailed, `ADD ${id.namespace}/${id.pod} failed at ${stage}: ${msg}`, 'everything this ADD created was removed again');
    }
  }

  private async applyRoutes(dsts: string[], hostIf: string): Promise<void> {
    const res = await this.o.routes.apply();
    const failed = res.failures.filter((f) => dsts.includes(f.dst));
    if (failed.length) throw new Error(failed.map((f) => `route ${f.dst} dev ${hostIf}: ${f.error}`).join('; '));
  }

  private async undoAdd(inv: Invocation, id: { handleID: string; hostIf: string }, ips: string[]): Promise<void> {
    const step = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
      try { await fn(); } catch (e) { this.log.warn({ containerID: inv.containerId, err: (e as Error).message }, `undoing a failed ADD: ${what}`); }
    };
    for (const ip of ips) this.o.routes.removeRoute(hostPrefix(ip));
    await step('veth', () => this.o.veth.remove({ podNetns: inv.netns, podIf: inv.ifname, hostIf: id.hostIf }));
    await step('routes', () => this.o.routes.apply());
    await step('IPAM', () => this.o.ipam.releaseByHandle(id.handleID));
  }

  // ---- DEL -----------------------------------------------------------------

  private async endpointOf(inv: Invocation, namespace: string, pod: string): Promise<WorkloadEndpoint | undefined> {
    const wep = await this.o.datastore.get('WorkloadEndpoint', endpointName(this.o.node, pod, inv.ifname), namespace);
    return wep?.spec.containerID === inv.containerId ? wep : undefined;
  }

  private async del(inv: Invocation): Promise<void> {
    const id = this.identity(inv);
    const wep = await this.endpointOf(inv, id.namespace, id.pod).catch((e: unknown) => {
      throw new CniError(ErrorCode.TryAgainLater, `DEL: cannot read the endpoint from the datastore: ${(e as Error).message}`);
    });
    await this.teardown(inv.containerId, id.handleID, { podNetns: inv.netns, podIf: inv.ifname, hostIf: wep ? id.hostIf : undefined }, wep);
    this.log.info({ pod: `${id.namespace}/${id.pod}`, containerID: inv.containerId, endpoint: wep !== undefined }, 'CNI DEL');
  }

  private async teardown(containerID: string, handleID: string, link: { podNetns?: string | undefined; podIf: string; hostIf?: string | undefined },
    wep: WorkloadEndpoint | undefined): Promise<void> {
    try {
      await this.o.veth.remove(link);
      if (wep) {
        for (const n of wep.spec.ipNetworks) this.o.routes.removeRoute(n);
        const res = await this.o.routes.apply();
        if (res.failures.length) this.log.warn({ containerID, failures: res.failures }, 'route removal failed; the route table retries');
      }
      await this.o.ipam.releaseByHandle(handleID);
      if (wep) await deleteEndpointOf(this.o.datastore, wep);
    } catch (e) {
      throw new CniError(ErrorCode.TryAgainLater, `DEL ${containerID}: ${(e as Error).message}`);
    }
  }

  // ---- CHECK -----------------------------------------------------------------

  private async check(inv: Invocation): Promise<void> {
    const fail = (what: string): CniError => new CniError(ErrorCode.CheckFailed, `CHECK ${inv.containerId}: ${what}`);
    const prev = inv.conf.prevResult;
    if (!prev) throw new CniError(ErrorCode.InvalidConfig, 'CHECK needs prevResult in the network configuration');
    const id = this.identity(inv);
    const wep = await this.endpointOf(inv, id.namespace, id.pod);
    if (!wep) throw new CniError(ErrorCode.UnknownContainer, `CHECK: no endpoint for container ${inv.containerId} (${id.namespace}/${id.pod})`);
    if (!(await this.o.veth.hostLinkExists(id.hostIf))) throw fail(`host interface ${id.hostIf} is missing`);
    for (const n of wep.spec.ipNetworks) {
      const dev = await this.o.veth.hostRouteDev(n);
      if (dev !== id.hostIf) throw fail(`host route ${n} ${dev ? `goes via ${dev}` : 'is missing'}, expected dev ${id.hostIf}`);
    }
    const pod = await this.o.veth.inspectPod(inv.netns as string, inv.ifname);
    if (!pod) throw fail(`interface ${inv.ifname} is missing in ${inv.netns}`);
    const prevIps = ((prev.ips ?? []) as { address?: string }[]).map((i) => i.address ?? '');
    for (const want of new Set([...prevIps, ...wep.spec.ipNetworks])) {
      if (!pod.addresses.includes(want)) throw fail(`address ${want} is not on ${inv.ifname} (has ${pod.addresses.join(', ') || 'none'})`);
    }
    const has4 = wep.spec.ipNetworks.some((n) => !n.includes(':')), has6 = wep.spec.ipNetworks.some((n) => n.includes(':'));
    for (const dst of inv.conf.routes) {
      if (dst.includes(':') ? !has6 : !has4) continue;
      const norm = dst === '0.0.0.0/0' || dst === '::/0' ? 'default' : dst;
      if (!pod.routes.some((r) => r.dst === norm || r.dst === dst)) throw fail(`route ${dst} is missing in the pod`);
    }
    if (has4 && !pod.routes.some((r) => r.dst === GATEWAY_V4)) throw fail(`route ${GATEWAY_V4} dev ${inv.ifname} is missing in the pod`);
  }

  // ---- STATUS and GC ------------------------------------------------------

  private async statusCheck(): Promise<void> {
    const why = await this.o.status?.();
    if (why) throw new CniError(ErrorCode.PluginNotAvailable, `the l3mesh agent is not ready: ${why}`);
  }

  private async gc(inv: Invocation): Promise<void> {
    const valid = new Set((inv.conf.validAttachments ?? []).map((a) => `${a.containerID}/${a.ifname}`));
    const weps = await this.o.datastore.list('WorkloadEndpoint');
    let removed = 0;
    for (const w of weps) {
      const ann = w.metadata.annotations ?? {};
      if (w.spec.node !== this.o.node || ann[ANNOTATION_NETWORK] !== inv.conf.name || !w.spec.containerID) continue;
      const podIf = ann[ANNOTATION_IFNAME] ?? 'eth0';
      if (valid.has(`${w.spec.containerID}/${podIf}`)) continue;
      const cid = w.spec.containerID;
      await this.serial(cid, () => this.teardown(cid, `${inv.conf.name}.${cid}`, { podIf, hostIf: w.spec.interfaceName }, w));
      removed++;
    }
    this.log.info({ network: inv.conf.name, removed, kept: valid.size }, 'CNI GC');
  }
}

function ok(body: Record<string, unknown>): InvokeOutput { return { output: JSON.stringify(body), errorCode: 0 }; }
function done(): InvokeOutput { return { output: '', errorCode: 0 }; }
