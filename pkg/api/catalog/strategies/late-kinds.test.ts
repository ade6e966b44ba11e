// Validation and defaults of DeviceTaintRule, ResourcePoolStatusRequest, PodGroup, StorageVersion
// and StorageVersionMigration, run as the store runs them (defaults → prepare → validate).
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../types';
import { createBuiltinCatalog } from '../catalog';
import { describeErrors, runCreate, runUpdate } from '../strategy-runner';

const catalog = createBuiltinCatalog();
const def = (group: string, version: string, resource: string) => catalog.resource(group, version, resource)!;
const rules = def('resource.k8s.io', 'v1beta2', 'devicetaintrules');
const poolRequests = def('resource.k8s.io', 'v1alpha3', 'resourcepoolstatusrequests');
const podGroups = def('scheduling.k8s.io', 'v1alpha2', 'podgroups');
const storageVersions = def('internal.apiserver.k8s.io', 'v1alpha1', 'storageversions');
const migrations = def('storagemigration.k8s.io', 'v1beta1', 'storageversionmigrations');

const obj = (name: string, body: Record<string, unknown>, namespace?: string): KubeObject => ({ metadata: { name, ...(namespace ? { namespace } : {}) }, ...body });
const condition = (type: string, status: string, extra: Record<string, unknown> = {}) => ({ type, status, reason: 'Testing', message: '', lastTransitionTime: '2026-01-01T00:00:00Z', ...extra });

describe('DeviceTaintRule (resource.k8s.io/v1beta2)', () => {
  const taint = { key: 'example.com/maintenance', value: 'true', effect: 'NoExecute' };

  it('is cluster-scoped with a status subresource, and stamps timeAdded on create', () => {
    expect(rules).toMatchObject({ namespaced: false, kind: 'DeviceTaintRule', subresources: [{ name: 'status' }] });
    const run = runCreate(rules, obj('r', { spec: { deviceSelector: { driver: 'GPU.example.com', pool: 'node-1/pool', device: 'gpu-0' }, taint }, status: { conditions: [] } }));
    expect(describeErrors(run.errors)).toEqual([]);
    expect((run.object.spec as any).taint.timeAdded).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(run.object.status).toBeUndefined();
  });

  it('checks the selector names and the taint', () => {
    const run = runCreate(rules, obj('r', { spec: { deviceSelector: { driver: 'bad_driver', pool: 'a//b', device: 'GPU0' }, taint: { key: 'bad key', value: 'x'.repeat(64), effect: 'PreferNoSchedule' } } }));
    const errs = describeErrors(run.errors);
    expect(errs.some((e) => e.startsWith('spec.deviceSelector.driver: Invalid value: "bad_driver"'))).toBe(true);
    expect(errs.some((e) => e.startsWith('spec.deviceSelector.pool: Invalid value: "a//b"'))).toBe(true);
    expect(errs.some((e) => e.startsWith('spec.deviceSelector.device: Invalid value: "GPU0"'))).toBe(true);
    expect(errs.some((e) => e.startsWith('spec.taint.key: Invalid value: "bad key"'))).toBe(true);
    expect(errs.some((e) => e.startsWith('spec.taint.value: Invalid value'))).toBe(true);
    expect(errs).toContain('spec.taint.effect: Unsupported value: "PreferNoSchedule": supported values: "NoExecute", "NoSchedule", "None"');
    expect(describeErrors(runCreate(rules, obj('r', { spec: { taint: { key: 'k' } } })).errors)).toEqual(['spec.taint.effect: Required value']);
  });

  it('refreshes timeAdded when an update changes the effect, and keeps it otherwise', () => {
    const old = obj('r', { spec: { taint: { ...taint, timeAdded: '2020-01-01T00:00:00Z' } } });
    const sameEffect = runUpdate(rules, obj('r', { spec: { taint: { ...taint, value: 'other', timeAdded: '2020-01-01T00:00:00Z' } } }), old);
    expect((sameEffect.object.spec as any).taint.timeAdded).toBe('2020-01-01T00:00:00Z');
    const newEffect = runUpdate(rules, obj('r', { spec: { taint: { ...taint, effect: 'None', timeAdded: '2020-01-01T00:00:00Z' } } }), old);
    expect((newEffect.object.spec as any).taint.timeAdded).not.toBe('2020-01-01T00:00:00Z');
    expect(rules.strategy.generationPaths).toEqual(['spec']);
  });

  it('allows at most 8 valid status conditions', () => {
    const old = obj('r', { spec: { taint } });
    const many = Array.from({ length: 9 }, (_, i) => condition(`Type${i}`, 'True'));
    expect(describeErrors(runUpdate(rules, obj('r', { spec: { taint }, status: { conditions: many } }), old, 'status').errors)).toEqual(['status.conditions: Too many: 9: must have at most 8 items']);
    const bad = [condition('EvictionInProgress', 'Maybe', { reason: '' }), condition('EvictionInProgress', 'True', { lastTransitionTime: undefined })];
    expect(describeErrors(runUpdate(rules, obj('r', { spec: { taint }, status: { conditions: bad } }), old, 'status').errors)).toEqual([
      'status.conditions[0].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown"',
      'status.conditions[0].reason: Required value: must be set',
      'status.conditions[1].type: Duplicate value: "EvictionInProgress"',
      'status.conditions[1].lastTransitionTime: Required value: must be set',
    ]);
  });
});

