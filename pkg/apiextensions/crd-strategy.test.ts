import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/types';
import { crdStrategy } from './crd-strategy';

function crd(spec: Record<string, unknown>, name = 'widgets.example.com', annotations?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name, ...(annotations ? { annotations } : {}) },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', kind: 'Widget' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }],
      ...spec,
    },
  };
}

const problems = (obj: KubeObject) => crdStrategy.validate!(obj).map((e) => `${e.field}: ${e.detail}`);

describe('CustomResourceDefinition strategy', () => {
  it('defaults conversion, singular and listKind, and records the storage version', () => {
    const obj = crd({});
    crdStrategy.defaults!(obj);
    crdStrategy.prepareForCreate!(obj);
    expect(obj.spec).toMatchObject({ conversion: { strategy: 'None' }, names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' } });
    expect(obj.status).toEqual({ storedVersions: ['v1'] });
    expect(problems(obj)).toEqual([]);
    const next = crd({ versions: [{ name: 'v1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object' } } }, { name: 'v2', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }] });
    crdStrategy.prepareForUpdate!(next, obj);
    expect(next.status).toEqual({ storedVersions: ['v1', 'v2'] });
  });

  it('refuses bad names, scopes, versions and protected groups', () => {
    expect(problems(crd({ scope: 'Galaxy' }, 'gadgets.example.com'))).toEqual([
      'metadata.name: Invalid value: "gadgets.example.com": must be spec.names.plural+"."+spec.group',
      'spec.scope: Unsupported value: "Galaxy": supported values: "Cluster", "Namespaced"',
    ]);
    expect(problems(crd({ versions: [{ name: 'v1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object' } } }, { name: 'v1', served: false, storage: false }] }))).toEqual([
      'spec.versions: Invalid value: [{"name":"v1","storage":false},{"name":"v1","storage":false}]: must have exactly one version marked as storage version',
      'spec.versions[1].name: Duplicate value: "v1"',
      'spec.versions[1].schema.openAPIV3Schema: Required value: schemas are required',
    ]);
    const withFields = (paths: string[]) => crd({ versions: [{ name: 'v1', served: true, storage: true, selectableFields: paths.map((jsonPath) => ({ jsonPath })), schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { color: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } } } } } } }] });
    expect(problems(withFields(['.spec.color']))).toEqual([]);
    expect(problems(withFields(['.spec.tags', '.spec.nope']))).toEqual([
      'spec.versions[0].selectableFields[0].jsonPath: Invalid value: ".spec.tags": must point to a field of type string, boolean or integer',
      'spec.versions[0].selectableFields[1].jsonPath: Invalid value: ".spec.nope": is an invalid path: must point to a field of the schema',
    ]);
    expect(problems(crd({ group: 'apps.k8s.io' }, 'widgets.apps.k8s.io'))[0]).toContain('metadata.annotations[api-approved.kubernetes.io]: Required value');
    expect(problems(crd({ group: 'apps.k8s.io' }, 'widgets.apps.k8s.io', { 'api-approved.kubernetes.io': 'https://github.com/kubernetes/kubernetes/pull/1' }))).toEqual([]);
  });

  it('marks the first delete with the cleanup finalizer', () => {
    const obj = crd({});
    expect(crdStrategy.pendingFinalizers!(obj)).toEqual(['customresourcecleanup.apiextensions.k8s.io']);
    crdStrategy.prepareForDeletion!(obj);
    expect(obj.metadata.finalizers).toEqual(['customresourcecleanup.apiextensions.k8s.io']);
    expect(crdStrategy.pendingFinalizers!({ ...obj, metadata: { ...obj.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } })).toEqual([]);
  });
});
