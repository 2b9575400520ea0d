// agent: the node agent process (one per node).
//   agent --config /etc/l3mesh/agent.yaml [--check]
// Wires the datastore (embedded mode: a YAML file), the calculation graph
// and sequencer (agent.ts), the route driver (rtnetlink, our protocol 201),
// the interface monitor and workload sysctls, the NetworkPolicy driver
// (iptables-restore / ipset), the speaker link (gRPC API of bgpd), the CNI
// plugin's API with IPAM (agent/cni, agent/ipam), and health/metrics over HTTP. SIGTERM/SIGINT stop it; what it programmed stays
// in the kernel (a restarted agent takes over its own routes and rules).

import pino from 'pino';
import { Agent } from './agent.js';
import { SpeakerLink } from './bgp-link.js';
import { loadAgentConfig, type AgentConfig } from './config.js';
import { FileDatastore } from './datastore/file.js';
import { configureWorkloadInterface, procSysWriter } from './dataplane/links/workload-sysctls.js';
import { InterfaceMonitor } from './dataplane/links/monitor.js';
import { RtNetlink } from './dataplane/netlink/rtnetlink.js';
import { RouteTable } from './dataplane/routes/route-table.js';
import { serveAgentHttp } from './metrics.js';
import { PolicyDriver, commandExec } from './policy/index.js';
import { CniServer } from './cni/server.js';
import { CniService } from './cni/service.js';
import { VethDriver } from './cni/veth.js';
import { processExec } from './cni/exec.js';
import { IpamAllocator } from './ipam/index.js';

function usage(msg?: string): never {
  if (msg) console.error(`agent: ${msg}`);
  console.error('usage: agent --config <agent.yaml> [--check]');
  process.exit(2);
}

export async function runAgent(argv: readonly string[]): Promise<void> {
  let file: string | undefined;
  let check = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--config' || a === '-c') file = argv[++i];
    else if (a === '--check') check = true;
    else if (a === '--help' || a === '-h') usage();
    else usage(`unknown argument ${a}`);
  }
  if (!file) usage('--config is required');
  let cfg: AgentConfig;
  try {
    cfg = loadAgentConfig(file);
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
  if (check) {
    console.log(`${file}: configuration OK (node ${cfg.nodeName})`);
    return;
  }
  const log = pino({ base: { daemon: 'agent', node: cfg.nodeName } });
  const datastore = await FileDatastore.open(cfg.datastoreFile, { log: (m) => log.warn({ file: cfg.datastoreFile }, m) });
  const kernel = RtNetlink.open();
  const routes = new RouteTable({
    kernel, log: { warn: (f, m) => log.warn(f, m), info: (f, m) => log.info(f, m) },
    resyncIntervalMs: cfg.routeResyncSeconds * 1000, gracePeriodMs: cfg.routeGraceSeconds * 1000,
  });
  const monitor = new InterfaceMonitor();
  monitor.onLink((name, link) => routes.linkUpdate(name, link?.index, link?.up ?? false));
  const sysctl = procSysWriter();
  const policy = new PolicyDriver({ exec: commandExec([]) });
  const holder: { agent?: Agent } = {};
  const speaker = cfg.speakerSocket
    ? new SpeakerLink(cfg.speakerSocket, { onRoute: (p, r) => holder.agent?.learnedRoute(p, r), onInSync: () => holder.agent?.speakerSynced() }, log)
    : undefined;
  const agent = new Agent({
    nodeName: cfg.nodeName, datastore, routes, policy, log, ...(speaker ? { speaker } : {}),
    onWorkloadInterface: (ifname) => {
      try {
        configureWorkloadInterface(ifname, sysctl);
      } catch (e) {
        // the interface may not exist yet (CNI race); the CNI server configures it at creation too
        log.debug({ ifname, err: (e as Error).message }, 'workload interface sysctls not written yet');
      }
    },
  });
  await monitor.start();
  routes.start();
  speaker?.start();
  holder.agent = agent;
  agent.start();
  const a = agent;
  // the CNI plugin's API: IPAM + veth + host route + WorkloadEndpoint (agent/cni, cni/README.md)
  const ipam = new IpamAllocator(datastore);
  // IPAM garbage collection: addresses whose pod is gone (no WorkloadEndpoint), empty blocks of this node
  const gc = setInterval(() => {
    if (!a.ready) return;
    const live = new Set(a.state.list('WorkloadEndpoint').map((w) => `${w.metadata.namespace ?? 'default'}/${w.spec.pod}`));
    ipam.gc({ node: cfg.nodeName, livePods: live }).then((r) => {
      if (r.releasedIPs.length || r.releasedBlocks.length) log.info({ releasedIPs: r.releasedIPs, releasedBlocks: r.releasedBlocks }, 'IPAM garbage collected');
    }, (e: Error) => log.warn({ err: e.message }, 'IPAM garbage collection failed; retrying later'));
  }, 60_000);
  gc.unref();
  const cni = cfg.cniSocket
    ? await CniServer.start({
      socketPath: cfg.cniSocket, grpcSocketPath: `${cfg.cniSocket.replace(/\.sock$/, '')}-grpc.sock`,
      log: { info: (f, m) => log.info(f, m), warn: (f, m) => log.warn(f, m) },
      service: new CniService({
        node: cfg.nodeName, datastore, ipam, routes, veth: new VethDriver({ exec: processExec }), sysctls: sysctl,
        status: () => (a.ready ? undefined : 'the agent is not in sync with the datastore yet'),
        log: { info: (f, m) => log.info(f, m), warn: (f, m) => log.warn(f, m) },
      }),
    })
    : undefined;
  const http = await serveAgentHttp({
    metrics: a.metrics, get ready() { return a.ready; }, state: a.state,
    gauges: () => ({
      routes_programmed_total: routes.metrics.routesProgrammed, routes_removed_total: routes.metrics.routesRemoved, route_errors_total: routes.metrics.routeErrors,
      route_apply_seconds_last: routes.metrics.lastApplyMs / 1000, speaker_connected: speaker?.connected ? 1 : 0,
    }),
    notReady: () => [
      ...(a.state.inSync ? [] : ['datastore snapshot']),
      ...(a.ready ? [] : ['first dataplane apply']),
      ...(speaker && !speaker.connected ? ['speaker API'] : []),
    ],
  }, cfg.http);
  log.info({ datastore: cfg.datastoreFile, speaker: cfg.speakerSocket, http: cfg.http, cni: cfg.cniSocket }, 'agent started');
  const shutdown = async (sig: string) => {
    log.info({ signal: sig }, 'shutting down (programmed routes and rules stay)');
    clearInterval(gc);
    await cni?.close();
    await a.stop();
    speaker?.stop();
    routes.stop();
    await monitor.stop();
    http.close();
    await datastore.close();
    setTimeout(() => process.exit(0), 100).unref();
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

runAgent(process.argv.slice(2)).catch((e: Error) => {
  console.error(`agent: ${e.message}`);
  process.exit(1);
});
