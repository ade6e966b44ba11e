import { describe, expect, it } from 'vitest';
import { messageSchema, schemaComponentsFor } from './openapi-v3';
import { createSchemaRegistry } from './schema-registry';

const registry = createSchemaRegistry();

type Schema = Record<string, any>;

describe('schemaComponentsFor apps/v1', () => {
  const { schemas, missing } = schemaComponentsFor(registry, 'apps', 'v1', ['Deployment', 'DeploymentList', 'DeleteOptions'], ['meta/v1.Status']);
  const s = schemas as Record<string, Schema>;

  it('names components as upstream and closes over references', () => {
    expect(missing).toEqual([]);
    for (const name of [
      'io.k8s.api.apps.v1.Deployment',
      'io.k8s.api.apps.v1.DeploymentSpec',
      'io.k8s.api.core.v1.PodSpec',
      'io.k8s.api.core.v1.Container',
      'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
      'io.k8s.apimachinery.pkg.apis.meta.v1.Time',
      'io.k8s.apimachinery.pkg.api.resource.Quantity',
      'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
      'io.k8s.apimachinery.pkg.apis.meta.v1.Status',
      'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions',
    ]) {
      expect(s[name], name).toBeDefined();
    }
    expect(Object.keys(s)).toEqual([...Object.keys(s)].sort());
    for (const schema of Object.values(s)) {
      for (const ref of JSON.stringify(schema).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) expect(s[ref[1]!], ref[1]).toBeDefined();
    }
  });

  it('describes Deployment as upstream does', () => {
    const d = s['io.k8s.api.apps.v1.Deployment']!;
    expect(d.type).toBe('object');
    expect(d['x-kubernetes-group-version-kind']).toEqual([{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    expect(Object.keys(d.properties)).toEqual(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
    expect(d.properties.metadata).toEqual({ allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }], default: {} });
    expect(d.required).toBeUndefined();
    const spec = s['io.k8s.api.apps.v1.DeploymentSpec']!;
    expect(spec.required).toEqual(['selector', 'template']);
    expect(spec.properties.replicas).toEqual({ type: 'integer', format: 'int32' });
    expect(spec.properties.selector).toEqual({ allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector' }] });
  });

  it('carries list, map and patch extensions', () => {
    const podSpec = s['io.k8s.api.core.v1.PodSpec']!;
    expect(podSpec.properties.containers).toEqual({
      type: 'array',
      items: { allOf: [{ $ref: '#/components/schemas/io.k8s.api.core.v1.Container' }], default: {} },
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      'x-kubernetes-patch-merge-key': 'name',
      'x-kubernetes-patch-strategy': 'merge',
    });
    expect(podSpec.properties.volumes['x-kubernetes-patch-strategy']).toBe('merge,retainKeys');
    expect(podSpec.properties.nodeSelector).toEqual({ type: 'object', additionalProperties: { type: 'string' }, 'x-kubernetes-map-type': 'atomic' });
    expect(podSpec.properties.overhead).toEqual({ type: 'object', additionalProperties: { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity' } });
    expect(podSpec.properties.terminationGracePeriodSeconds).toEqual({ type: 'integer', format: 'int64' });
    expect(s['io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector']!['x-kubernetes-map-type']).toBe('atomic');
    expect(s['io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions']!['x-kubernetes-group-version-kind']).toEqual([{ group: 'apps', kind: 'DeleteOptions', version: 'v1' }]);
  });

  it('gives the well-known types their scalar forms', () => {
    expect(s['io.k8s.apimachinery.pkg.apis.meta.v1.Time']).toEqual({ type: 'string', format: 'date-time' });
    expect(s['io.k8s.apimachinery.pkg.api.resource.Quantity']).toEqual({ oneOf: [{ type: 'string' }, { type: 'number' }] });
    expect(s['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).toMatchObject({ format: 'int-or-string', 'x-kubernetes-int-or-string': true });
    expect(s['io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1']).toEqual({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
  });

  it('reports unknown names', () => {
    expect(schemaComponentsFor(registry, 'apps', 'v1', ['Nope'], ['io.k8s.nope.X']).missing).toEqual(['Nope', 'io.k8s.nope.X']);
  });

  it('inlines wrapped lists and byte strings', () => {
    const userInfo = messageSchema(registry, registry.message('authentication/v1.UserInfo')!) as Schema;
    expect(userInfo.properties.extra).toEqual({ type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } });
    const secret = messageSchema(registry, registry.messageFor('', 'v1', 'Secret')!) as Schema;
    expect(secret.properties.data).toEqual({ type: 'object', additionalProperties: { type: 'string', format: 'byte' } });
  });
});
