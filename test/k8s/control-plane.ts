// A real Kubernetes control plane for tests: etcd and kube-apiserver on
// loopback, free ports, everything in one temp dir (data, certs, keys, logs,
// kubeconfig). startControlPlane() builds or reuses the binaries, starts both,
// waits for /readyz and the system namespaces, writes a kubeconfig with an
// admin token (group system:masters). stop() ends both by PID and removes the
// dir; a failed start cleans up the same way and reports the log tail.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureAll } from './binaries.js';
import { freePorts, get, startProcess, stopPid, waitFor } from './processes.js';
import type { Proc } from './processes.js';

export interface ControlPlane {
  dir: string;
  kubeconfig: string;
  server: string;
  token: string;
  /** PEM of the CA that signed the API server's serving certificate. */
  ca: string;
  pids: { etcd: number; apiserver: number };
  binaries: { etcd: string; apiserver: string };
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Leave the processes running after this process exits (CLI `up`); stop them with stopAll. */
  detached?: boolean;
  /** Keep the temp dir (logs) after stop. Also L3MESH_K8S_KEEP=1. */
  keep?: boolean;
  readyTimeoutMs?: number;
}

export const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

function kubeconfigJson(server: string, ca: string, token: string): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Config', preferences: {},
    clusters: [{ name: 'l3mesh-test', cluster: { server, 'certificate-authority-data': Buffer.from(ca).toString('base64') } }],
    users: [{ name: 'admin', user: { token } }],
    contexts: [{ name: 'l3mesh-test', context: { cluster: 'l3mesh-test', user: 'admin', namespace: 'default' } }],
    'current-context': 'l3mesh-test',
  }, null, 2);
}

/** The last certificate of the generated bundle: the self-signed CA (the bundle is cert, then CA). */
function caOf(bundle: string): string {
  const certs = bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const last = certs[certs.length - 1];
  if (!last) throw new Error('kube-apiserver wrote no serving certificate');
  return `${last}\n`;
}

/** Stops the processes by PID (apiserver first) and removes the dir. */
export async function stopAll(pids: number[], dir: string | undefined, keep = false): Promise<void> {
  for (const pid of pids) await stopPid(pid);
  if (dir && !keep && !process.env.L3MESH_K8S_KEEP) rmSync(dir, { recursive: true, force: true });
}

/** Starts the control plane; retries once when a free port was taken before the process bound it. */
export async function startControlPlane(opts: StartOptions = {}): Promise<ControlPlane> {
  try {
    return await startOnce(opts);
  } catch (e) {
    if (!/address already in use/.test((e as Error).message)) throw e;
    return startOnce(opts);
  }
}

async function startOnce(opts: StartOptions): Promise<ControlPlane> {
  const bins = await ensureAll(['etcd', 'kube-apiserver']);
  const dir = mkdtempSync(join(tmpdir(), 'l3mesh-k8s-'));
  const procs: Proc[] = [];
  const keep = opts.keep ?? false;
  // Last resort if this process dies without stop(): kill what we started, by PID.
  const onExit = () => {
    for (const p of [...procs].reverse()) { try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ } }
    if (!keep && !process.env.L3MESH_K8S_KEEP) rmSync(dir, { recursive: true, force: true });
  };
  if (!opts.detached) process.on('exit', onExit);
  const stop = async () => {
    process.off('exit', onExit);
    await stopAll([...procs].reverse().map((p) => p.pid), dir, keep);
  };
  try {
    const [etcdClient, etcdPeer, apiPort] = (await freePorts(3)) as [number, number, number];
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const peerUrl = `http://127.0.0.1:${etcdPeer}`;
    const etcd = startProcess('etcd', bins.etcd, [
      '--name=l3mesh-test', `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`, `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`, `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=l3mesh-test=${peerUrl}`, '--initial-cluster-state=new',
      '--unsafe-no-fsync', '--log-level=warn', '--quota-backend-bytes=2147483648',
    ], join(dir, 'etcd.log'), opts.detached);
    procs.push(etcd);
    await waitFor('etcd /health', async () => JSON.parse((await get(`${etcdUrl}/health`)).body).health === 'true', etcd, 30_000);

    const token = randomBytes(24).toString('hex');
    writeFileSync(join(dir, 'tokens.csv'), `${token},admin,admin-uid,"system:masters"\n`, { mode: 0o600 });
    const sa = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(join(dir, 'sa.key'), sa.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(join(dir, 'sa.pub'), sa.publicKey.export({ type: 'spki', format: 'pem' }));
    const server = `https://127.0.0.1:${apiPort}`;
    const apiserver = startProcess('kube-apiserver', bins['kube-apiserver'], [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${apiPort}`,
      `--cert-dir=${join(dir, 'certs')}`,
      `--token-auth-file=${join(dir, 'tokens.csv')}`,
      `--service-account-key-file=${join(dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
      `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
      '--authorization-mode=Node,RBAC',
      '--service-cluster-ip-range=10.96.0.0/16',
      // Loopback is not a valid endpoint address, and nothing is ever routed here.
      '--endpoint-reconciler-type=none',
      '--profiling=false', '--v=1',
    ], join(dir, 'kube-apiserver.log'), opts.detached);
    procs.push(apiserver);
    const auth = { Authorization: `Bearer ${token}` };
    await waitFor('kube-apiserver /readyz', async () => (await get(`${server}/readyz`, auth)).status === 200,
      apiserver, opts.readyTimeoutMs ?? 90_000);
    const ca = caOf(readFileSync(join(dir, 'certs', 'apiserver.crt'), 'utf8'));
    // /readyz does not wait for the system namespaces; tests expect them. This also checks the CA.
    for (const ns of ['default', 'kube-system']) {
      await waitFor(`namespace ${ns}`, async () => (await get(`${server}/api/v1/namespaces/${ns}`, auth, ca)).status === 200, apiserver, 30_000);
    }
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, kubeconfigJson(server, ca, token), { mode: 0o600 });
    return {
      dir, kubeconfig, server, token, ca,
      pids: { etcd: etcd.pid, apiserver: apiserver.pid },
      binaries: { etcd: bins.etcd, apiserver: bins['kube-apiserver'] },
      stop,
    };
  } catch (e) {
    await stop();
    const hint = keep || process.env.L3MESH_K8S_KEEP ? `logs kept in ${dir}` : 'set L3MESH_K8S_KEEP=1 to keep the logs';
    throw new Error(`Could not start the Kubernetes test control plane (etcd + kube-apiserver; ${hint}): ${(e as Error).message}`, { cause: e });
  }
}
