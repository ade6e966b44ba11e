import { describe, expect, it } from 'vitest';
import { Catalog, compareVersionPriority, createBuiltinCatalog } from './catalog';
import { CatalogError } from './errors';
import { defineResource } from './define';
import { coreV1 } from './core-v1';

const catalog = createBuiltinCatalog();

describe('Catalog lookups', () => {
  it('finds resources by group, version and plural', () => {
    expect(catalog.resource('', 'v1', 'pods')?.kind).toBe('Pod');
    expect(catalog.resource('apps', 'v1', 'deployments')?.kind).toBe('Deployment');
    expect(catalog.resource('apps', 'v1', 'pods')).toBeUndefined();
    expect(catalog.resource('', 'v1', 'componentstatuses')?.verbs).toEqual(['get', 'list']);
    expect(catalog.resource('', 'v1', 'bogus')).toBeUndefined();
  });

  it.each([
    ['po', '', 'pods'],
    ['svc', '', 'services'],
    ['ns', '', 'namespaces'],
    ['cm', '', 'configmaps'],
    ['ep', '', 'endpoints'],
    ['sa', '', 'serviceaccounts'],
    ['no', '', 'nodes'],
    ['pv', '', 'persistentvolumes'],
    ['pvc', '', 'persistentvolumeclaims'],
    ['limits', '', 'limitranges'],
    ['quota', '', 'resourcequotas'],
    ['rc', '', 'replicationcontrollers'],
    ['deploy', 'apps', 'deployments'],
    ['rs', 'apps', 'replicasets'],
    ['sts', 'apps', 'statefulsets'],
    ['ds', 'apps', 'daemonsets'],
    ['cj', 'batch', 'cronjobs'],
  ])('resolves the short name %s', (short, group, plural) => {
    const hits = catalog.resolve(short);
    expect(hits.map((d) => [d.group, d.resource])).toEqual([[group, plural]]);
  });

  it('resolves singular names and kinds case-insensitively, several groups when shared', () => {
    expect(catalog.resolve('Deployment').map((d) => d.resource)).toEqual(['deployments']);
    expect(catalog.resolve('endpointslice')[0]?.group).toBe('discovery.k8s.io');
    expect(catalog.resolve('ev').map((d) => d.group)).toEqual(['', 'events.k8s.io']);
    expect(catalog.resolve('events', 'events.k8s.io').map((d) => d.group)).toEqual(['events.k8s.io']);
    expect(catalog.resolve('lease')[0]?.kind).toBe('Lease');
  });

  it('finds resources by kind in the preferred version', () => {
    expect(catalog.kind('batch', 'CronJob')?.resource).toBe('cronjobs');
    expect(catalog.kind('', 'Event')?.group).toBe('');
    expect(catalog.kind('events.k8s.io', 'Event')?.storageResource).toBe('events');
    expect(catalog.kind('apps', 'Job')).toBeUndefined();
  });

  it('lists the "all" category', () => {
    expect(catalog.category('all').map((d) => `${d.group}/${d.resource}`).sort()).toEqual(
      ['/pods', '/replicationcontrollers', '/services', 'apps/daemonsets', 'apps/deployments', 'apps/replicasets', 'apps/statefulsets', 'autoscaling/horizontalpodautoscalers', 'batch/cronjobs', 'batch/jobs'].sort(),
    );
  });

  it('lists group versions in discovery order with their preferred version', () => {
    expect(catalog.groupVersions()).toEqual([
      'v1',
      'apps/v1',
      'events.k8s.io/v1',
      'authentication.k8s.io/v1',
      'authorization.k8s.io/v1',
      'batch/v1',
      'rbac.authorization.k8s.io/v1',
      'coordination.k8s.io/v1',
      'coordination.k8s.io/v1beta1',
      'discovery.k8s.io/v1',
      'scheduling.k8s.io/v1',
      'scheduling.k8s.io/v1alpha2',
      'policy/v1',
      'storage.k8s.io/v1',
      'networking.k8s.io/v1',
      'node.k8s.io/v1',
      'autoscaling/v2',
      'autoscaling/v1',
      'certificates.k8s.io/v1',
      'certificates.k8s.io/v1beta1',
      'admissionregistration.k8s.io/v1',
      'flowcontrol.apiserver.k8s.io/v1',
      'resource.k8s.io/v1',
      'resource.k8s.io/v1beta2',
      'resource.k8s.io/v1alpha3',
      'apiregistration.k8s.io/v1',
      'apiextensions.k8s.io/v1',
      'internal.apiserver.k8s.io/v1alpha1',
      'storagemigration.k8s.io/v1beta1',
      'k3ts.io/v1',
    ]);
    expect(catalog.group('apps')).toEqual({ name: 'apps', versions: ['v1'], preferredVersion: 'v1' });
    // Kinds served only in an older version of a group leave the group's preferred version alone.
    expect(catalog.group('resource.k8s.io')).toEqual({ name: 'resource.k8s.io', versions: ['v1', 'v1beta2', 'v1alpha3'], preferredVersion: 'v1' });
    expect(catalog.group('scheduling.k8s.io')).toEqual({ name: 'scheduling.k8s.io', versions: ['v1', 'v1alpha2'], preferredVersion: 'v1' });
  });

  it('describes subresources with their own kinds and verbs', () => {
    const scale = catalog.subresource('apps', 'v1', 'deployments', 'scale')?.subresource;
    expect(scale).toMatchObject({ kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] });
    const pods = catalog.resource('', 'v1', 'pods')!;
    expect(pods.subresources?.map((s) => s.name)).toEqual(['attach', 'binding', 'ephemeralcontainers', 'eviction', 'exec', 'log', 'portforward', 'proxy', 'resize', 'status']);
    expect(catalog.subresource('', 'v1', 'pods', 'eviction')?.subresource).toMatchObject({ kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] });
    expect(catalog.subresource('', 'v1', 'serviceaccounts', 'token')?.subresource).toMatchObject({ kind: 'TokenRequest', group: 'authentication.k8s.io' });
    expect(catalog.subresource('', 'v1', 'namespaces', 'finalize')?.subresource.verbs).toEqual(['update']);
    for (const r of ['deployments', 'replicasets', 'statefulsets', 'daemonsets']) expect(catalog.subresource('apps', 'v1', r, 'status')).toBeDefined();
    expect(catalog.subresource('apps', 'v1', 'daemonsets', 'scale')).toBeUndefined();
  });

  it('carries verbs, scope and singular names as upstream serves them', () => {
    expect(catalog.resource('', 'v1', 'namespaces')?.verbs).not.toContain('deletecollection');
    expect(catalog.resource('', 'v1', 'bindings')?.verbs).toEqual(['create']);
    expect(catalog.resource('', 'v1', 'nodes')?.namespaced).toBe(false);
    expect(catalog.resource('', 'v1', 'endpoints')?.singular).toBe('endpoints');
    expect(catalog.resource('apps', 'v1', 'deployments')?.listKind).toBe('DeploymentList');
    for (const def of catalog.all()) expect(def.singular).toBe(def.singular.toLowerCase());
  });

  it('stores events.k8s.io events with core events, both expiring after an hour', () => {
    const ev = catalog.resource('events.k8s.io', 'v1', 'events')!;
    expect(catalog.storageOwner(ev)).toBe(catalog.resource('', 'v1', 'events'));
    expect(ev.ttlSeconds).toBe(3600);
    expect(catalog.resource('', 'v1', 'events')?.ttlSeconds).toBe(3600);
  });

  it('rejects a module list that defines a resource twice or stores into nothing', () => {
    expect(() => new Catalog([coreV1, coreV1])).toThrow(CatalogError);
    const orphan = defineResource({ group: 'x.io', version: 'v1', kind: 'Thing', resource: 'things', singular: 'thing', namespaced: true, strategy: {}, storageResource: 'nothing' });
    expect(() => new Catalog([[orphan]])).toThrow(/no module defines/);
  });

  it('orders versions GA > beta > alpha, then by number', () => {
    expect(['v1alpha1', 'v1', 'v2beta1', 'v1beta2', 'v2', 'v1beta1'].sort(compareVersionPriority)).toEqual(['v2', 'v1', 'v2beta1', 'v1beta2', 'v1beta1', 'v1alpha1']);
    const a = defineResource({ group: 'x.io', version: 'v1beta1', kind: 'Thing', resource: 'things', singular: 'thing', namespaced: true, strategy: {} });
    const b = defineResource({ ...a, version: 'v1' });
    const c = new Catalog([[a], [b]]);
    expect(c.group('x.io')?.preferredVersion).toBe('v1');
    expect(c.kind('x.io', 'Thing')?.version).toBe('v1');
    expect(c.resolve('thing').map((d) => d.version)).toEqual(['v1']);
  });
});
