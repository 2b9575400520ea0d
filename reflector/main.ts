// reflector: the speaker in the route-reflector role (RFC 4456), with no
// dataplane. Same daemon and config format as bgpd (docs/bgpd-config.md):
// peers marked `routeReflectorClient: true` are its clients, `clusterId`
// defaults to the router ID. Adds liveness/readiness over HTTP
// (--health, default 127.0.0.1:9099) and refuses a config with no client.
//   reflector --config /etc/l3mesh/reflector.yaml [--check] [--health 127.0.0.1:9099]
// Client discovery from the Kubernetes datastore comes with the datastore
// issue; graceful restart with the session-features issue.

import { readiness, runDaemon, serveHealth, type DaemonConfig } from '../bgp/index.js';

function parseHostPort(s: string): { address: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(s);
  if (!m || Number(m[2]) > 65535) throw new Error(`--health: expected address:port, e.g. 127.0.0.1:9099 (got ${JSON.stringify(s)})`);
  return { address: m[1]!, port: Number(m[2]) };
}

function checkReflector(cfg: DaemonConfig, file: string): string[] {
  const clients = cfg.speaker.peers.filter((p) => p.routeReflectorClient);
  return clients.length ? [] : [`${file}: a reflector needs at least one peer with routeReflectorClient: true`];
}

runDaemon({
  name: 'reflector',
  options: { '--health': 'address:port' },
  check: checkReflector,
  async started(sp, options, log) {
    const { address, port } = parseHostPort(options['--health'] ?? '127.0.0.1:9099');
    const srv = await serveHealth(sp, address, port);
    log.info({ address, port, clusterId: sp.config.clusterId ?? sp.config.routerId, ready: readiness(sp).ready }, 'health endpoint listening (/liveness, /readiness)');
    return () => new Promise<void>((r) => srv.close(() => r()));
  },
}, process.argv.slice(2)).catch((e: Error) => {
  console.error(`reflector: ${e.message}`);
  process.exit(1);
});
