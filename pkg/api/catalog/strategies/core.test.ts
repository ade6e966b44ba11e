import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../types';
import { createBuiltinCatalog } from '../catalog';
import { describeErrors, runCreate, runUpdate } from '../strategy-runner';
import { eventFromCoreV1, eventToCoreV1 } from './event';

const catalog = createBuiltinCatalog();
const def = (group: string, resource: string) => catalog.resource(group, 'v1', resource)!;
const obj = (name: string, body: Record<string, unknown> = {}): KubeObject => ({ metadata: { name }, ...body }) as KubeObject;

describe('namespaces', () => {
  it('get the name label, Active phase and the kubernetes finalizer', () => {
    const { object, errors } = runCreate(def('', 'namespaces'), obj('team-a'));
    expect(errors).toEqual([]);
    expect(object.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'team-a' });
    expect(object.spec).toEqual({ finalizers: ['kubernetes'] });
    expect(object.status).toEqual({ phase: 'Active' });
  });

  it('use DNS-1123 label names and keep spec.finalizers on plain updates', () => {
    expect(describeErrors(runCreate(def('', 'namespaces'), obj('a.b')).errors)).toEqual([expect.stringMatching(/^metadata\.name: Invalid value: "a\.b": a lowercase RFC 1123 label must consist of/)]);
    const created = runCreate(def('', 'namespaces'), obj('x')).object;
    const cleared = runUpdate(def('', 'namespaces'), { ...structuredClone(created), spec: { finalizers: [] } }, created);
    expect(cleared.object.spec).toEqual({ finalizers: ['kubernetes'] });
    const finalized = runUpdate(def('', 'namespaces'), { ...structuredClone(created), spec: { finalizers: [] } }, created, 'finalize');
    expect(finalized.object.spec).toEqual({ finalizers: [] });
    expect(describeErrors(runUpdate(def('', 'namespaces'), { ...structuredClone(created), spec: { finalizers: ['mine'] } }, created, 'finalize').errors)).toEqual([
      'spec.finalizers[0]: Invalid value: "mine": name is neither a standard finalizer name nor is it fully qualified',
    ]);
  });
});

describe('configmaps and secrets', () => {
  it('validate keys and total size', () => {
    const errs = runCreate(def('', 'configmaps'), obj('c', { data: { 'bad key': 'x', big: 'x'.repeat(1024 * 1024) }, binaryData: { big: 'eA==' } })).errors;
    expect(describeErrors(errs)).toEqual([
      expect.stringMatching(/^data\[bad key\]: Invalid value: "bad key": a valid config key must consist of alphanumeric characters/),
      'data[big]: Invalid value: "big": duplicate of key present in binaryData',
      ': Too long: may not be more than 1048576 bytes',
    ]);
  });

  it('enforce immutable data', () => {
    const created = runCreate(def('', 'configmaps'), obj('c', { data: { a: '1' }, immutable: true })).object;
    expect(describeErrors(runUpdate(def('', 'configmaps'), { ...structuredClone(created), data: { a: '2' } }, created).errors)).toEqual([
      'data: Forbidden: field is immutable when `immutable` is set',
    ]);
  });

  it('secrets default to Opaque, fold stringData into data and keep their type', () => {
    const { object, errors } = runCreate(def('', 'secrets'), obj('s', { data: { a: 'eA==' }, stringData: { b: 'hello' } }));
    expect(errors).toEqual([]);
    expect(object).toMatchObject({ type: 'Opaque', data: { a: 'eA==', b: 'aGVsbG8=' } });
    expect(object.stringData).toBeUndefined();
    expect(describeErrors(runUpdate(def('', 'secrets'), { ...structuredClone(object), type: 'kubernetes.io/tls' }, object).errors)).toEqual([
      'data[tls.crt]: Required value',
      'data[tls.key]: Required value',
      'type: Invalid value: "kubernetes.io/tls": field is immutable',
    ]);
    expect(describeErrors(runCreate(def('', 'secrets'), obj('s', { data: { a: '%%%' } })).errors)).toEqual(['data[a]: Invalid value: "<secret contents redacted>": must be base64-encoded']);
  });
});

