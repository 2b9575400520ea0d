// Smoke suite of the CLIs against the test control plane: kubectl (built from
// the same pinned Kubernetes release) and helm (lint, template, a real install
// and uninstall of the tiny chart in fixtures/chart/).
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { CoreV1Api } from '@kubernetes/client-node';
import { HELM_VERSION, KUBERNETES_VERSION } from './binaries.js';
import { adminKubeConfig, runCli, statusOf, waitUntil } from './kube.js';

const chart = fileURLToPath(new URL('./fixtures/chart', import.meta.url));

describe('kubectl', () => {
  it('gets the namespaces as JSON and reports client and server versions', async () => {
    const kubectl = inject('kubectl');
    const ns = JSON.parse((await runCli(kubectl, ['--kubeconfig', inject('kubeconfig'), 'get', 'ns', '-o', 'json'])).stdout) as
      { items: { metadata: { name: string } }[] };
    expect(ns.items.map((i) => i.metadata.name)).toEqual(expect.arrayContaining(['default', 'kube-system']));
    const v = JSON.parse((await runCli(kubectl, ['version', '-o', 'json'])).stdout) as
      { clientVersion: { gitVersion: string }; serverVersion: { gitVersion: string } };
    expect(v.clientVersion.gitVersion).toBe(KUBERNETES_VERSION);
    expect(v.serverVersion.gitVersion).toBe(KUBERNETES_VERSION);
  });
});

describe('helm', () => {
  const helm = () => inject('helm');

  it('is the pinned version, lints and templates the test chart', async () => {
    expect((await runCli(helm(), ['version', '--short'])).stdout).toMatch(new RegExp(`^${HELM_VERSION.replace(/\./g, '\\.')}`));
    const lint = await runCli(helm(), ['lint', chart]);
    expect(lint.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    const out = (await runCli(helm(), ['template', 'demo', chart, '--set', 'greeting=hi'])).stdout;
    expect(out).toContain('kind: ConfigMap');
    expect(out).toContain('name: demo-smoke');
    expect(out).toContain('greeting: "hi"');
  });

  it('installs the chart into the API server and uninstalls it', async () => {
    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    const namespace = 'smoke-helm';
    const kubeconfig = inject('kubeconfig');
    await runCli(helm(), ['install', 'smoke', chart, '--kubeconfig', kubeconfig, '--namespace', namespace,
      '--create-namespace', '--wait', '--timeout', '60s']);
    const cm = await core.readNamespacedConfigMap({ name: 'smoke-smoke', namespace });
    expect(cm.data?.greeting).toBe('hello from l3mesh');
    const list = JSON.parse((await runCli(helm(), ['list', '--kubeconfig', kubeconfig, '-n', namespace, '-o', 'json'])).stdout) as
      { name: string; status: string }[];
    expect(list).toEqual([expect.objectContaining({ name: 'smoke', status: 'deployed' })]);

    await runCli(helm(), ['uninstall', 'smoke', '--kubeconfig', kubeconfig, '--namespace', namespace, '--wait']);
    await waitUntil('ConfigMap deleted', async () =>
      (await statusOf(core.readNamespacedConfigMap({ name: 'smoke-smoke', namespace }))) === 404);
  });
});
