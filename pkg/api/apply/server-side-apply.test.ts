import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../types';
import { fakeDeploymentSchema } from '../patch/fake-patch-schema';
import { ApplyConflictError, isApplyError } from './errors';
import { LAST_APPLIED_ANNOTATION, serverSideApply, type ApplyRequest } from './server-side-apply';
import { updateManagedFields } from './update-managed-fields';

const schema = fakeDeploymentSchema();
const t0 = new Date('2025-03-01T10:00:00.123Z');
const t1 = new Date('2025-03-01T11:00:00Z');
const t2 = new Date('2025-03-01T12:00:00Z');
const reset = [['status']];

/** What `kubectl create deployment web --image=nginx` stores once defaults ran. */
function createdDeployment(): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: 'u-1', generation: 1, creationTimestamp: '2025-03-01T10:00:00Z', labels: { app: 'web' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'nginx', image: 'nginx', imagePullPolicy: 'Always', resources: {} }], restartPolicy: 'Always', dnsPolicy: 'ClusterFirst' },
      },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    },
    status: {},
  };
}

function applied(replicas: number, extra: JsonObject = {}): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }] }] } },
      ...extra,
    },
  };
}

function apply(live: JsonObject | undefined, config: JsonObject, manager = 'kubectl', more: Partial<ApplyRequest> = {}): JsonObject {
  return serverSideApply({ live, config, schema, manager, apiVersion: 'apps/v1', kind: 'Deployment', now: t1, resetFields: reset, ...more });
}

const mf = (o: JsonObject): JsonObject[] => (o.metadata as { managedFields: JsonObject[] }).managedFields;
const spec = (o: JsonObject): JsonObject => o.spec as JsonObject;

function conflictOf(fn: () => unknown): ApplyConflictError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApplyConflictError) return e;
    throw e;
  }
  throw new Error('expected a conflict');
}

describe('updateManagedFields (create / update / patch)', () => {
  it('records what kubectl create owns, as upstream encodes it', () => {
    const out = updateManagedFields(undefined, createdDeployment(), 'kubectl-create', 'Update', 'apps/v1', t0, { schema, resetFields: reset });
    expect(mf(out)).toEqual([
      {
        manager: 'kubectl-create',
        operation: 'Update',
        apiVersion: 'apps/v1',
        time: '2025-03-01T10:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
          'f:spec': {
            'f:progressDeadlineSeconds': {},
            'f:replicas': {},
            'f:revisionHistoryLimit': {},
            'f:selector': {},
            'f:strategy': { 'f:rollingUpdate': { '.': {}, 'f:maxSurge': {}, 'f:maxUnavailable': {} }, 'f:type': {} },
            'f:template': {
              'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
              'f:spec': {
                'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:imagePullPolicy': {}, 'f:name': {}, 'f:resources': {} } },
                'f:dnsPolicy': {},
                'f:restartPolicy': {},
              },
            },
          },
        },
      },
    ]);
  });

  it('moves ownership of changed fields and leaves an unchanged object alone', () => {
    const created = updateManagedFields(undefined, createdDeployment(), 'kubectl-create', 'Update', 'apps/v1', t0, { schema, resetFields: reset });
    const scaled = structuredClone(created);
    (scaled.spec as JsonObject).replicas = 5;
    const out = updateManagedFields(created, scaled, 'kubectl-scale', 'Update', 'apps/v1', t1, { schema, resetFields: reset });
    const [create, scale] = mf(out) as [JsonObject, JsonObject];
    expect(scale).toMatchObject({ manager: 'kubectl-scale', time: '2025-03-01T11:00:00Z', fieldsV1: { 'f:spec': { 'f:replicas': {} } } });
    expect((create.fieldsV1 as { 'f:spec': JsonObject })['f:spec']['f:replicas']).toBeUndefined();
    const again = updateManagedFields(out, structuredClone(out), 'kubectl-edit', 'Update', 'apps/v1', t2, { schema, resetFields: reset });
    expect(mf(again)).toEqual(mf(out));
  });

  it('records a status write under its subresource and ignores reset fields', () => {
    const created = updateManagedFields(undefined, createdDeployment(), 'kubectl-create', 'Update', 'apps/v1', t0, { schema, resetFields: reset });
    const withStatus = structuredClone(created);
    withStatus.status = { replicas: 1 };
    const out = updateManagedFields(created, withStatus, 'k3ts-controller', 'Update', 'apps/v1', t1, { schema, subresource: 'status', resetFields: [['spec']] });
    expect(mf(out)[1]).toMatchObject({ manager: 'k3ts-controller', subresource: 'status', fieldsV1: { 'f:status': { 'f:replicas': {} } } });
    const main = updateManagedFields(created, withStatus, 'someone', 'Update', 'apps/v1', t1, { schema, resetFields: reset });
    expect(mf(main)).toHaveLength(1);
  });

  it('resets managedFields sent as [{}] and keeps ones a client edits', () => {
    const created = updateManagedFields(undefined, createdDeployment(), 'kubectl-create', 'Update', 'apps/v1', t0, { schema, resetFields: reset });
    const cleared = structuredClone(created);
    (cleared.metadata as JsonObject).managedFields = [{}];
    expect((updateManagedFields(created, cleared, 'x', 'Update', 'apps/v1', t1, { schema }).metadata as JsonObject).managedFields).toBeUndefined();
  });

  it('caps Update entries at 10, folding the oldest into ancient-changes', () => {
    let obj = updateManagedFields(undefined, createdDeployment(), 'm0', 'Update', 'apps/v1', t0, { schema, resetFields: reset });
    for (let i = 1; i <= 11; i++) {
      const next = structuredClone(obj);
      (next.metadata as { labels: Record<string, string> }).labels[`l${i}`] = 'x';
      obj = updateManagedFields(obj, next, `m${i}`, 'Update', 'apps/v1', new Date(t0.getTime() + i * 60_000), { schema, resetFields: reset });
    }
    const managers = mf(obj).map((e) => e.manager);
    expect(managers).toHaveLength(10);
    expect(managers).toContain('ancient-changes');
    expect(managers).not.toContain('m0');
  });

  it('keeps the stored managedFields when the new object cannot be walked', () => {
    const created = updateManagedFields(undefined, createdDeployment(), 'kubectl-create', 'Update', 'apps/v1', t0, { schema, resetFields: reset });
    const broken = structuredClone(created);
    ((broken.spec as JsonObject).template as { spec: JsonObject }).spec.containers = [{ image: 'no-name' }];
    expect(mf(updateManagedFields(created, broken, 'x', 'Update', 'apps/v1', t1, { schema }))).toEqual(mf(created));
  });
});

