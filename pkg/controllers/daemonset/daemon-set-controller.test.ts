// The DaemonSet controller against the real API server (in process), with Node objects made by
// the test and a simulated kubelet that makes pods Running and Ready and finishes their graceful
// deletion.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/types';
import { systemClock } from '../../client/clock';
import { RESOURCES } from '../../client/resource-ref';
import { ControllerManager } from '../../controller/controller-manager';
import { silentLogger } from '../../log/logger';
import { startTestControlPlane, type TestControlPlane } from '../../server/test-control-plane';
import { builtinControllers } from '../index';
import { finishPod } from '../testing/pod-status';
import { runSimulatedKubelet } from '../testing/simulated-kubelet';
import { CONTROLLER_REVISIONS } from '../workloads/controller-history';
import { DAEMONSETS } from './daemon-set-util';
import { eventually } from '../testing/eventually';

type Obj = KubeObject & { spec?: any; status?: any };
const NS = 'ds';

describe('DaemonSet controller', () => {
  let cp: TestControlPlane;
  const abort = new AbortController();
  const runs: Promise<void>[] = [];
  const dss = () => cp.admin.resource<Obj>(DAEMONSETS);
  const nodes = () => cp.admin.resource<Obj>(RESOURCES.nodes);
  const podApi = () => cp.admin.resource<Obj>(RESOURCES.pods);
  const podsOf = async (app: string) => (await podApi().list(NS, { labelSelector: `app=${app}` })).items.filter((p) => !p.metadata.deletionTimestamp);
  const placement = async (app: string) => (await podsOf(app)).map((p) => p.spec.nodeName).sort();
  const body = (name: string, extra: Record<string, unknown> = {}, podSpec: Record<string, unknown> = {}): Obj => ({
    metadata: { name, namespace: NS },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox:1' }], ...podSpec } }, ...extra },
  });
  const node = (name: string, labels: Record<string, string> = {}, spec: Record<string, unknown> = {}) => nodes().create({ metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } }, spec });
  const rolledOut = (name: string) =>
    eventually(async () => {
      const ds = await dss().get(NS, name);
      const st = ds.status ?? {};
      return st.observedGeneration === ds.metadata.generation && (st.updatedNumberScheduled ?? 0) === st.desiredNumberScheduled && (st.numberAvailable ?? 0) === st.desiredNumberScheduled && st.desiredNumberScheduled > 0 ? ds : undefined;
    }, `daemonset ${name} to roll out`);

  beforeAll(async () => {
    cp = await startTestControlPlane();
    const manager = new ControllerManager({ client: cp.controller, clock: systemClock, log: silentLogger(), controllers: builtinControllers({ rootCaPem: cp.serverCaPem }), enabled: ['daemonset', 'garbage-collector'] });
    runs.push(manager.run(abort.signal));
    runs.push(runSimulatedKubelet({ client: cp.admin, clock: systemClock, finishDeletions: true }, abort.signal));
    await cp.admin.resource(RESOURCES.namespaces).create({ metadata: { name: NS } });
    await node('n1', { role: 'worker' });
    await node('n2', { role: 'worker' });
    await node('n3', {}, { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] });
    // Cordoned: daemon pods tolerate node.kubernetes.io/unschedulable.
    await node('n4', {}, { unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] });
  });
  afterAll(async () => {
    abort.abort();
    await Promise.all(runs);
    await cp?.stop();
  });

  it('runs one pod on every eligible node, placed by name, with the daemon tolerations', async () => {
    const ds = await dss().create(body('agent'));
    await eventually(async () => JSON.stringify(await placement('agent')) === JSON.stringify(['n1', 'n2', 'n4']), 'pods on n1, n2 and n4');
    const done = await rolledOut('agent');
    expect(done.status).toMatchObject({ desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 3, numberAvailable: 3, updatedNumberScheduled: 3, numberMisscheduled: 0, observedGeneration: 1 });
    const pod = (await podsOf('agent')).find((p) => p.spec.nodeName === 'n1')!;
    expect(pod.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: ds.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual({ nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] });
    const tolerated = pod.spec.tolerations.map((t: any) => `${t.key}:${t.effect}`);
    for (const t of ['node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/disk-pressure:NoSchedule', 'node.kubernetes.io/memory-pressure:NoSchedule', 'node.kubernetes.io/pid-pressure:NoSchedule', 'node.kubernetes.io/unschedulable:NoSchedule']) {
      expect(tolerated).toContain(t);
    }
    const [rev] = (await cp.admin.resource<Obj>(CONTROLLER_REVISIONS).list(NS, { labelSelector: 'app=agent' })).items;
    expect(rev!.metadata.name).toBe(`agent-${pod.metadata.labels!['controller-revision-hash']}`);
    expect((rev as any).revision).toBe(1);
  });

  it('follows nodes: new ones get a pod, ineligible and deleted ones lose it', async () => {
    await dss().create(body('workers', {}, { nodeSelector: { role: 'worker' } }));
    await eventually(async () => JSON.stringify(await placement('workers')) === JSON.stringify(['n1', 'n2']), 'pods on the workers');
    await node('n5', { role: 'worker' });
    await eventually(async () => JSON.stringify(await placement('workers')) === JSON.stringify(['n1', 'n2', 'n5']), 'a pod on the new node');
    await nodes().patch(undefined, 'n2', 'merge', { metadata: { labels: { role: null } } });
    await eventually(async () => JSON.stringify(await placement('workers')) === JSON.stringify(['n1', 'n5']), 'the pod to leave a relabeled node');
    await nodes().delete(undefined, 'n5');
    await eventually(async () => JSON.stringify(await placement('workers')) === JSON.stringify(['n1']), 'the pod of a deleted node to go');
    await eventually(async () => (await dss().get(NS, 'workers')).status?.desiredNumberScheduled === 1, 'desired 1');
  });

  it('honours tolerations and NoExecute taints', async () => {
    await dss().create(body('db', {}, { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }] }));
    await eventually(async () => JSON.stringify(await placement('db')) === JSON.stringify(['n1', 'n2', 'n3', 'n4']), 'a pod on the tainted node too');
    // NoSchedule lets a running pod stay; NoExecute evicts it.
    await nodes().patch(undefined, 'n1', 'merge', { spec: { taints: [{ key: 'maintenance', effect: 'NoSchedule' }] } });
    await eventually(async () => (await dss().get(NS, 'db')).status?.numberMisscheduled === 1, 'n1 to count as misscheduled');
    expect(await placement('db')).toContain('n1');
    await nodes().patch(undefined, 'n1', 'merge', { spec: { taints: [{ key: 'maintenance', effect: 'NoExecute' }] } });
    await eventually(async () => !(await placement('db')).includes('n1'), 'the pod to leave n1');
    await nodes().patch(undefined, 'n1', 'merge', { spec: { taints: null } });
    await eventually(async () => (await placement('db')).includes('n1'), 'the pod back on n1');
  });

  it('rolls out a new template within maxUnavailable', async () => {
    await dss().create(body('roll', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } } }));
    const first = await rolledOut('roll');
    let minReady = Infinity;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const ps = await podsOf('roll');
        minReady = Math.min(minReady, ps.filter((p) => p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')).length);
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    await dss().patch(NS, 'roll', 'json', [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'busybox:2' }]);
    const done = await eventually(async () => {
      const ds = await rolledOut('roll');
      return ds.metadata.generation === 2 ? ds : undefined;
    }, 'the second rollout');
    sampling = false;
    await sampler;
    expect(minReady).toBeGreaterThanOrEqual(first.status.desiredNumberScheduled - 1);
    expect((await podsOf('roll')).every((p) => p.spec.containers[0].image === 'busybox:2')).toBe(true);
    expect(done.status.updatedNumberScheduled).toBe(done.status.desiredNumberScheduled);
    const revs = (await cp.admin.resource<Obj>(CONTROLLER_REVISIONS).list(NS, { labelSelector: 'app=roll' })).items.map((r: any) => r.revision).sort();
    expect(revs).toEqual([1, 2]);
  });

  it('surges a new pod beside the old one with maxSurge', async () => {
    await dss().create(body('surge', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }));
    const first = await rolledOut('surge');
    const want = first.status.desiredNumberScheduled;
    let minReady = Infinity;
    let maxTotal = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const ps = await podsOf('surge');
        maxTotal = Math.max(maxTotal, ps.length);
        minReady = Math.min(minReady, ps.filter((p) => p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')).length);
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    await dss().patch(NS, 'surge', 'json', [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'busybox:2' }]);
    await eventually(async () => {
      const ds = await rolledOut('surge');
      return ds.metadata.generation === 2 && (await podsOf('surge')).length === want ? ds : undefined;
    }, 'the surge rollout');
    sampling = false;
    await sampler;
    expect(minReady).toBeGreaterThanOrEqual(want);
    expect(maxTotal).toBeLessThanOrEqual(want + 1);
  });

  it('replaces a failed daemon pod', async () => {
    await dss().create(body('heal', {}, { nodeSelector: { 'kubernetes.io/hostname': 'n1' } }));
    const [pod] = await eventually(async () => ((await podsOf('heal')).length === 1 ? podsOf('heal') : undefined), 'the pod');
    await eventually(async () => (await dss().get(NS, 'heal')).status?.numberReady === 1, 'it to be ready');
    await finishPod(cp.admin, NS, pod!.metadata.name!, { phase: 'Failed' });
    await eventually(async () => (await podsOf('heal')).some((p) => p.metadata.uid !== pod!.metadata.uid && p.status?.phase === 'Running'), 'a replacement');
  });

  it('leaves pods alone with OnDelete until they are deleted', async () => {
    await dss().create(body('ondel', { updateStrategy: { type: 'OnDelete' } }, { nodeSelector: { 'kubernetes.io/hostname': 'n1' } }));
    const [pod] = await eventually(async () => ((await podsOf('ondel')).length === 1 ? podsOf('ondel') : undefined), 'the pod');
    await dss().patch(NS, 'ondel', 'json', [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'busybox:2' }]);
    await eventually(async () => (await dss().get(NS, 'ondel')).status?.observedGeneration === 2, 'the new template to be observed');
    expect((await podsOf('ondel'))[0]!.metadata.uid).toBe(pod!.metadata.uid);
    await podApi().delete(NS, pod!.metadata.name!);
    await eventually(async () => (await podsOf('ondel')).some((p) => p.spec.containers[0].image === 'busybox:2'), 'a pod of the new template');
  });
});
