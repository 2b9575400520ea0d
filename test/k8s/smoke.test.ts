// Smoke suite of the real control plane (etcd + kube-apiserver from
// global-setup.ts), through @kubernetes/client-node: namespaces, /version,
// a CRD with a schema watched by an informer, and RBAC with a service-account
// token from the TokenRequest API. kubectl and helm: smoke-cli.test.ts.
import { describe, expect, it } from 'vitest';
import {
  ADD, ApiextensionsV1Api, AuthenticationV1Api, CoreV1Api, CustomObjectsApi, ERROR, RbacAuthorizationV1Api, UPDATE,
  VersionApi, makeInformer,
} from '@kubernetes/client-node';
import type { KubernetesListObject, KubernetesObject, V1CustomResourceDefinition } from '@kubernetes/client-node';
import { KUBERNETES_VERSION } from './binaries.js';
import { adminKubeConfig, createTestNamespace, statusOf, tokenKubeConfig, waitUntil } from './kube.js';

const kc = adminKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const createNamespace = (name: string) => createTestNamespace(kc, name);

describe('control plane', () => {
  it('lists the system namespaces', async () => {
    const names = (await core.listNamespace()).items.map((n) => n.metadata?.name);
    expect(names).toEqual(expect.arrayContaining(['default', 'kube-system']));
  });

  it('reports the pinned Kubernetes release on /version', async () => {
    const v = await kc.makeApiClient(VersionApi).getCode();
    const [major, minor] = KUBERNETES_VERSION.slice(1).split('.');
    expect(v.gitVersion).toBe(KUBERNETES_VERSION);
    expect([v.major, v.minor]).toEqual([major, minor]);
  });

  it('stores a Pod (nothing schedules or runs it: there is no scheduler or kubelet)', async () => {
    const namespace = 'smoke-pods';
    await createNamespace(namespace);
    await core.createNamespacedPod({ namespace, body: {
      metadata: { name: 'p1', labels: { app: 'smoke' } },
      spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'example.invalid/none' }] },
    } });
    const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=smoke' });
    expect(pods.items.map((p) => [p.metadata?.name, p.spec?.nodeName, p.spec?.serviceAccountName]))
      .toEqual([['p1', 'node-a', 'default']]);
  });
});

interface Widget extends KubernetesObject { spec: { size: number; color?: string } }

describe('custom resources', () => {
  const group = 'test.l3mesh.dev';
  const version = 'v1';
  const plural = 'testwidgets';
  const namespace = 'smoke-crd';
  const crd: V1CustomResourceDefinition = {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group, scope: 'Namespaced',
      names: { kind: 'TestWidget', listKind: 'TestWidgetList', plural, singular: 'testwidget' },
      versions: [{
        name: version, served: true, storage: true,
        schema: { openAPIV3Schema: { type: 'object', properties: {
          spec: { type: 'object', required: ['size'], properties: {
            size: { type: 'integer', minimum: 1 }, color: { type: 'string' } } },
        } } },
      }],
    },
  };

  it('creates a CRD, validates against its schema, and an informer sees ADD then UPDATE', async () => {
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    const custom = kc.makeApiClient(CustomObjectsApi);
    await ext.createCustomResourceDefinition({ body: crd });
    await waitUntil('CRD Established', async () => {
      const got = await ext.readCustomResourceDefinition({ name: crd.metadata!.name! });
      return !!got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    });
    await createNamespace(namespace);
    const widget = (name: string, size: number): Widget =>
      ({ apiVersion: `${group}/${version}`, kind: 'TestWidget', metadata: { name, namespace }, spec: { size } });

    // The schema is enforced: size must be >= 1.
    expect(await statusOf(custom.createNamespacedCustomObject({ group, version, namespace, plural, body: widget('bad', 0) }))).toBe(422);

    const list = () => custom.listNamespacedCustomObject({ group, version, namespace, plural }) as Promise<KubernetesListObject<Widget>>;
    const informer = makeInformer<Widget>(kc, `/apis/${group}/${version}/namespaces/${namespace}/${plural}`, list);
    const events: string[] = [];
    informer.on(ADD, (w) => events.push(`ADD ${w.metadata?.name} ${w.spec.size}`));
    informer.on(UPDATE, (w) => events.push(`UPDATE ${w.metadata?.name} ${w.spec.size}`));
    informer.on(ERROR, (e) => events.push(`ERROR ${String(e)}`));
    await informer.start();
    try {
      await custom.createNamespacedCustomObject({ group, version, namespace, plural, body: widget('w1', 1) });
      await waitUntil('ADD event', async () => events.length >= 1);
      const current = (await custom.getNamespacedCustomObject({ group, version, namespace, plural, name: 'w1' })) as Widget;
      current.spec.size = 2;
      await custom.replaceNamespacedCustomObject({ group, version, namespace, plural, name: 'w1', body: current });
      await waitUntil('UPDATE event', async () => events.length >= 2);
      expect(events).toEqual(['ADD w1 1', 'UPDATE w1 2']);
      expect(informer.get('w1', namespace)?.spec.size).toBe(2);
    } finally {
      await informer.stop();
      await ext.deleteCustomResourceDefinition({ name: crd.metadata!.name! });
    }
  });
});

describe('RBAC', () => {
  it('a service account token can only do what its Role allows', async () => {
    const [allowed, other] = ['smoke-rbac-a', 'smoke-rbac-b'];
    await createNamespace(allowed);
    await createNamespace(other);
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    await core.createNamespacedServiceAccount({ namespace: allowed, body: { metadata: { name: 'reader' } } });
    await rbac.createNamespacedRole({ namespace: allowed, body: {
      metadata: { name: 'pod-reader' },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }],
    } });
    await rbac.createNamespacedRoleBinding({ namespace: allowed, body: {
      metadata: { name: 'reader-reads-pods' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: allowed }],
    } });
    const tr = await core.createNamespacedServiceAccountToken({
      name: 'reader', namespace: allowed, body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const token = tr.status?.token;
    expect(token).toBeTruthy();

    const asReader = tokenKubeConfig(kc, token!, 'reader');
    const who = await asReader.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
    expect(who.status?.userInfo?.username).toBe(`system:serviceaccount:${allowed}:reader`);

    const readerCore = asReader.makeApiClient(CoreV1Api);
    // The authorizer's cache sees the new RoleBinding within moments.
    await waitUntil('RoleBinding in effect', async () =>
      (await statusOf(readerCore.listNamespacedPod({ namespace: allowed }))) === 200, 10_000);
    expect(await statusOf(readerCore.listNamespacedPod({ namespace: other }))).toBe(403);
    expect(await statusOf(readerCore.listNode())).toBe(403);
    expect(await statusOf(readerCore.createNamespacedPod({ namespace: allowed, body: {
      metadata: { name: 'nope' }, spec: { containers: [{ name: 'c', image: 'example.invalid/none' }] },
    } }))).toBe(403);
    const readerExt = asReader.makeApiClient(ApiextensionsV1Api);
    expect(await statusOf(readerExt.createCustomResourceDefinition({ body: {
      metadata: { name: 'nopes.test.l3mesh.dev' },
      spec: { group: 'test.l3mesh.dev', scope: 'Namespaced', names: { kind: 'Nope', plural: 'nopes' }, versions: [] },
    } }))).toBe(403);
  });
});
