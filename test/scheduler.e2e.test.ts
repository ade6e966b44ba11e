// The scheduler against the real API server (in-process test control plane, simulated nodes with
// allocatable and no kubelet): scoring strategies that must place differently, node selection and
// taints, the FailedScheduling wording, preemption of the lowest-priority victim only, scheduler
// names, the pods/binding subresource and PriorityClasses; and one case with the built dist/k3ts
// driven by kubectl (`kubectl get pods -o wide`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as stringifyYaml } from 'yaml';
import type { KubeObject } from '../pkg/api/types';
import { RESOURCES, RestClient, isConflict, systemClock } from '../pkg/client';
import { silentLogger } from '../pkg/log/logger';
import { Scheduler, builtinRegistry, defaultSchedulerConfig, parseSchedulerConfig, pluginPoints, type SchedulerConfig } from '../pkg/scheduler';
import { createSimulatedNodes, finalizeDeletions, heartbeatLeases, type SimulatedNodeSpec } from '../pkg/scheduler/testing/simulated-nodes';
import { startTestControlPlane, type TestControlPlane } from '../pkg/server/test-control-plane';
import { adminClient, eventually, startTestServer, type TestServer } from './helpers/cluster';

type Json = Record<string, any>;

const TWO_PROFILES = `
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
- schedulerName: bin-packing-scheduler
  pluginConfig:
  - name: NodeResourcesFit
    args:
      scoringStrategy:
        type: MostAllocated
        resources:
        - name: cpu
          weight: 1
        - name: memory
          weight: 1
`;

interface Cluster {
  cp: TestControlPlane;
  scheduler: Scheduler;
  stop(): Promise<void>;
}

async function startCluster(nodes: readonly SimulatedNodeSpec[], config?: SchedulerConfig): Promise<Cluster> {
  const cp = await startTestControlPlane();
  await createSimulatedNodes(cp.admin, nodes);
  const abort = new AbortController();
  const scheduler = new Scheduler({
    client: cp.clientFor('scheduler', 'kube-scheduler'),
    clock: systemClock,
    log: silentLogger(),
    config: config ?? defaultSchedulerConfig(pluginPoints(builtinRegistry())),
    instance: 'e2e',
  });
  const run = scheduler.run(abort.signal);
  // What kubelets would do: finish deleting pods on the simulated nodes.
  const finalizing = finalizeDeletions({ client: cp.admin, clock: systemClock, nodeNames: () => true }, abort.signal);
  return {
    cp,
    scheduler,
    async stop() {
      abort.abort();
      await Promise.all([run, finalizing]);
      await cp.stop();
    },
  };
}

function podSpec(name: string, o: { cpu?: string; schedulerName?: string; nodeSelector?: Record<string, string>; priorityClassName?: string; tolerations?: Json[]; affinity?: Json; labels?: Record<string, string> } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', ...(o.labels ? { labels: o.labels } : {}) },
    spec: {
      containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: o.cpu ?? '1' } } }],
      ...(o.schedulerName ? { schedulerName: o.schedulerName } : {}),
      ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
      ...(o.priorityClassName ? { priorityClassName: o.priorityClassName } : {}),
      ...(o.tolerations ? { tolerations: o.tolerations } : {}),
      ...(o.affinity ? { affinity: o.affinity } : {}),
    },
  };
}

async function podsOf(cp: TestControlPlane): Promise<Json[]> {
  return (await cp.admin.resource(RESOURCES.pods).list('default')).items as Json[];
}

async function waitBound(cp: TestControlPlane, names: readonly string[]): Promise<Map<string, string>> {
  return eventually(async () => {
    const byName = new Map((await podsOf(cp)).map((p) => [p.metadata.name as string, (p.spec.nodeName as string) ?? '']));
    return names.every((n) => byName.get(n)) ? byName : undefined;
  }, `pods ${names.slice(0, 3).join(', ')}… to be bound`);
}

async function eventFor(cp: TestControlPlane, pod: string, reason: string): Promise<Json> {
  return eventually(async () => (await cp.admin.resource(RESOURCES.events).list('default')).items.find((e: Json) => e.involvedObject?.name === pod && e.reason === reason) as Json | undefined, `a ${reason} event for ${pod}`);
}

function perNode(bound: Map<string, string>, prefix: string, pool: readonly string[]): number[] {
  return pool.map((n) => [...bound].filter(([p, node]) => p.startsWith(prefix) && node === n).length);
}

