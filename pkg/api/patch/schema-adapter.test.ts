import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../types';
import { createSchemaRegistry } from '../schema';
import { updateManagedFields } from '../apply/update-managed-fields';
import { serverSideApply } from '../apply/server-side-apply';
import { effectiveListType } from './patch-schema';
import { RegistryPatchSchemas } from './schema-adapter';
import { applyStrategicMergePatch } from './strategic-merge-patch';

const schemas = new RegistryPatchSchemas(createSchemaRegistry());

/** `kubectl create deployment web --image=nginx` as a 1.3x API server stores it. */
function storedDeployment(): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: 'u', generation: 1, creationTimestamp: '2025-03-01T10:00:00Z', labels: { app: 'web' } },
    spec: {
      progressDeadlineSeconds: 600,
      replicas: 1,
      revisionHistoryLimit: 10,
      selector: { matchLabels: { app: 'web' } },
      strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
      template: {
        metadata: { creationTimestamp: null, labels: { app: 'web' } },
        spec: {
          containers: [
            { image: 'nginx', imagePullPolicy: 'Always', name: 'nginx', resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' },
          ],
          dnsPolicy: 'ClusterFirst',
          restartPolicy: 'Always',
          schedulerName: 'default-scheduler',
          securityContext: {},
          terminationGracePeriodSeconds: 30,
        },
      },
    },
    status: {},
  };
}

describe('RegistryPatchSchemas', () => {
  it('exposes the markers of the built-in types', () => {
    const pod = schemas.forKind('', 'v1', 'Pod');
    const containers = pod?.field('spec')?.field('containers');
    expect(containers?.patchStrategy).toBe('merge');
    expect(containers?.patchMergeKey).toBe('name');
    expect(effectiveListType(containers)).toEqual({ type: 'map', keys: ['name'] });
    const ports = containers?.items()?.field('ports');
    expect(ports?.listMapKeys).toEqual(['containerPort', 'protocol']);
    expect(ports?.items()?.field('protocol')?.default).toBe('TCP');
    expect(pod?.field('metadata')?.field('labels')?.isMap).toBe(true);
    expect(pod?.field('metadata')?.zero).toEqual({});
    expect(effectiveListType(pod?.field('metadata')?.field('finalizers'))).toEqual({ type: 'set', keys: [] });
    expect(schemas.forKind('apps', 'v1', 'Deployment')?.field('spec')?.field('selector')?.mapType).toBe('atomic');
    expect(schemas.forKind('example.com', 'v1', 'Widget')).toBeUndefined();
  });

  it('drives strategic merge patch for a real Deployment (kubectl set image)', () => {
    const schema = schemas.forKind('apps', 'v1', 'Deployment');
    const out = applyStrategicMergePatch(storedDeployment(), { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } } } }, schema);
    const c = ((out.spec as JsonObject).template as { spec: { containers: JsonObject[] } }).spec.containers;
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ name: 'nginx', image: 'nginx:1.27', imagePullPolicy: 'Always' });
  });

  it('records kubectl create ownership exactly as upstream does', () => {
    const schema = schemas.forKind('apps', 'v1', 'Deployment');
    const out = updateManagedFields(undefined, storedDeployment(), 'kubectl-create', 'Update', 'apps/v1', new Date('2025-03-01T10:00:00Z'), {
      schema,
      resetFields: [['status']],
    });
    const entry = ((out.metadata as JsonObject).managedFields as JsonObject[])[0] as JsonObject;
    expect(JSON.stringify(entry.fieldsV1)).toBe(
      '{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:progressDeadlineSeconds":{},"f:replicas":{},"f:revisionHistoryLimit":{},"f:selector":{},"f:strategy":{"f:rollingUpdate":{".":{},"f:maxSurge":{},"f:maxUnavailable":{}},"f:type":{}},"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:image":{},"f:imagePullPolicy":{},"f:name":{},"f:resources":{},"f:terminationMessagePath":{},"f:terminationMessagePolicy":{}}},"f:dnsPolicy":{},"f:restartPolicy":{},"f:schedulerName":{},"f:securityContext":{},"f:terminationGracePeriodSeconds":{}}}}}',
    );

    const conflict = (): unknown =>
      serverSideApply({
        live: out,
        config: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 3 } },
        schema,
        manager: 'kubectl',
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        now: new Date('2025-03-01T11:00:00Z'),
        resetFields: [['status']],
      });
    expect(conflict).toThrow('Apply failed with 1 conflict: conflict with "kubectl-create" using apps/v1: .spec.replicas');
  });
});
