// vitest globalSetup of the `k8s` project: builds or reuses the binaries,
// starts one etcd + kube-apiserver for the whole run and hands the kubeconfig
// (and the kubectl and helm paths) to the tests through provide/inject.
// If anything cannot be built or started, the run fails with the reason: the
// suites that need a control plane never skip silently.
import type { TestProject } from 'vitest/node';
import { ensureAll } from './binaries.js';
import { startControlPlane } from './control-plane.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
    kubectl: string;
    helm: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const t0 = Date.now();
  let bins;
  try {
    bins = await ensureAll();
  } catch (e) {
    throw new Error(
      `k8s test suites: cannot build the control-plane binaries (etcd, kube-apiserver, kubectl, helm) from test/k8s/go/.\n` +
        `${(e as Error).message}\n` +
        'Check: Go >= 1.24 installed (go on PATH or /usr/local/go/bin/go), the Go module proxy reachable, ' +
        'disk space in the cache dir. Try `npx tsx test/k8s/cli.ts build` to see the build alone.', { cause: e });
  }
  const cp = await startControlPlane();
  process.stderr.write(`[k8s] control plane ready at ${cp.server} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  project.provide('kubeconfig', cp.kubeconfig);
  project.provide('kubectl', bins.kubectl);
  project.provide('helm', bins.helm);
  return () => cp.stop();
}