describe('scheduler: scoring strategies, selection, wording', () => {
  let c: Cluster;
  const spread = Array.from({ length: 10 }, (_, i) => `spread-${i}`);
  const pack = Array.from({ length: 10 }, (_, i) => `pack-${i}`);

  beforeAll(async () => {
    c = await startCluster(
      [...spread.map((name) => ({ name, cpu: '4', memory: '16Gi', labels: { pool: 'spread' } })), ...pack.map((name) => ({ name, cpu: '4', memory: '16Gi', labels: { pool: 'pack' } }))],
      parseSchedulerConfig(TWO_PROFILES, pluginPoints(builtinRegistry())),
    );
  });
  afterAll(async () => c?.stop());

  it('LeastAllocated spreads 20 pods of 1 CPU over 10 nodes of 4 CPU; MostAllocated packs them onto 5', async () => {
    const pods = c.cp.admin.resource(RESOURCES.pods);
    for (let i = 0; i < 20; i++) {
      await pods.create(podSpec(`least-${i}`, { nodeSelector: { pool: 'spread' } }));
      await pods.create(podSpec(`most-${i}`, { nodeSelector: { pool: 'pack' }, schedulerName: 'bin-packing-scheduler' }));
    }
    const names = Array.from({ length: 20 }, (_, i) => [`least-${i}`, `most-${i}`]).flat();
    const bound = await waitBound(c.cp, names);
    expect(perNode(bound, 'least-', spread)).toEqual(new Array(10).fill(2));
    expect(perNode(bound, 'most-', pack).sort()).toEqual([0, 0, 0, 0, 0, 4, 4, 4, 4, 4]);
  });

  it('MostAllocated with 40 pods of 1 CPU leaves 10 full nodes', async () => {
    const pods = c.cp.admin.resource(RESOURCES.pods);
    for (let i = 20; i < 40; i++) await pods.create(podSpec(`most-${i}`, { nodeSelector: { pool: 'pack' }, schedulerName: 'bin-packing-scheduler' }));
    const bound = await waitBound(c.cp, Array.from({ length: 40 }, (_, i) => `most-${i}`));
    expect(perNode(bound, 'most-', pack)).toEqual(new Array(10).fill(4));
  });

  it('a pod that fits nowhere gets FailedScheduling in upstream wording and PodScheduled=False', async () => {
    await c.cp.admin.resource(RESOURCES.pods).create(podSpec('no-room', { nodeSelector: { pool: 'pack' }, schedulerName: 'bin-packing-scheduler' }));
    const message =
      "0/20 nodes are available: 10 Insufficient cpu, 10 node(s) didn't match Pod's node affinity/selector. preemption: 0/20 nodes are available: 10 No preemption victims found for incoming pod, 10 Preemption is not helpful for scheduling.";
    const event = await eventFor(c.cp, 'no-room', 'FailedScheduling');
    expect(event).toMatchObject({ type: 'Warning', message, source: { component: 'bin-packing-scheduler' }, reportingComponent: 'bin-packing-scheduler', involvedObject: { kind: 'Pod', name: 'no-room' } });
    const pod = await eventually(async () => {
      const p = (await c.cp.admin.resource(RESOURCES.pods).get('default', 'no-room')) as Json;
      return p.status?.conditions?.find((x: Json) => x.type === 'PodScheduled') ? p : undefined;
    }, 'the PodScheduled condition');
    expect(pod.status.conditions.find((x: Json) => x.type === 'PodScheduled')).toMatchObject({ status: 'False', reason: 'Unschedulable', message });
    expect(pod.spec.nodeName).toBeUndefined();
  });

  it('binds pods to nodes that match their selector and affinity and whose taints they tolerate', async () => {
    const pods = c.cp.admin.resource(RESOURCES.pods);
    await createSimulatedNodes(c.cp.admin, [
      { name: 'ssd', cpu: '8', labels: { disk: 'ssd', zone: 'z1' } },
      { name: 'gpu', cpu: '8', labels: { zone: 'z2' }, taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] },
    ]);
    await pods.create(podSpec('wants-ssd', { cpu: '3', nodeSelector: { disk: 'ssd' } }));
    await pods.create(podSpec('wants-z2', { cpu: '3', affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z2'] }] }] } } }, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] }));
    await pods.create(podSpec('z2-untolerated', { cpu: '1', affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z2'] }] }] } } } }));
    const bound = await waitBound(c.cp, ['wants-ssd', 'wants-z2']);
    expect([bound.get('wants-ssd'), bound.get('wants-z2')]).toEqual(['ssd', 'gpu']);
    const event = await eventFor(c.cp, 'z2-untolerated', 'FailedScheduling');
    expect(event.message).toBe("0/22 nodes are available: 1 node(s) had untolerated taint(s), 21 node(s) didn't match Pod's node affinity/selector. preemption: 0/22 nodes are available: 22 Preemption is not helpful for scheduling.");
    expect(await eventFor(c.cp, 'wants-ssd', 'Scheduled')).toMatchObject({ type: 'Normal', message: 'Successfully assigned default/wants-ssd to ssd' });
  });

  it('leaves pods of other schedulers alone', async () => {
    await c.cp.admin.resource(RESOURCES.pods).create(podSpec('someone-else', { schedulerName: 'my-own-scheduler' }));
    await waitBound(c.cp, ['wants-ssd']);
    // A pod the scheduler would take immediately, created after: once it is bound, the other was seen too.
    await c.cp.admin.resource(RESOURCES.pods).create(podSpec('marker', { cpu: '100m', nodeSelector: { disk: 'ssd' } }));
    await waitBound(c.cp, ['marker']);
    const p = (await c.cp.admin.resource(RESOURCES.pods).get('default', 'someone-else')) as Json;
    expect(p.spec.nodeName).toBeUndefined();
    expect(p.status?.conditions ?? []).toEqual([]);
  });

  it('pods/binding sets the node once and refuses a second binding with 409', async () => {
    await c.cp.admin.resource(RESOURCES.pods).create(podSpec('manual', { schedulerName: 'nobody' }));
    const bind = (node: string) =>
      c.cp.admin.request({ method: 'POST', path: '/api/v1/namespaces/default/pods/manual/binding', body: JSON.stringify({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'manual' }, target: { kind: 'Node', name: node } }) });
    expect(await bind('spread-0')).toMatchObject({ kind: 'Status', status: 'Success', code: 201 });
    const pod = (await c.cp.admin.resource(RESOURCES.pods).get('default', 'manual')) as Json;
    expect(pod.spec.nodeName).toBe('spread-0');
    expect(pod.status.conditions).toEqual([expect.objectContaining({ type: 'PodScheduled', status: 'True' })]);
    const err = await bind('spread-1').catch((e: unknown) => e);
    expect(isConflict(err)).toBe(true);
    expect((err as Error).message).toContain('Operation cannot be fulfilled on pods/binding "manual": pod manual is already assigned to node "spread-0"');
  });
});

describe('scheduler: volume binding (WaitForFirstConsumer)', () => {
  let c: Cluster;
  const ref = (group: string, resource: string, kind: string, namespaced: boolean) => ({ group, version: 'v1', resource, kind, namespaced });
  const classes = ref('storage.k8s.io', 'storageclasses', 'StorageClass', false);
  const volumes = ref('', 'persistentvolumes', 'PersistentVolume', false);
  const claims = ref('', 'persistentvolumeclaims', 'PersistentVolumeClaim', true);
  const withClaim = (name: string, claimName: string): KubeObject => {
    const p = podSpec(name, { cpu: '100m' });
    (p.spec as Json).volumes = [{ name: 'data', persistentVolumeClaim: { claimName } }];
    return p;
  };
  const claim = (name: string, className: string): KubeObject =>
    ({ metadata: { name, namespace: 'default' }, spec: { storageClassName: className, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }) as KubeObject;

  beforeAll(async () => {
    c = await startCluster([
      { name: 'vol-a', cpu: '4', memory: '8Gi' },
      { name: 'vol-b', cpu: '4', memory: '8Gi' },
    ]);
    const sc = c.cp.admin.resource(classes);
    await sc.create({ metadata: { name: 'local' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' } as KubeObject);
    await sc.create({ metadata: { name: 'dynamic' }, provisioner: 'rancher.io/local-path', volumeBindingMode: 'WaitForFirstConsumer' } as KubeObject);
  });
  afterAll(async () => c?.stop());

  it('places a pod on the node of the local PV its claim can use, and names the claim in the PV', async () => {
    await c.cp.admin.resource(volumes).create({
      metadata: { name: 'disk-on-b' },
      spec: {
        capacity: { storage: '5Gi' },
        accessModes: ['ReadWriteOnce'],
        storageClassName: 'local',
        local: { path: '/mnt/disk' },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['vol-b'] }] }] } },
      },
    } as KubeObject);
    await c.cp.admin.resource(claims).create(claim('local-data', 'local'));
    await c.cp.admin.resource(RESOURCES.pods).create(withClaim('uses-local', 'local-data'));
    const bound = await waitBound(c.cp, ['uses-local']);
    expect(bound.get('uses-local')).toBe('vol-b');
    const pv = (await c.cp.admin.resource(volumes).get(undefined, 'disk-on-b')) as Json;
    expect(pv.spec.claimRef).toMatchObject({ kind: 'PersistentVolumeClaim', namespace: 'default', name: 'local-data' });
  });

  it('annotates a claim to provision with the selected node, and explains a missing claim in upstream words', async () => {
    await c.cp.admin.resource(claims).create(claim('dyn-data', 'dynamic'));
    await c.cp.admin.resource(RESOURCES.pods).create(withClaim('uses-dynamic', 'dyn-data'));
    const node = (await waitBound(c.cp, ['uses-dynamic'])).get('uses-dynamic');
    const pvc = (await c.cp.admin.resource(claims).get('default', 'dyn-data')) as Json;
    expect(pvc.metadata.annotations['volume.kubernetes.io/selected-node']).toBe(node);

    await c.cp.admin.resource(RESOURCES.pods).create(withClaim('no-claim', 'nope'));
    const event = await eventFor(c.cp, 'no-claim', 'FailedScheduling');
    expect(event.message).toBe('0/2 nodes are available: persistentvolumeclaim "nope" not found. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.');
  });
});

describe('scheduler: preemption', () => {
  let c: Cluster;

  beforeAll(async () => {
    c = await startCluster([
      { name: 'p1', cpu: '2', memory: '4Gi' },
      { name: 'p2', cpu: '2', memory: '4Gi' },
      { name: 'p3', cpu: '2', memory: '4Gi' },
    ]);
    const classes = c.cp.admin.resource({ group: 'scheduling.k8s.io', version: 'v1', resource: 'priorityclasses', kind: 'PriorityClass', namespaced: false });
    for (const [name, value] of [['low', 100], ['mid', 500], ['high', 1000]] as const) await classes.create({ metadata: { name }, value } as KubeObject);
  });
  afterAll(async () => c?.stop());

  it('has the built-in classes, and pods get their class’s priority', async () => {
    const classes = c.cp.admin.resource({ group: 'scheduling.k8s.io', version: 'v1', resource: 'priorityclasses', kind: 'PriorityClass', namespaced: false });
    expect((await classes.get(undefined, 'system-node-critical')) as Json).toMatchObject({ value: 2000001000, preemptionPolicy: 'PreemptLowerPriority' });
    expect((await classes.get(undefined, 'system-cluster-critical')) as Json).toMatchObject({ value: 2000000000 });
    const err = await c.cp.admin.resource(RESOURCES.pods).create(podSpec('bad-class', { priorityClassName: 'nope' })).catch((e: unknown) => e);
    expect((err as Error).message).toBe('pods "bad-class" is forbidden: no PriorityClass with name nope was found');
  });

  it('without lower-priority pods, says no victims were found', async () => {
    const pods = c.cp.admin.resource(RESOURCES.pods);
    for (const n of ['p1', 'p2', 'p3']) {
      await pods.create(podSpec(`${n}-mid-a`, { priorityClassName: 'mid', nodeSelector: { 'kubernetes.io/hostname': n } }));
      await pods.create(podSpec(`${n}-${n === 'p1' ? 'low' : 'mid-b'}`, { priorityClassName: n === 'p1' ? 'low' : 'mid', nodeSelector: { 'kubernetes.io/hostname': n } }));
    }
    await waitBound(c.cp, ['p1-mid-a', 'p1-low', 'p2-mid-a', 'p2-mid-b', 'p3-mid-a', 'p3-mid-b']);
    await pods.create(podSpec('no-priority', { cpu: '1' }));
    const event = await eventFor(c.cp, 'no-priority', 'FailedScheduling');
    expect(event.message).toBe('0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.');
    await pods.delete('default', 'no-priority');
  });

  it('a high-priority pod evicts only the lowest-priority victim and takes its place', async () => {
    const pods = c.cp.admin.resource(RESOURCES.pods);
    const before = new Map((await podsOf(c.cp)).map((p) => [p.metadata.name, p.metadata.uid]));
    await pods.create(podSpec('urgent', { cpu: '1', priorityClassName: 'high' }));
    const bound = await waitBound(c.cp, ['urgent']);
    expect(bound.get('urgent')).toBe('p1');
    const after = new Map((await podsOf(c.cp)).map((p) => [p.metadata.name, p.metadata.uid]));
    expect([...before.keys()].filter((n) => after.get(n) !== before.get(n))).toEqual(['p1-low']);
    expect((await eventFor(c.cp, 'p1-low', 'Preempted')).message).toMatch(/^Preempted by pod [0-9a-f-]+ on node p1$/);
    const urgent = (await pods.get('default', 'urgent')) as Json;
    expect(urgent.spec.priority).toBe(1000);
    expect(urgent.status.nominatedNodeName).toBe('p1');
  });

  it('gives pods without a class the global default class, of which there is one', async () => {
    const classes = c.cp.admin.resource({ group: 'scheduling.k8s.io', version: 'v1', resource: 'priorityclasses', kind: 'PriorityClass', namespaced: false });
    await classes.create({ metadata: { name: 'everyday' }, value: 7, globalDefault: true } as KubeObject);
    const err = await classes.create({ metadata: { name: 'another-default' }, value: 8, globalDefault: true } as KubeObject).catch((e: unknown) => e);
    expect((err as Error).message).toBe('priorityclasses.scheduling.k8s.io "another-default" is forbidden: PriorityClass everyday is marked as default. Only one default can exist');
    const p = (await c.cp.admin.resource(RESOURCES.pods).create(podSpec('plain', { schedulerName: 'nobody' }))) as Json;
    expect([p.spec.priorityClassName, p.spec.priority, p.spec.preemptionPolicy]).toEqual(['everyday', 7, 'PreemptLowerPriority']);
  });
});

describe('scheduler in dist/k3ts, seen with kubectl get pods -o wide', () => {
  let s: TestServer;
  const abort = new AbortController();
  let heartbeats: Promise<void> = Promise.resolve();
  let admin: RestClient;

  beforeAll(async () => {
    s = await startTestServer();
    admin = adminClient(s);
    const nodes: SimulatedNodeSpec[] = [
      { name: 'small', cpu: '1', labels: { zone: 'east' } },
      { name: 'big', cpu: '8', labels: { zone: 'west', disk: 'ssd' } },
      { name: 'tainted', cpu: '8', labels: { zone: 'west' }, taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] },
    ];
    await createSimulatedNodes(admin, nodes);
    // The server's node lifecycle controller expects kubelets to renew their Leases.
    heartbeats = heartbeatLeases({ client: admin, clock: systemClock, names: nodes.map((n) => n.name), intervalMs: 5000 }, abort.signal);
  }, 120_000);
  afterAll(async () => {
    abort.abort();
    await heartbeats;
    admin?.close();
    await s?.stop();
  });

  it('places by requests, affinity and taints', async () => {
    const manifest = (name: string, spec: Json) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: spec.cpu } } }], ...spec.extra } });
    const items = [
        manifest('needs-2-cpu', { cpu: '2', extra: { tolerations: [] } }),
        manifest('wants-east', { cpu: '500m', extra: { nodeSelector: { zone: 'east' } } }),
        manifest('wants-ssd', { cpu: '1', extra: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'Exists' }] }] } } } } }),
        manifest('infra', { cpu: '1', extra: { nodeSelector: { zone: 'west' }, tolerations: [{ key: 'dedicated', operator: 'Exists' }], affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'DoesNotExist' }] }] } } } } }),
        manifest('too-big', { cpu: '16' }),
    ];
    const applied = await s.kubectl(['apply', '-f', '-'], { input: items.map((i) => stringifyYaml(i)).join('---\n') });
    expect(applied.exitCode, applied.stderr).toBe(0);
    const wide = await eventually(async () => {
      const r = await s.kubectl(['get', 'pods', '-o', 'wide', '--sort-by=.metadata.name']);
      const rows = r.stdout.trim().split('\n');
      return rows.length === 6 && rows.slice(1).filter((l) => !/<none>\s+<none>\s+<none>\s*$/.test(l)).length >= 4 ? rows : undefined;
    }, 'four pods placed', 30_000);
    expect(wide[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/);
    const nodeOf = (pod: string) => wide.find((l) => l.startsWith(`${pod} `))!.split(/\s+/)[6];
    expect(nodeOf('needs-2-cpu')).toBe('big');
    expect(nodeOf('wants-east')).toBe('small');
    expect(nodeOf('wants-ssd')).toBe('big');
    expect(nodeOf('infra')).toBe('tainted');
    expect(nodeOf('too-big')).toBe('<none>');
    const described = await eventually(async () => {
      const r = await s.kubectl(['describe', 'pod', 'too-big']);
      return /FailedScheduling/.test(r.stdout) ? r.stdout : undefined;
    }, 'the FailedScheduling event in kubectl describe');
    expect(described).toMatch(/Warning\s+FailedScheduling\s+\S+\s+default-scheduler\s+0\/3 nodes are available: 1 node\(s\) had untolerated taint\(s\), 2 Insufficient cpu\. preemption: 0\/3 nodes are available: 3 Preemption is not helpful for scheduling\./);
  });
});
