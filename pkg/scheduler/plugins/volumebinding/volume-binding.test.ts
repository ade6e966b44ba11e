import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../api/types';
import { CycleState } from '../../framework/cycle-state';
import type { VolumeLister, VolumeWriter } from '../../framework/interfaces';
import { PodInfo } from '../../framework/pod-info';
import { Code } from '../../framework/status';
import { frameworkOver, node, podObject, snapshotOf } from '../../testing/fixtures';
import { PodScheduler } from '../../schedule-pod';
import { ERR_REASON_BIND_CONFLICT, ERR_REASON_NODE_CONFLICT, ERR_UNBOUND_IMMEDIATE, VolumeBinding } from './volume-binding';

type Json = Record<string, unknown>;

function claim(name: string, o: { className?: string; size?: string; volumeName?: string; modes?: string[]; selector?: Json } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '7' },
    spec: {
      accessModes: o.modes ?? ['ReadWriteOnce'],
      resources: { requests: { storage: o.size ?? '1Gi' } },
      ...(o.className !== undefined ? { storageClassName: o.className } : {}),
      ...(o.volumeName ? { volumeName: o.volumeName } : {}),
      ...(o.selector ? { selector: o.selector } : {}),
    },
  };
}

function pv(name: string, o: { className?: string; size?: string; node?: string; claimRef?: Json; labels?: Record<string, string> } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, ...(o.labels ? { labels: o.labels } : {}) },
    spec: {
      capacity: { storage: o.size ?? '1Gi' },
      accessModes: ['ReadWriteOnce'],
      storageClassName: o.className ?? 'local',
      ...(o.claimRef ? { claimRef: o.claimRef } : {}),
      ...(o.node ? { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [o.node] }] }] } } } : {}),
    },
    status: { phase: o.claimRef ? 'Bound' : 'Available' },
  };
}

const classes: Record<string, KubeObject> = {
  local: { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'local' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' },
  dynamic: { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'dynamic' }, provisioner: 'rancher.io/local-path', volumeBindingMode: 'WaitForFirstConsumer' },
  zoned: {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: 'zoned' },
    provisioner: 'example.com/csi',
    volumeBindingMode: 'WaitForFirstConsumer',
    allowedTopologies: [{ matchLabelExpressions: [{ key: 'topology.kubernetes.io/zone', values: ['z1'] }] }],
  },
  immediate: { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'immediate' }, provisioner: 'example.com/csi', volumeBindingMode: 'Immediate' },
};

function lister(claims: KubeObject[], pvs: KubeObject[]): VolumeLister {
  return {
    claim: (ns, name) => claims.find((c) => c.metadata.namespace === ns && c.metadata.name === name),
    volume: (name) => pvs.find((p) => p.metadata.name === name),
    volumes: () => pvs,
    storageClass: (name) => classes[name],
  };
}

function recordingWriter() {
  const writes: string[] = [];
  const writer: VolumeWriter = {
    async bindVolume(v, c) {
      writes.push(`bind ${String(v.metadata.name)} to ${String(c.metadata.name)}`);
    },
    async selectNode(c, n) {
      writes.push(`select ${n} for ${String(c.metadata.name)}`);
    },
  };
  return { writes, writer };
}

function podWith(name: string, claimNames: string[], extra: Json[] = []): PodInfo {
  const p = podObject({ name });
  (p.spec as Json).volumes = [...claimNames.map((c, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName: c } })), ...extra];
  return new PodInfo(p);
}

const nodes = () => [node({ name: 'n1', labels: { 'topology.kubernetes.io/zone': 'z1' } }), node({ name: 'n2', labels: { 'topology.kubernetes.io/zone': 'z2' } })];

