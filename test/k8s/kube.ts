// Helpers for suites that run against the test control plane: the injected
// kubeconfig, a kubeconfig for another bearer token, the HTTP status of an API
// call, polling, and running kubectl/helm with a throwaway HOME.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { inject } from 'vitest';

/** The admin kubeconfig of the control plane started by global-setup.ts. */
export function adminKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(inject('kubeconfig'));
  return kc;
}

/** Same cluster, authenticated with a bearer token instead. */
export function tokenKubeConfig(admin: KubeConfig, token: string, user: string): KubeConfig {
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: user, token }],
    contexts: [{ name: user, cluster: cluster.name, user }],
    currentContext: user,
  });
  return kc;
}

/**
 * Creates a namespace and its "default" ServiceAccount. No kube-controller-manager
 * runs here, so nothing else makes that account, and without it the ServiceAccount
 * admission plugin refuses every Pod in the namespace.
 */
export async function createTestNamespace(kc: KubeConfig, name: string): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name } } });
  await core.createNamespacedServiceAccount({ namespace: name, body: { metadata: { name: 'default' } } });
}

/** 200 when the call succeeds, else the HTTP status of the API error. */
export async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (e) {
    if (e instanceof ApiException) return e.code;
    throw e;
  }
}

export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface CliResult { stdout: string; stderr: string }

/**
 * Runs a CLI (kubectl, helm) with HOME and the helm dirs in a temp dir, so
 * nothing is written to the user's home. Rejects with its output on failure.
 */
export function runCli(bin: string, args: string[], cwd?: string): Promise<CliResult> {
  const home = mkdtempSync(join(tmpdir(), 'l3mesh-cli-'));
  const env = {
    ...process.env, HOME: home, KUBECONFIG: inject('kubeconfig'),
    HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data'),
  };
  return new Promise<CliResult>((resolve, reject) => {
    execFile(bin, args, { env, cwd, timeout: 90_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      rmSync(home, { recursive: true, force: true });
      if (err) reject(new Error(`${bin} ${args.join(' ')}: ${err.message}\n${stdout}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}
