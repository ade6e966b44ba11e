import { describe, expect, it } from 'vitest';
import { generatedPackages } from './generated/index';
import { createSchemaRegistry, effectiveListType } from './schema-registry';

const registry = createSchemaRegistry();

describe('SchemaRegistry lookups', () => {
  it('finds kinds by group/version, including the common meta kinds', () => {
    expect(registry.messageFor('apps', 'v1', 'Deployment')?.modelName).toBe('io.k8s.api.apps.v1.Deployment');
    expect(registry.messageFor('', 'v1', 'Pod')?.id).toBe('core/v1.Pod');
    expect(registry.messageFor('', 'v1', 'Status')?.id).toBe('meta/v1.Status');
    expect(registry.messageFor('batch', 'v1', 'DeleteOptions')?.id).toBe('meta/v1.DeleteOptions');
    expect(registry.messageFor('authentication.k8s.io', 'v1', 'TokenRequest')?.id).toBe('authentication/v1.TokenRequest');
    expect(registry.messageFor('meta.k8s.io', 'v1', 'PartialObjectMetadata')?.id).toBe('meta/v1.PartialObjectMetadata');
    expect(registry.messageFor('meta.k8s.io', 'v1', 'DeleteOptions')?.id).toBe('meta/v1.DeleteOptions');
    expect(registry.messageFor('apps', 'v1', 'Pod')).toBeUndefined();
    expect(registry.messageFor('nope', 'v1', 'Pod')).toBeUndefined();
  });

  it('covers every group/version of k8s.io/api 1.36', () => {
    const gvs = registry.groupVersions().map((g) => `${g.group}/${g.version}`);
    for (const gv of [
      '/v1',
      'apps/v1',
      'batch/v1',
      'autoscaling/v2',
      'networking.k8s.io/v1',
      'policy/v1',
      'rbac.authorization.k8s.io/v1',
      'storage.k8s.io/v1',
      'scheduling.k8s.io/v1',
      'coordination.k8s.io/v1',
      'discovery.k8s.io/v1',
      'events.k8s.io/v1',
      'certificates.k8s.io/v1',
      'admissionregistration.k8s.io/v1',
      'node.k8s.io/v1',
      'flowcontrol.apiserver.k8s.io/v1',
      'resource.k8s.io/v1',
    ]) {
      expect(gvs).toContain(gv);
    }
    for (const gv of registry.groupVersions()) expect(registry.kindsOf(gv.group, gv.version).length).toBeGreaterThan(0);
  });

  it('resolves model names and ids', () => {
    expect(registry.messageByModelName('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta')?.id).toBe('meta/v1.ObjectMeta');
    expect(registry.messageByModelName('io.k8s.apimachinery.pkg.util.intstr.IntOrString')?.shape).toBe('int-or-string');
    expect(registry.message('resource.Quantity')?.shape).toBe('quantity');
    expect(registry.message('meta/v1.Time')?.shape).toBe('time');
    expect(registry.message('runtime.RawExtension')?.shape).toBe('raw-json');
    expect(registry.message('authentication/v1.ExtraValue')?.shape).toBe('list-wrapper');
  });

  it('flattens inline fields and uses Go JSON names', () => {
    const volume = registry.message('core/v1.Volume')!;
    expect(registry.fieldOf(volume, 'configMap')?.type).toEqual({ kind: 'message', ref: 'core/v1.ConfigMapVolumeSource' });
    expect(registry.fieldOf(volume, 'volumeSource')).toBeUndefined();
    // The protobuf name differs from the JSON name here (aPIGroup / uID).
    expect(registry.fieldOf(registry.message('networking/v1.IngressClassParametersReference')!, 'apiGroup')?.number).toBe(1);
    expect(registry.fieldOf(registry.message('authentication/v1.BoundObjectReference')!, 'uid')).toBeDefined();
    // Protobuf-only fields are not JSON fields.
    expect(registry.jsonFields(registry.message('runtime.RawExtension')!).size).toBe(0);
  });

  it('records Go traits: pointer, omitempty, TypeMeta', () => {
    const spec = registry.message('apps/v1.DeploymentSpec')!;
    expect(registry.fieldOf(spec, 'replicas')).toMatchObject({ pointer: true, omitEmpty: true, optional: true });
    expect(registry.fieldOf(spec, 'template')).toMatchObject({ pointer: false, omitEmpty: false });
    expect(registry.messageFor('apps', 'v1', 'Deployment')!.typeMeta).toBe(true);
    expect(spec.typeMeta).toBe(false);
  });

  it('gives JSON types of fields', () => {
    const podSpec = registry.message('core/v1.PodSpec')!;
    expect(registry.typeOfField(registry.fieldOf(podSpec, 'nodeSelector')!)).toEqual({ kind: 'map', values: { kind: 'string' } });
    expect(registry.typeOfField(registry.fieldOf(podSpec, 'overhead')!)).toMatchObject({ kind: 'map', values: { kind: 'well-known', shape: 'quantity' } });
    expect(registry.typeOfField(registry.fieldOf(podSpec, 'priority')!)).toEqual({ kind: 'integer', format: 'int32' });
    const secret = registry.messageFor('', 'v1', 'Secret')!;
    expect(registry.typeOfField(registry.fieldOf(secret, 'data')!)).toEqual({ kind: 'map', values: { kind: 'bytes' } });
    const userInfo = registry.message('authentication/v1.UserInfo')!;
    expect(registry.typeOfField(registry.fieldOf(userInfo, 'extra')!)).toEqual({ kind: 'map', values: { kind: 'list', items: { kind: 'string' } } });
  });
});