describe('events', () => {
  const coreEvent = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'web.17f', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' },
    reason: 'Started',
    message: 'Started container',
    source: { component: 'kubelet' },
    count: 2,
    type: 'Normal',
    reportingComponent: 'kubelet',
    reportingInstance: 'node-1',
  } as KubeObject;

  it('convert between core/v1 and events.k8s.io/v1 shapes', () => {
    const v1 = eventFromCoreV1(coreEvent);
    expect(v1).toMatchObject({ apiVersion: 'events.k8s.io/v1', regarding: coreEvent.involvedObject, note: 'Started container', deprecatedSource: { component: 'kubelet' }, deprecatedCount: 2, reportingController: 'kubelet' });
    expect(eventToCoreV1(v1)).toEqual(coreEvent);
  });

  it('validate legacy events loosely and events.k8s.io strictly', () => {
    expect(runCreate(def('', 'events'), coreEvent).errors).toEqual([]);
    const wrongNs = { ...coreEvent, involvedObject: { kind: 'Pod', name: 'web', namespace: 'other' } } as KubeObject;
    expect(describeErrors(runCreate(def('', 'events'), wrongNs).errors)).toEqual(['involvedObject.namespace: Invalid value: "other": does not match event.namespace']);
    const strict = runCreate(def('events.k8s.io', 'events'), eventFromCoreV1(coreEvent)).errors;
    expect(describeErrors(strict)).toEqual([
      'eventTime: Required value',
      'deprecatedCount: Invalid value: 2: needs to be unset',
      'deprecatedSource: Invalid value: {"component":"kubelet"}: needs to be unset',
      'action: Required value',
    ]);
  });
});

describe('other core resources', () => {
  it('persistentvolumeclaims need access modes and storage; bound claims may only grow', () => {
    const pvcs = def('', 'persistentvolumeclaims');
    expect(describeErrors(runCreate(pvcs, obj('c', { spec: {} })).errors)).toEqual(['spec.accessModes: Required value: at least 1 access mode is required', 'spec.resources[storage]: Required value']);
    const created = runCreate(pvcs, obj('c', { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } })).object;
    expect(created.spec).toMatchObject({ volumeMode: 'Filesystem' });
    expect(created.status).toEqual({ phase: 'Pending' });
    const changed = structuredClone(created);
    (changed.spec as any).accessModes = ['ReadWriteMany'];
    expect(runUpdate(pvcs, changed, created).errors[0]?.detail).toBe('Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims');
  });

  it('persistentvolumes need one source, capacity and access modes', () => {
    const errs = runCreate(def('', 'persistentvolumes'), obj('pv', { spec: {} })).errors;
    expect(describeErrors(errs)).toEqual(['spec.accessModes: Required value', 'spec.capacity: Required value', 'spec: Required value: must specify a volume type']);
    const ok = runCreate(def('', 'persistentvolumes'), obj('pv', { spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data' } } }));
    expect(ok.errors).toEqual([]);
    expect(ok.object.spec).toMatchObject({ persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' });
  });

  it('replicationcontrollers take selector and labels from the template', () => {
    const { object, errors } = runCreate(def('', 'replicationcontrollers'), obj('rc', { spec: { template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } } }));
    expect(errors).toEqual([]);
    expect(object.spec).toMatchObject({ replicas: 1, selector: { app: 'x' } });
    expect(object.metadata.labels).toEqual({ app: 'x' });
  });

  it('nodes validate taints and keep podCIDRs once set', () => {
    const nodes = def('', 'nodes');
    const errs = runCreate(nodes, obj('n1', { spec: { taints: [{ key: 'a', effect: 'Sometimes' }, { key: '', effect: 'NoSchedule' }] } })).errors;
    expect(describeErrors(errs)).toEqual([
      'spec.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
      'spec.taints[1].key: Required value',
    ]);
    const created = runCreate(nodes, obj('n1', { spec: { podCIDRs: ['10.42.0.0/24'] }, status: { capacity: { cpu: '2', memory: '4Gi' } } })).object;
    expect((created.status as any).allocatable).toEqual({ cpu: '2', memory: '4Gi' });
    const moved = structuredClone(created);
    (moved.spec as any).podCIDRs = ['10.42.1.0/24'];
    expect(describeErrors(runUpdate(nodes, moved, created).errors)).toEqual(['spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid']);
  });

  it('endpoints warn about their deprecation; endpointslices validate addresses', () => {
    expect(def('', 'endpoints').strategy.warnings?.(obj('e'))).toEqual(['v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice']);
    const slices = catalog.resource('discovery.k8s.io', 'v1', 'endpointslices')!;
    const { object, errors } = runCreate(slices, obj('s', { addressType: 'IPv4', endpoints: [{ addresses: ['10.42.0.5', '127.0.0.1'] }, { addresses: [] }], ports: [{ port: 80 }] }));
    expect(object.ports).toEqual([{ port: 80, name: '', protocol: 'TCP' }]);
    expect(describeErrors(errors)).toEqual([
      'endpoints[0].addresses[1]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
      'endpoints[1].addresses: Required value: must contain at least 1 address',
    ]);
  });

  it('leases need a positive duration', () => {
    const leases = catalog.resource('coordination.k8s.io', 'v1', 'leases')!;
    expect(describeErrors(runCreate(leases, obj('l', { spec: { leaseDurationSeconds: 0, holderIdentity: 'a' } })).errors)).toEqual([
      'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
    ]);
  });
});