describe('serverSideApply', () => {
  it('creates an object owned by the applier', () => {
    const out = apply(undefined, applied(2));
    expect(spec(out).replicas).toBe(2);
    expect(mf(out)).toEqual([
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: '2025-03-01T11:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:selector': {},
            'f:template': {
              'f:metadata': { 'f:labels': { 'f:app': {} } },
              'f:spec': {
                'f:containers': {
                  'k:{"name":"nginx"}': {
                    '.': {},
                    'f:image': {},
                    'f:name': {},
                    'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
                  },
                },
              },
            },
          },
        },
      },
    ]);
  });

  it('conflicts with kubectl create on a changed field (409 causes), not on equal values', () => {
    const created = updateManagedFields(undefined, createdDeployment(), 'kubectl-create', 'Update', 'apps/v1', t0, { schema, resetFields: reset });
    const err = conflictOf(() => apply(created, applied(3)));
    expect(err.code).toBe('conflict');
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-create" using apps/v1: .spec.replicas');
    expect(err.toStatusCauses()).toEqual([{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-create" using apps/v1', field: '.spec.replicas' }]);

    const shared = apply(created, applied(1));
    expect(mf(shared).map((e) => [e.manager, e.operation])).toEqual([
      ['kubectl', 'Apply'],
      ['kubectl-create', 'Update'],
    ]);
    expect(spec(shared).strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
  });

  it('lists every conflict, grouped by manager', () => {
    const created = updateManagedFields(undefined, createdDeployment(), 'kubectl-create', 'Update', 'apps/v1', t0, { schema, resetFields: reset });
    const err = conflictOf(() => apply(created, applied(3, { revisionHistoryLimit: 2 })));
    expect(err.message).toBe('Apply failed with 2 conflicts: conflicts with "kubectl-create" using apps/v1:\n- .spec.replicas\n- .spec.revisionHistoryLimit');
    expect(err.toStatusCauses().map((c) => c.field)).toEqual(['.spec.replicas', '.spec.revisionHistoryLimit']);
  });

  it('force takes ownership away from the other manager', () => {
    const created = updateManagedFields(undefined, createdDeployment(), 'kubectl-create', 'Update', 'apps/v1', t0, { schema, resetFields: reset });
    const out = apply(created, applied(3), 'kubectl', { force: true });
    expect(spec(out).replicas).toBe(3);
    const create = mf(out).find((e) => e.manager === 'kubectl-create') as { fieldsV1: { 'f:spec': JsonObject } };
    expect(create.fieldsV1['f:spec']['f:replicas']).toBeUndefined();
    expect(mf(out)[0]).toMatchObject({ manager: 'kubectl', operation: 'Apply' });
  });

  it('removes fields the applier stopped applying unless someone else owns them', () => {
    const first = apply(undefined, applied(2, { paused: true }));
    const labelled = updateManagedFields(first, withLabel(first, 'team', 'a'), 'kubectl-label', 'Update', 'apps/v1', t1, { schema });
    const config = applied(2);
    ((config.spec as JsonObject).template as { spec: { containers: JsonObject[] } }).spec.containers.push({ name: 'side', image: 'busybox' });
    const second = apply(labelled, config, 'kubectl', { now: t2 });
    expect(spec(second).paused).toBeUndefined();
    expect((second.metadata as JsonObject).labels).toEqual({ app: 'web', team: 'a' });
    const noReplicas = applied(2);
    delete (noReplicas.spec as JsonObject).replicas;
    const third = apply(second, noReplicas);
    expect(spec(third).replicas).toBeUndefined();
    expect(((spec(third).template as { spec: { containers: JsonObject[] } }).spec.containers).map((c) => c.name)).toEqual(['nginx']);
  });

  it('conflicts between two appliers name the applier without a version', () => {
    const a = apply(undefined, applied(2), 'team-a');
    const err = conflictOf(() => apply(a, applied(4), 'team-b'));
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "team-a": .spec.replicas');
  });

  it('a repeated identical apply leaves managedFields (and their times) untouched', () => {
    const first = apply(undefined, applied(2));
    const again = apply(first, applied(2), 'kubectl', { now: t2 });
    expect(again).toEqual(first);
  });

  it('an update by another manager takes the field from the applier', () => {
    const first = apply(undefined, applied(2));
    const scaled = structuredClone(first);
    (scaled.spec as JsonObject).replicas = 7;
    const out = updateManagedFields(first, scaled, 'kubectl-scale', 'Update', 'apps/v1', t2, { schema });
    const err = conflictOf(() => apply(out, applied(2)));
    expect(err.toStatusCauses()[0]?.message).toBe('conflict with "kubectl-scale" using apps/v1');
  });

  it('kubectl upgrades from client-side apply without conflicts on fields it last applied', () => {
    const lastApplied = JSON.stringify(applied(1));
    const live = createdDeployment();
    (live.metadata as JsonObject).annotations = { [LAST_APPLIED_ANNOTATION]: lastApplied };
    const csa = updateManagedFields(undefined, live, 'kubectl-client-side-apply', 'Update', 'apps/v1', t0, { schema, resetFields: reset });
    const out = apply(csa, applied(3));
    expect(spec(out).replicas).toBe(3);
    const annotation = ((out.metadata as JsonObject).annotations as Record<string, string>)[LAST_APPLIED_ANNOTATION] as string;
    expect(JSON.parse(annotation)).toEqual(applied(3));
    expect(annotation.endsWith('\n')).toBe(true);
    // Another manager changed the field since: that conflict is not forgiven.
    const scaled = structuredClone(csa);
    (scaled.spec as JsonObject).replicas = 5;
    const drifted = updateManagedFields(csa, scaled, 'kubectl-scale', 'Update', 'apps/v1', t1, { schema, resetFields: reset });
    expect(conflictOf(() => apply(drifted, applied(3))).toStatusCauses()).toHaveLength(1);
    // Managers other than "kubectl" get no such allowance.
    expect(conflictOf(() => apply(csa, applied(3), 'other')).conflicts).toHaveLength(1);
  });

  it('hands an untracked object to before-first-apply, so the first apply conflicts on changes', () => {
    const untracked = createdDeployment();
    const err = conflictOf(() => apply(untracked, applied(3)));
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas');
    const out = apply(untracked, applied(1));
    expect(mf(out).map((e) => e.manager)).toEqual(['kubectl', 'before-first-apply']);
    // Ordinary writes to an untracked object do not start tracking.
    const edited = structuredClone(untracked);
    (edited.spec as JsonObject).replicas = 4;
    expect((updateManagedFields(untracked, edited, 'kubectl-edit', 'Update', 'apps/v1', t1, { schema }).metadata as JsonObject).managedFields).toBeUndefined();
  });

  it('rejects bad applied configurations', () => {
    const code = (config: unknown, manager = 'kubectl'): string | undefined => {
      try {
        serverSideApply({ live: undefined, config, schema, manager, apiVersion: 'apps/v1', kind: 'Deployment', now: t1 });
      } catch (e) {
        return isApplyError(e) ? e.code : `other: ${String(e)}`;
      }
      return undefined;
    };
    expect(code({ ...applied(1), apiVersion: 'apps/v1beta1' })).toBe('bad-request');
    expect(code({ ...applied(1), kind: 'StatefulSet' })).toBe('bad-request');
    expect(code({ ...applied(1), metadata: { name: 'web', managedFields: [] } })).toBe('bad-request');
    expect(code([1])).toBe('bad-request');
    expect(code(applied(1), '')).toBe('invalid');
    const dup = applied(1);
    ((dup.spec as JsonObject).template as { spec: { containers: JsonObject[] } }).spec.containers.push({ name: 'nginx' });
    expect(code(dup)).toBe('invalid');
  });
});

function withLabel(obj: JsonObject, key: string, value: string): JsonObject {
  const out = structuredClone(obj);
  ((out.metadata as JsonObject).labels as Record<string, string>)[key] = value;
  return out;
}
