// Three projects: fast unit/layer tests that need nothing; suites that need a
// real Kubernetes control plane (test/k8s/global-setup.ts starts etcd and
// kube-apiserver once, failing loudly if the binaries cannot be built); and
// interop suites against BIRD, FRR and GoBGP in network namespaces, plus the
// *.netns.test.ts files next to the code (real kernel routes, iptables, packets)
// (test/interop/global-setup.ts installs the Debian packages when missing).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{agent,bgp,reflector,proto}/**/*.test.ts', 'test/unit/**/*.test.ts'],
          // suites that build network namespaces run in the interop project, one file at a time
          exclude: ['**/*.netns.test.ts', '**/node_modules/**'],
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
      {
        test: {
          name: 'interop',
          include: ['test/interop/**/*.test.ts', '{agent,bgp,reflector}/**/*.netns.test.ts'],
          globalSetup: ['test/interop/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
