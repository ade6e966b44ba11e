import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../types';
import { createBuiltinCatalog } from '../catalog';
import { describeErrors, runCreate, runUpdate } from '../strategy-runner';

const catalog = createBuiltinCatalog();
const deployments = catalog.resource('apps', 'v1', 'deployments')!;

/** What `kubectl create deployment web --image=nginx` sends. */
function kubectlDeployment(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', creationTimestamp: null, labels: { app: 'web' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      strategy: {},
      template: { metadata: { creationTimestamp: null, labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx', resources: {} }] } },
    },
    status: {},
  } as KubeObject;
}

describe('deployment strategy', () => {
  it('applies apps/v1 defaults and pod template defaults', () => {
    const { object, errors } = runCreate(deployments, kubectlDeployment());
    expect(errors).toEqual([]);
    const spec = object.spec as any;
    expect(spec).toMatchObject({
      replicas: 1,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    });
    expect(spec.template.spec).toMatchObject({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', terminationGracePeriodSeconds: 30, schedulerName: 'default-scheduler', securityContext: {} });
    expect(spec.template.spec.containers[0]).toMatchObject({ imagePullPolicy: 'Always', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' });
    expect(spec.template.spec.enableServiceLinks).toBeUndefined();
    expect(spec.template.spec.serviceAccountName).toBeUndefined();
    expect(object.status).toEqual({});
    expect(deployments.strategy.generationPaths).toEqual(['spec', 'metadata.annotations']);
  });

  it('requires a selector that matches the template labels', () => {
    const noSelector = kubectlDeployment();
    delete (noSelector.spec as any).selector;
    expect(describeErrors(runCreate(deployments, noSelector).errors)).toEqual(['spec.selector: Required value']);

    const mismatch = kubectlDeployment();
    (mismatch.spec as any).selector = { matchLabels: { app: 'other' } };
    expect(describeErrors(runCreate(deployments, mismatch).errors)).toEqual(['spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`']);

    const empty = kubectlDeployment();
    (empty.spec as any).selector = {};
    expect(describeErrors(runCreate(deployments, empty).errors)).toEqual(['spec.selector: Invalid value: {}: empty selector is invalid for deployment']);
  });

  it('checks strategy, counts and template restart policy', () => {
    const d = kubectlDeployment();
    const spec = d.spec as any;
    spec.replicas = -1;
    spec.strategy = { type: 'Recreate', rollingUpdate: { maxSurge: 1 } };
    spec.template.spec.restartPolicy = 'Never';
    spec.minReadySeconds = 700;
    expect(describeErrors(runCreate(deployments, d).errors)).toEqual([
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
      "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
      'spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds',
    ]);
    const zero = kubectlDeployment();
    (zero.spec as any).strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } };
    expect(describeErrors(runCreate(deployments, zero).errors)).toEqual(['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when `maxSurge` is 0']);
  });

  it('keeps the selector immutable and the status on update', () => {
    const created = runCreate(deployments, kubectlDeployment()).object;
    created.status = { replicas: 1, observedGeneration: 1 };
    const next = structuredClone(created);
    (next.spec as any).selector = { matchLabels: { app: 'web', tier: 'x' } };
    (next.spec as any).template.metadata.labels.tier = 'x';
    next.status = {};
    const { object, errors } = runUpdate(deployments, next, created);
    expect(describeErrors(errors)).toEqual(['spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"x"}}: field is immutable']);
    expect(object.status).toEqual({ replicas: 1, observedGeneration: 1 });
  });

  it('statefulsets: defaults and forbidden spec updates', () => {
    const sts = catalog.resource('apps', 'v1', 'statefulsets')!;
    const input = kubectlDeployment();
    input.kind = 'StatefulSet';
    delete (input.spec as any).strategy;
    (input.spec as any).volumeClaimTemplates = [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }];
    const { object, errors } = runCreate(sts, input);
    expect(errors).toEqual([]);
    expect(object.spec).toMatchObject({
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      revisionHistoryLimit: 10,
      volumeClaimTemplates: [{ spec: { volumeMode: 'Filesystem' }, status: { phase: 'Pending' } }],
    });
    const next = structuredClone(object);
    (next.spec as any).podManagementPolicy = 'Parallel';
    expect(runUpdate(sts, next, object).errors[0]?.detail).toMatch(/^Forbidden: updates to statefulset spec for fields other than 'replicas'/);
  });

  it('daemonsets default to RollingUpdate 1/0', () => {
    const ds = catalog.resource('apps', 'v1', 'daemonsets')!;
    const input = kubectlDeployment();
    delete (input.spec as any).replicas;
    delete (input.spec as any).strategy;
    const { object, errors } = runCreate(ds, input);
    expect(errors).toEqual([]);
    expect((object.spec as any).updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  });
});