describe('patchMetaAt', () => {
  const deployment = registry.messageFor('apps', 'v1', 'Deployment')!;
  it('merges containers on name', () => {
    const meta = registry.patchMetaAt(deployment, ['spec', 'template', 'spec', 'containers']);
    expect(meta).toMatchObject({ patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] });
    expect(meta?.type).toMatchObject({ kind: 'list', items: { kind: 'object' } });
  });
  it('merges volumes on name and retains keys', () => {
    expect(registry.patchMetaAt('core/v1.PodSpec', ['volumes'])).toMatchObject({ patchStrategy: 'merge,retainKeys', patchMergeKey: 'name' });
  });
  it('descends into list items implicitly or by index, and into map values', () => {
    const ports = registry.patchMetaAt(deployment, ['spec', 'template', 'spec', 'containers', 'ports']);
    expect(ports).toMatchObject({ patchStrategy: 'merge', patchMergeKey: 'containerPort', listType: 'map', listMapKeys: ['containerPort', 'protocol'] });
    expect(registry.patchMetaAt(deployment, ['spec', 'template', 'spec', 'containers', '0', 'env'])).toMatchObject({ patchMergeKey: 'name' });
    expect(registry.patchMetaAt(deployment, ['metadata', 'labels', 'app'])?.type).toEqual({ kind: 'string' });
    expect(registry.patchMetaAt(deployment, ['metadata', 'finalizers'])).toMatchObject({ patchStrategy: 'merge', listType: 'set' });
    expect(registry.patchMetaAt(deployment, ['spec', 'selector'])).toMatchObject({ structType: 'atomic' });
  });
  it('is undefined off the schema', () => {
    expect(registry.patchMetaAt(deployment, ['spec', 'nope'])).toBeUndefined();
    expect(registry.patchMetaAt(deployment, ['spec', 'replicas', 'x'])).toBeUndefined();
    expect(registry.patchMetaAt('no/v1.Such', [])).toBeUndefined();
  });
  it('derives the server-side apply list type', () => {
    expect(effectiveListType({ listType: 'map', listMapKeys: ['name'] })).toEqual({ listType: 'map', keys: ['name'] });
    expect(effectiveListType({ patchStrategy: 'merge', patchMergeKey: 'ip' })).toEqual({ listType: 'map', keys: ['ip'] });
    expect(effectiveListType({ patchStrategy: 'merge' })).toEqual({ listType: 'set', keys: [] });
    expect(effectiveListType({})).toEqual({ listType: 'atomic', keys: [] });
  });
});

describe('fact table', () => {
  it('is compact and every package decodes', () => {
    const total = generatedPackages.reduce((n, p) => n + p.data.length, 0);
    expect(total).toBeLessThan(1_500_000);
    const fresh = createSchemaRegistry();
    for (const p of generatedPackages) expect(fresh.packageFacts(p.key)?.messages.length).toBeGreaterThan(0);
  });
  it('resolves every message reference', () => {
    for (const p of generatedPackages) {
      for (const m of registry.packageFacts(p.key)!.messages) {
        for (const f of m.fields) {
          const t = f.type.kind === 'map' ? f.type.value : f.type;
          if (t.kind === 'message') expect(registry.message(t.ref), `${m.id}.${f.jsonName}`).toBeDefined();
        }
      }
    }
  });
});
