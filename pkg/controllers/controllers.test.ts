// The built-in controllers against the real API server (in process, memory datastore), run by the
// controller manager as the controller-manager identity.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject, OwnerReference } from '../api/types';
import { systemClock } from '../client/clock';
import { isNotFound } from '../client/errors';
import { RESOURCES, type ResourceRef } from '../client/resource-ref';
import { ControllerManager } from '../controller/controller-manager';
import { silentLogger } from '../log/logger';
import { startTestControlPlane, type TestControlPlane } from '../server/test-control-plane';
import { builtinControllers } from './index';
import { eventually } from './testing/eventually';

const PODSPEC = { containers: [{ name: 'c', image: 'busybox' }] };

describe('built-in controllers', () => {
  let cp: TestControlPlane;
  const abort = new AbortController();
  let running: Promise<void>;

  const api = <T extends KubeObject = KubeObject>(ref: ResourceRef) => cp.admin.resource<T>(ref);
  const gone = async (ref: ResourceRef, ns: string | undefined, name: string) => {
    try {
      await api(ref).get(ns, name);
      return false;
    } catch (e) {
      return isNotFound(e);
    }
  };
  const ownerRef = (o: KubeObject, block = true): OwnerReference => ({ apiVersion: o.apiVersion!, kind: o.kind!, name: o.metadata.name!, uid: o.metadata.uid!, controller: true, blockOwnerDeletion: block });
  const deployment = (ns: string, name: string) =>
    api(RESOURCES.deployments).create({ metadata: { name, namespace: ns }, spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: PODSPEC } } });
  const replicaSet = (ns: string, name: string, owner?: KubeObject) =>
    api(RESOURCES.replicasets).create({
      metadata: { name, namespace: ns, ...(owner ? { ownerReferences: [ownerRef(owner)] } : {}) },
      spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: PODSPEC } },
    });
  const pod = (ns: string, name: string, owner?: KubeObject, extra: Partial<KubeObject['metadata']> = {}) =>
    api(RESOURCES.pods).create({ metadata: { name, namespace: ns, ...(owner ? { ownerReferences: [ownerRef(owner)] } : {}), ...extra }, spec: PODSPEC });

  beforeAll(async () => {
    cp = await startTestControlPlane();
    // Hand-made ReplicaSets and pods here: the ReplicaSet controller would adopt/release them.
    const enabled = ['namespace', 'garbage-collector', 'serviceaccount', 'root-ca-cert-publisher'];
    const manager = new ControllerManager({ client: cp.controller, clock: systemClock, log: silentLogger(), controllers: builtinControllers({ rootCaPem: cp.serverCaPem }), enabled });
    running = manager.run(abort.signal);
    await api(RESOURCES.namespaces).create({ metadata: { name: 'gc' } });
  });
  afterAll(async () => {
    abort.abort();
    await running;
    await cp?.stop();
  });

  it('gives every namespace a default ServiceAccount and the kube-root-ca.crt ConfigMap', async () => {
    await api(RESOURCES.namespaces).create({ metadata: { name: 'fresh' } });
    const sa = await eventually(() => api(RESOURCES.serviceaccounts).get('fresh', 'default'), 'the default service account');
    expect(sa.metadata.name).toBe('default');
    const cm = await eventually(() => api(RESOURCES.configmaps).get('fresh', 'kube-root-ca.crt'), 'kube-root-ca.crt');
    expect((cm.data as Record<string, string>)['ca.crt']).toBe(cp.serverCaPem);
    // The system namespaces created at start get them too.
    await eventually(() => api(RESOURCES.configmaps).get('kube-system', 'kube-root-ca.crt'), 'kube-root-ca.crt in kube-system');
    // Deleted or edited, they come back as published.
    await api(RESOURCES.serviceaccounts).delete('fresh', 'default');
    await eventually(async () => (await api(RESOURCES.serviceaccounts).get('fresh', 'default')).metadata.uid !== sa.metadata.uid, 'a new default service account');
    await api(RESOURCES.configmaps).patch('fresh', 'kube-root-ca.crt', 'merge', { data: { 'ca.crt': 'tampered', extra: 'x' } });
    await eventually(async () => JSON.stringify((await api(RESOURCES.configmaps).get('fresh', 'kube-root-ca.crt')).data) === JSON.stringify({ 'ca.crt': cp.serverCaPem }), 'the CA republished');
  });

  it('empties a deleted namespace, then removes it', async () => {
    await api(RESOURCES.namespaces).create({ metadata: { name: 'doomed' } });
    await api(RESOURCES.configmaps).create({ metadata: { name: 'c1', namespace: 'doomed' }, data: { a: 'b' } });
    await deployment('doomed', 'web');
    await pod('doomed', 'p1');
    await api(RESOURCES.leases).create({ metadata: { name: 'l', namespace: 'doomed' }, spec: {} });
    await eventually(() => api(RESOURCES.serviceaccounts).get('doomed', 'default'), 'the default service account');
    const marked = await api(RESOURCES.namespaces).delete(undefined, 'doomed');
    expect(marked.metadata.deletionTimestamp).toBeTruthy();
    expect((marked.status as { phase: string }).phase).toBe('Terminating');
    expect((marked.spec as { finalizers: string[] }).finalizers).toEqual(['kubernetes']);
    await eventually(() => gone(RESOURCES.namespaces, undefined, 'doomed'), 'the namespace to go');
    for (const ref of [RESOURCES.configmaps, RESOURCES.deployments, RESOURCES.pods, RESOURCES.leases, RESOURCES.serviceaccounts]) {
      expect((await api(ref).list('doomed')).items).toEqual([]);
    }
  });

  it('keeps a terminating namespace until objects with finalizers are gone', async () => {
    await api(RESOURCES.namespaces).create({ metadata: { name: 'held' } });
    await api(RESOURCES.configmaps).create({ metadata: { name: 'sticky', namespace: 'held', finalizers: ['example.com/hold'] } });
    await api(RESOURCES.namespaces).delete(undefined, 'held');
    await eventually(async () => (await api(RESOURCES.configmaps).get('held', 'sticky')).metadata.deletionTimestamp, 'the configmap to be marked');
    const ns = await api(RESOURCES.namespaces).get(undefined, 'held');
    expect((ns.status as { phase: string }).phase).toBe('Terminating');
    await api(RESOURCES.configmaps).patch('held', 'sticky', 'merge', { metadata: { finalizers: null } });
    await eventually(() => gone(RESOURCES.namespaces, undefined, 'held'), 'the namespace to go');
  });

  it('deletes dependents of a deleted owner in the background', async () => {
    const rs = await replicaSet('gc', 'bg');
    await pod('gc', 'bg-1', rs);
    await pod('gc', 'bg-2', rs);
    await api(RESOURCES.replicasets).delete('gc', 'bg', { propagationPolicy: 'Background' });
    await eventually(async () => (await gone(RESOURCES.pods, 'gc', 'bg-1')) && gone(RESOURCES.pods, 'gc', 'bg-2'), 'the pods to go');
  });

  it('deletes an object whose owner never existed', async () => {
    await api(RESOURCES.pods).create({
      metadata: { name: 'orphaned-at-birth', namespace: 'gc', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'ghost', uid: '00000000-0000-0000-0000-000000000001' }] },
      spec: PODSPEC,
    });
    await eventually(() => gone(RESOURCES.pods, 'gc', 'orphaned-at-birth'), 'the pod to go');
  });

  it('keeps an owner deleted in the foreground until its blocking dependents are gone', async () => {
    const d = await deployment('gc', 'fg');
    const rs = await replicaSet('gc', 'fg-rs', d);
    await pod('gc', 'fg-pod', rs, { finalizers: ['example.com/hold'] });
    await api(RESOURCES.deployments).delete('gc', 'fg', { propagationPolicy: 'Foreground' });
    // The pod is held by its finalizer, so the ReplicaSet and Deployment wait, marked for deletion.
    await eventually(async () => (await api(RESOURCES.pods).get('gc', 'fg-pod')).metadata.deletionTimestamp, 'the pod to be marked');
    const rsNow = await api(RESOURCES.replicasets).get('gc', 'fg-rs');
    expect(rsNow.metadata.finalizers).toContain('foregroundDeletion');
    const dNow = await api(RESOURCES.deployments).get('gc', 'fg');
    expect(dNow.metadata.finalizers).toEqual(['foregroundDeletion']);
    await api(RESOURCES.pods).patch('gc', 'fg-pod', 'merge', { metadata: { finalizers: null } });
    await eventually(() => gone(RESOURCES.deployments, 'gc', 'fg'), 'the deployment to go');
    expect(await gone(RESOURCES.replicasets, 'gc', 'fg-rs')).toBe(true);
    expect(await gone(RESOURCES.pods, 'gc', 'fg-pod')).toBe(true);
  });

  it('orphans dependents when asked', async () => {
    const d = await deployment('gc', 'or');
    await replicaSet('gc', 'or-rs', d);
    await api(RESOURCES.deployments).delete('gc', 'or', { propagationPolicy: 'Orphan' });
    await eventually(() => gone(RESOURCES.deployments, 'gc', 'or'), 'the deployment to go');
    const rs = await api(RESOURCES.replicasets).get('gc', 'or-rs');
    expect(rs.metadata.ownerReferences ?? []).toEqual([]);
    expect(rs.metadata.deletionTimestamp).toBeUndefined();
  });

  it('drops a dangling reference but keeps an object that has another owner', async () => {
    const a = await api(RESOURCES.configmaps).create({ metadata: { name: 'owner-a', namespace: 'gc' } });
    const b = await api(RESOURCES.configmaps).create({ metadata: { name: 'owner-b', namespace: 'gc' } });
    await api(RESOURCES.configmaps).create({ metadata: { name: 'shared', namespace: 'gc', ownerReferences: [ownerRef(a, false), { ...ownerRef(b, false), controller: false }] } });
    await api(RESOURCES.configmaps).delete('gc', 'owner-a');
    await eventually(async () => (await api(RESOURCES.configmaps).get('gc', 'shared')).metadata.ownerReferences?.length === 1, 'the reference to owner-a to go');
    const shared = await api(RESOURCES.configmaps).get('gc', 'shared');
    expect(shared.metadata.ownerReferences?.[0]?.uid).toBe(b.metadata.uid);
  });
});