describe('VolumeBinding', () => {
  it('skips pods without claims', () => {
    const plugin = new VolumeBinding({ volumes: lister([], []) });
    expect(plugin.preFilter(new CycleState(), podWith('p', [])).code).toBe(Code.Skip);
  });

  it("refuses a pod whose claim is missing, being deleted, or unbound with an Immediate class, in upstream's words", () => {
    const deleting = { ...claim('gone', { className: 'local' }), metadata: { ...claim('gone').metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } };
    const plugin = new VolumeBinding({ volumes: lister([deleting, claim('now', { className: 'immediate' })], []) });
    const missing = plugin.preFilter(new CycleState(), podWith('p', ['data']));
    expect(missing.code).toBe(Code.UnschedulableAndUnresolvable);
    expect(missing.message()).toBe('persistentvolumeclaim "data" not found');
    expect(plugin.preFilter(new CycleState(), podWith('p', ['gone'])).message()).toBe('persistentvolumeclaim "gone" is being deleted');
    expect(plugin.preFilter(new CycleState(), podWith('p', ['now'])).message()).toBe(ERR_UNBOUND_IMMEDIATE);
    const eph = plugin.preFilter(new CycleState(), podWith('p', [], [{ name: 'scratch', ephemeral: { volumeClaimTemplate: {} } }]));
    expect(eph.message()).toBe('waiting for ephemeral volume controller to create the persistentvolumeclaim "p-scratch"');
  });

  it("keeps a pod with a bound claim to the nodes its PV's nodeAffinity admits", () => {
    const plugin = new VolumeBinding({ volumes: lister([claim('data', { className: 'local', volumeName: 'pv-n2' })], [pv('pv-n2', { node: 'n2', claimRef: { namespace: 'default', name: 'data' } })]) });
    const state = new CycleState();
    const p = podWith('p', ['data']);
    expect(plugin.preFilter(state, p).code).toBe(Code.Success);
    const [n1, n2] = nodes();
    const s = plugin.filter(state, p, n1!);
    expect(s.code).toBe(Code.UnschedulableAndUnresolvable);
    expect(s.message()).toBe(ERR_REASON_NODE_CONFLICT);
    expect(plugin.filter(state, p, n2!).code).toBe(Code.Success);
  });

  it('binds a WaitForFirstConsumer claim to the smallest fitting local PV of the chosen node, at PreBind', async () => {
    const volumes = [pv('big-n1', { node: 'n1', size: '10Gi' }), pv('small-n1', { node: 'n1', size: '2Gi' }), pv('tiny-n1', { node: 'n1', size: '500Mi' }), pv('n2-only', { node: 'n2', size: '5Gi' })];
    const { writes, writer } = recordingWriter();
    const plugin = new VolumeBinding({ volumes: lister([claim('data', { className: 'local', size: '1Gi' })], volumes), volumeWriter: writer });
    const state = new CycleState();
    const p = podWith('p', ['data']);
    expect(plugin.preFilter(state, p).code).toBe(Code.Success);
    const [n1] = nodes();
    expect(plugin.filter(state, p, n1!).code).toBe(Code.Success);
    expect(plugin.reserve(state, p, 'n1').code).toBe(Code.Success);
    expect((await plugin.preBind(state, p, 'n1', new AbortController().signal)).code).toBe(Code.Success);
    expect(writes).toEqual(['bind small-n1 to data']);
  });

  it('rejects nodes without a matching PV when the class cannot provision, and keeps a reserved PV from a second pod', () => {
    // n2 only has a 1Gi PV: too small for the 2Gi claims.
    const volumes = [pv('only', { node: 'n1', size: '5Gi' }), pv('labelled', { node: 'n2', labels: { tier: 'gold' } })];
    const plugin = new VolumeBinding({ volumes: lister([claim('a', { className: 'local', size: '2Gi' }), claim('b', { className: 'local', size: '2Gi' }), claim('gold', { className: 'local', selector: { matchLabels: { tier: 'silver' } } })], volumes) });
    const [n1, n2] = nodes();
    const first = podWith('first', ['a']);
    const s1 = new CycleState();
    plugin.preFilter(s1, first);
    const rejected = plugin.filter(s1, first, n2!);
    expect(rejected.code).toBe(Code.UnschedulableAndUnresolvable);
    expect(rejected.message()).toBe(ERR_REASON_BIND_CONFLICT);
    expect(plugin.filter(s1, first, n1!).code).toBe(Code.Success);
    expect(plugin.reserve(s1, first, 'n1').code).toBe(Code.Success);
    // The only PV on n1 is promised to `first`: `second` finds none until first un-reserves.
    const second = podWith('second', ['b']);
    const s2 = new CycleState();
    plugin.preFilter(s2, second);
    expect(plugin.filter(s2, second, n1!).message()).toBe(ERR_REASON_BIND_CONFLICT);
    plugin.unreserve(s1, first);
    const s3 = new CycleState();
    plugin.preFilter(s3, second);
    expect(plugin.filter(s3, second, n1!).code).toBe(Code.Success);
    // A label selector the PV does not satisfy.
    const gold = podWith('gold', ['gold']);
    const s4 = new CycleState();
    plugin.preFilter(s4, gold);
    expect(plugin.filter(s4, gold, n2!).message()).toBe(ERR_REASON_BIND_CONFLICT);
  });

  it("passes any node for a dynamically provisioned claim (within the class's allowedTopologies) and annotates the claim with the node", async () => {
    const { writes, writer } = recordingWriter();
    const plugin = new VolumeBinding({ volumes: lister([claim('dyn', { className: 'dynamic' }), claim('zone', { className: 'zoned' })], []), volumeWriter: writer });
    const [n1, n2] = nodes();
    const p = podWith('p', ['dyn', 'zone']);
    const state = new CycleState();
    plugin.preFilter(state, p);
    expect(plugin.filter(state, p, n2!).message()).toBe(ERR_REASON_BIND_CONFLICT);
    expect(plugin.filter(state, p, n1!).code).toBe(Code.Success);
    plugin.reserve(state, p, 'n1');
    await plugin.preBind(state, p, 'n1', new AbortController().signal);
    expect(writes).toEqual(['select n1 for dyn', 'select n1 for zone']);
  });

  it('places a pod with a local-volume claim on the node holding the PV through the whole framework', () => {
    const snapshot = snapshotOf(nodes());
    const volumes = lister([claim('data', { className: 'local' })], [pv('on-n2', { node: 'n2' })]);
    const { framework } = frameworkOver(snapshot, undefined, { volumes });
    const scheduler = new PodScheduler(snapshot, { nominatedPodsForNode: () => [], hasNominatedPods: () => false }, 0, () => 0);
    const r = scheduler.schedule(framework, new CycleState(), podWith('p', ['data']));
    expect(r.ok && r.node).toBe('n2');
    const missing = scheduler.schedule(framework, new CycleState(), podWith('q', ['nope']));
    expect(missing.ok).toBe(false);
    expect(!missing.ok && missing.status.message()).toBe('0/2 nodes are available: persistentvolumeclaim "nope" not found.');
  });
});
