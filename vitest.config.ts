// Two projects: fast unit/layer tests that need nothing, and suites that need
// a real Kubernetes control plane (test/k8s/global-setup.ts starts etcd and
// kube-apiserver once for them, failing loudly if the binaries cannot be built).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{agent,bgp,reflector,proto}/**/*.test.ts', 'test/unit/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'k8s',
          include: ['test/k8s/**/*.test.ts'],
          globalSetup: ['test/k8s/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
