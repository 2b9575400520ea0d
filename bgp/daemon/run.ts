// The daemon around a Speaker, shared by bgpd and the reflector (same
// speaker, different role): argument parsing, config loading with file:line
// errors, the gRPC API and control socket, SIGHUP reload (unchanged sessions
// stay up; a bad file is reported and the running config kept), and
// shutdown: SIGTERM closes the sessions without a NOTIFICATION when graceful
// restart is on (the peers keep our routes while we restart: a pod restart or
// upgrade drops no traffic), else like SIGINT, which sends Cease/
// Administrative Shutdown (a Hard Reset where the N bit was agreed) so the
// peers withdraw our routes at once. `--graceful-restart` starts in the
// restarting role (RFC 4724 §4.1: R and F bits, our UPDATEs deferred until
// the peers' End-of-RIB).
// Logs are pino JSON on stdout.

import pino, { type Logger } from 'pino';
import { serveApi } from '../api/index.js';
import { Speaker } from '../speaker/index.js';
import { ConfigError, loadConfig, type DaemonConfig } from './config.js';
import { serveControl } from './control.js';

export interface DaemonRole {
  /** Command name, for usage, logs and the shutdown message. */
  readonly name: string;
  /** Extra options taking a value, e.g. { '--health': 'address:port of the health endpoint' }. */
  readonly options?: Readonly<Record<string, string>>;
  /** Problems specific to the role (e.g. a reflector without clients). */
  check?(cfg: DaemonConfig, file: string): string[];
  /** After the speaker started: extra servers; the returned closer runs at shutdown. */
  started?(sp: Speaker, options: Readonly<Record<string, string>>, log: Logger): Promise<(() => Promise<void>) | void>;
}

function usage(role: DaemonRole, msg?: string): never {
  if (msg) console.error(msg);
  const extra = Object.entries(role.options ?? {}).map(([k, d]) => ` [${k} <${d}>]`).join('');
  console.error(`usage: ${role.name} --config <file.yaml> [--check] [--graceful-restart]${extra}`);
  process.exit(2);
}

function load(role: DaemonRole, file: string): DaemonConfig {
  const cfg = loadConfig(file);
  const problems = role.check?.(cfg, file) ?? [];
  if (problems.length) throw new ConfigError(problems);
  return cfg;
}

export async function runDaemon(role: DaemonRole, argv: readonly string[]): Promise<void> {
  let file: string | undefined;
  let check = false;
  let restarting = false;
  const options: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--config' || a === '-c') file = argv[++i];
    else if (a === '--check') check = true;
    else if (a === '--graceful-restart') restarting = true;
    else if (a === '--help' || a === '-h') usage(role);
    else if (role.options && a in role.options) {
      const v = argv[++i];
      if (v === undefined) usage(role, `${a} needs a value`);
      options[a] = v;
    } else usage(role, `unknown argument ${a}`);
  }
  if (!file) usage(role, '--config is required');
  const log = pino({ base: { daemon: role.name } });
  let cfg: DaemonConfig;
  try {
    cfg = load(role, file);
  } catch (e) {
    console.error(e instanceof ConfigError ? e.message : `cannot read ${file}: ${(e as Error).message}`);
    process.exit(1);
  }
  if (check) {
    console.log(`${file}: configuration OK (${cfg.speaker.peers.length} peers)`);
    return;
  }
  const sp = new Speaker(restarting ? { ...cfg.speaker, restarting } : cfg.speaker, { logger: log });
  await sp.start();
  log.info({ asn: cfg.speaker.asn, routerId: cfg.speaker.routerId, listen: cfg.speaker.listen, peers: cfg.speaker.peers.length }, `${role.name} started`);
  const control = cfg.control ? serveControl(sp, cfg.control) : undefined;
  const api = cfg.api ? await serveApi(sp, cfg.api) : undefined;
  if (api) log.info({ socket: api.socket, ...(api.tcpPort !== undefined ? { tcpPort: api.tcpPort } : {}) }, 'gRPC API listening');
  const closeExtra = await role.started?.(sp, options, log);

  process.on('SIGHUP', () => {
    try {
      const next = load(role, file!);
      sp.reconfigure(next.speaker);
      log.info({ peers: next.speaker.peers.length }, 'configuration reloaded');
    } catch (e) {
      log.error({ err: (e as Error).message }, 'reload failed; keeping the running configuration');
    }
  });
  const shutdown = async (sig: string) => {
    const graceful = sig === 'SIGTERM' && sp.config.gracefulRestart !== false;
    log.info({ signal: sig, graceful }, graceful ? 'shutting down for a graceful restart: sessions closed without NOTIFICATION, peers keep our routes' : 'shutting down');
    await sp.stop(`${role.name} stopped (${sig})`, { graceful });
    control?.close();
    await api?.close();
    if (closeExtra) await closeExtra();
    setTimeout(() => process.exit(0), 200).unref();
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}