describe('ResourcePoolStatusRequest (resource.k8s.io/v1alpha3)', () => {
  it('defaults limit to 100, bounds it to 1…1000 and never changes its spec', () => {
    const run = runCreate(poolRequests, obj('p', { spec: { driver: 'gpu.example.com', poolName: 'node-1' } }));
    expect(describeErrors(run.errors)).toEqual([]);
    expect(run.object.spec).toEqual({ driver: 'gpu.example.com', poolName: 'node-1', limit: 100 });
    expect(describeErrors(runCreate(poolRequests, obj('p', { spec: { limit: 1001 } })).errors)).toEqual(['spec.driver: Required value', 'spec.limit: Invalid value: 1001: must be less than or equal to 1000']);
    expect(describeErrors(runUpdate(poolRequests, obj('p', { spec: { driver: 'other.example.com', limit: 100 } }), run.object).errors)[0]).toMatch(/^spec: Invalid value: .*field is immutable$/);
  });

  it('validates a status written through the status subresource', () => {
    const old = runCreate(poolRequests, obj('p', { spec: { driver: 'gpu.example.com' } })).object;
    const status = { poolCount: 1, pools: [{ driver: 'gpu.example.com', poolName: 'node-1', generation: -1, totalDevices: -2 }], conditions: [condition('Complete', 'True')] };
    expect(describeErrors(runUpdate(poolRequests, { ...old, status }, old, 'status').errors)).toEqual([
      'status.pools[0].generation: Invalid value: -1: must be greater than or equal to 0',
      'status.pools[0].totalDevices: Invalid value: -2: must be greater than or equal to 0',
    ]);
    expect(describeErrors(runUpdate(poolRequests, { ...old, status: { pools: [] } }, old, 'status').errors)).toEqual(['status.poolCount: Required value']);
  });
});

describe('PodGroup (scheduling.k8s.io/v1alpha2)', () => {
  it('is namespaced and needs exactly one scheduling policy', () => {
    expect(podGroups).toMatchObject({ namespaced: true, subresources: [{ name: 'status' }] });
    expect(describeErrors(runCreate(podGroups, obj('g', { spec: { schedulingPolicy: { gang: { minCount: 2 } } } }, 'ns')).errors)).toEqual([]);
    expect(describeErrors(runCreate(podGroups, obj('g', { spec: { schedulingPolicy: { basic: {}, gang: { minCount: 0 } } } }, 'ns')).errors)).toEqual([
      'spec.schedulingPolicy: Invalid value: "{basic, gang}": must specify exactly one of: `basic`, `gang`',
      'spec.schedulingPolicy.gang.minCount: Invalid value: 0: must be greater than or equal to 1',
    ]);
    expect(describeErrors(runCreate(podGroups, obj('g', { spec: {} }, 'ns')).errors)).toEqual(['spec.schedulingPolicy: Required value']);
  });

  it('checks template references, topology, resource claims, disruption mode and priority', () => {
    const spec = {
      podGroupTemplateRef: { workload: { workloadName: 'job', podGroupTemplateName: 'Workers' } },
      schedulingPolicy: { basic: {} },
      schedulingConstraints: { topology: [{ key: 'topology.kubernetes.io/zone' }, { key: 'x' }] },
      resourceClaims: [{ name: 'gpu', resourceClaimName: 'c', resourceClaimTemplateName: 't' }, { name: 'gpu', resourceClaimName: 'd' }],
      disruptionMode: 'Node',
      priority: 2_000_000_000,
    };
    expect(describeErrors(runCreate(podGroups, obj('g', { spec }, 'ns')).errors)).toEqual([
      expect.stringMatching(/^spec\.podGroupTemplateRef\.workload\.podGroupTemplateName: Invalid value: "Workers"/),
      'spec.schedulingConstraints.topology: Too many: 2: must have at most 1 item',
      'spec.resourceClaims[0]: Invalid value: "{resourceClaimName, resourceClaimTemplateName}": must specify exactly one of: `resourceClaimName`, `resourceClaimTemplateName`',
      'spec.resourceClaims[1].name: Duplicate value: "gpu"',
      'spec.disruptionMode: Unsupported value: "Node": supported values: "Pod", "PodGroup"',
      'spec.priority: Invalid value: 2000000000: must be between -2147483648 and 1000000000, inclusive',
    ]);
  });

  it('keeps its spec and lets the status subresource write conditions', () => {
    const old = runCreate(podGroups, obj('g', { spec: { schedulingPolicy: { gang: { minCount: 2 } } } }, 'ns')).object;
    expect(describeErrors(runUpdate(podGroups, { ...old, spec: { schedulingPolicy: { gang: { minCount: 3 } } } }, old).errors)[0]).toMatch(/^spec: Invalid value: .*field is immutable$/);
    const status = runUpdate(podGroups, { ...old, spec: { schedulingPolicy: { basic: {} } }, status: { conditions: [condition('PodGroupScheduled', 'True')] } }, old, 'status');
    expect(describeErrors(status.errors)).toEqual([]);
    expect(status.object.spec).toEqual(old.spec);
  });
});

