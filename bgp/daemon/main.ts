// bgpd: the BGP speaker daemon.
//   bgpd --config /etc/l3mesh/bgpd.yaml [--check]
// Logs are pino JSON on stdout (peer state changes, NOTIFICATIONs in words).
// SIGHUP re-reads the config and applies the difference without dropping
// unchanged sessions; a bad new config is reported and the old one kept.
// The gRPC API (bgp/api, config `api:`) serves on a unix socket (0660);
// the line-protocol `control:` socket stays for the test harness.
// SIGTERM/SIGINT send Cease/Administrative Shutdown to every peer and exit.

import pino from 'pino';
import { serveApi } from '../api/index.js';
import { Speaker } from '../speaker/index.js';
import { ConfigError, loadConfig } from './config.js';
import { serveControl } from './control.js';

function usage(msg?: string): never {
  if (msg) console.error(msg);
  console.error('usage: bgpd --config <file.yaml> [--check]');
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  let file: string | undefined;
  let check = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--config' || a === '-c') file = argv[++i];
    else if (a === '--check') check = true;
    else if (a === '--help' || a === '-h') usage();
    else usage(`unknown argument ${a}`);
  }
  if (!file) usage('--config is required');
  const log = pino({ base: { daemon: 'bgpd' } });
  let cfg;
  try {
    cfg = loadConfig(file);
  } catch (e) {
    console.error(e instanceof ConfigError ? e.message : `cannot read ${file}: ${(e as Error).message}`);
    process.exit(1);
  }
  if (check) {
    console.log(`${file}: configuration OK (${cfg.speaker.peers.length} peers)`);
    return;
  }
  const sp = new Speaker(cfg.speaker, { logger: log });
  await sp.start();
  log.info({ asn: cfg.speaker.asn, routerId: cfg.speaker.routerId, listen: cfg.speaker.listen, peers: cfg.speaker.peers.length }, 'bgpd started');
  const control = cfg.control ? serveControl(sp, cfg.control) : undefined;
  const api = cfg.api ? await serveApi(sp, cfg.api) : undefined;
  if (api) log.info({ socket: api.socket, ...(api.tcpPort !== undefined ? { tcpPort: api.tcpPort } : {}) }, 'gRPC API listening');

  process.on('SIGHUP', () => {
    try {
      const next = loadConfig(file!);
      sp.reconfigure(next.speaker);
      log.info({ peers: next.speaker.peers.length }, 'configuration reloaded');
    } catch (e) {
      log.error({ err: (e as Error).message }, 'reload failed; keeping the running configuration');
    }
  });
  const shutdown = async (sig: string) => {
    log.info({ signal: sig }, 'shutting down');
    await sp.stop(`bgpd stopped (${sig})`);
    control?.close();
    await api?.close();
    setTimeout(() => process.exit(0), 200).unref();
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main(process.argv.slice(2)).catch((e: Error) => {
  console.error(`bgpd: ${e.message}`);
  process.exit(1);
});