describe('StorageVersion (internal.apiserver.k8s.io/v1alpha1)', () => {
  it('is named <group>.<resource>, with an empty spec and a status reset on create', () => {
    const run = runCreate(storageVersions, obj('apps.deployments', { status: { commonEncodingVersion: 'apps/v1' } }));
    expect(describeErrors(run.errors)).toEqual([]);
    expect(run.object).toMatchObject({ spec: {}, status: {} });
    expect(describeErrors(runCreate(storageVersions, obj('pods', {})).errors)).toEqual(['metadata.name: Invalid value: "pods": name must be in the form of <group>.<resource>']);
    expect(describeErrors(runCreate(storageVersions, obj('apps.Deployments', {})).errors)[0]).toMatch(/^metadata\.name: Invalid value: "apps\.Deployments": the resource segment a DNS-1035 label/);
  });

  it('checks the servers’ versions against the common encoding version', () => {
    const old = runCreate(storageVersions, obj('apps.deployments', {})).object;
    const server = (id: string, encodingVersion: string, decodableVersions = [encodingVersion]) => ({ apiServerID: id, encodingVersion, decodableVersions });
    const write = (status: Record<string, unknown>) => describeErrors(runUpdate(storageVersions, { ...old, status }, old, 'status').errors);
    expect(write({ storageVersions: [server('a', 'apps/v1'), server('b', 'apps/v1')], commonEncodingVersion: 'apps/v1' })).toEqual([]);
    expect(write({ storageVersions: [server('a', 'apps/v1'), server('b', 'apps/v2')], commonEncodingVersion: 'apps/v1' })).toEqual([
      'status.commonEncodingVersion: Invalid value: "apps/v1": should be nil if servers do not agree on the same encoding version, or if there is no server reporting the supported versions yet',
    ]);
    expect(write({ storageVersions: [server('a', 'apps/v1', ['apps/v1beta2'])] })).toEqual([
      'status.storageVersions[0].decodableVersions: Invalid value: ["apps/v1beta2"]: decodableVersions must include encodingVersion apps/v1',
      'status.commonEncodingVersion: Invalid value: null: the common encoding version is apps/v1',
    ]);
    expect(write({ conditions: [{ type: 'AllEncodingVersionsEqual', status: 'True', reason: '', message: '' }] })).toEqual([
      'status[0].reason: Required value: reason cannot be empty',
      'status[0].message: Required value: message cannot be empty',
    ]);
  });
});

describe('StorageVersionMigration (storagemigration.k8s.io/v1beta1)', () => {
  const spec = { resource: { group: 'apps', resource: 'deployments' } };

  it('needs a resource (a DNS-1035 label) and a DNS-subdomain group, and never changes its spec', () => {
    expect(migrations).toMatchObject({ namespaced: false, subresources: [{ name: 'status' }] });
    const run = runCreate(migrations, obj('m', { spec, status: { resourceVersion: '5' } }));
    expect(describeErrors(run.errors)).toEqual([]);
    expect(run.object.status).toBeUndefined();
    expect(describeErrors(runCreate(migrations, obj('m', { spec: { resource: { group: 'Apps' } } })).errors)).toEqual([
      'spec.resource.resource: Required value: resource is required to be set',
      expect.stringMatching(/^spec\.resource\.group: Invalid value: "Apps": a lowercase RFC 1123 subdomain/),
    ]);
    expect(describeErrors(runUpdate(migrations, obj('m', { spec: { resource: { group: '', resource: 'pods' } } }), run.object).errors)[0]).toMatch(/^spec: Invalid value: .*field is immutable$/);
  });

  it('sets status.resourceVersion once and keeps the conditions consistent', () => {
    const old = runCreate(migrations, obj('m', { spec })).object;
    const write = (status: Record<string, unknown>, from: KubeObject = old) => describeErrors(runUpdate(migrations, { ...from, status }, from, 'status').errors);
    expect(write({ resourceVersion: '42', conditions: [condition('Running', 'True')] })).toEqual([]);
    expect(write({ resourceVersion: 'abc' })).toEqual(['status.resourceVersion: Invalid value: "abc": resource version "abc" is not a valid resource version: expected a non-negative integer']);
    const started = { ...old, status: { resourceVersion: '42' } };
    expect(write({ resourceVersion: '43' }, started)).toEqual(['status.resourceVersion: Invalid value: "43": field is immutable']);
    expect(write({ conditions: [condition('Succeeded', 'True'), condition('Failed', 'True')] })[0]).toContain('Both success and failed conditions cannot be true at the same time');
    expect(write({ conditions: [condition('Running', 'True'), condition('Succeeded', 'True')] })[0]).toContain('Running condition cannot be true when success condition is true');
    const done = { ...old, status: { conditions: [condition('Succeeded', 'True')] } };
    expect(write({ conditions: [condition('Succeeded', 'False')] }, done)[0]).toContain('Success condition cannot be set to false once it is true');
  });
});
