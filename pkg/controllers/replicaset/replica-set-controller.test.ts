// The ReplicaSet / ReplicationController loop against the real API server, with a simulated
// kubelet that reports every pod Running and Ready.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/types';
import { systemClock } from '../../client/clock';
import { RESOURCES, type ResourceRef } from '../../client/resource-ref';
import { ControllerManager } from '../../controller/controller-manager';
import { silentLogger } from '../../log/logger';
import { startTestControlPlane, type TestControlPlane } from '../../server/test-control-plane';
import { builtinControllers } from '../index';
import { runSimulatedKubelet } from '../testing/simulated-kubelet';
import { REPLICATION_CONTROLLER_KIND, slowStart } from './replica-set-controller';
import { eventually } from '../testing/eventually';

type Obj = KubeObject & { spec?: any; status?: any };
const NS = 'rs';

describe('ReplicaSet controller', () => {
  let cp: TestControlPlane;
  const abort = new AbortController();
  const runs: Promise<void>[] = [];
  const api = (ref: ResourceRef) => cp.admin.resource<Obj>(ref);
  const podsOf = async (app: string) => (await api(RESOURCES.pods).list(NS, { labelSelector: `app=${app}` })).items.filter((p) => !p.metadata.deletionTimestamp);
  const rsBody = (name: string, replicas: number, extra: Record<string, unknown> = {}): Obj => ({
    metadata: { name, namespace: NS },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name, tier: 'x' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }, ...extra },
  });

  beforeAll(async () => {
    cp = await startTestControlPlane();
    const manager = new ControllerManager({ client: cp.controller, clock: systemClock, log: silentLogger(), controllers: builtinControllers({ rootCaPem: cp.serverCaPem }), enabled: ['replicaset', 'replicationcontroller', 'garbage-collector'] });
    runs.push(manager.run(abort.signal));
    runs.push(runSimulatedKubelet({ client: cp.admin, clock: systemClock, accept: (p) => p.metadata.labels?.pending !== 'true' }, abort.signal));
    await api(RESOURCES.namespaces).create({ metadata: { name: NS } });
  });
  afterAll(async () => {
    abort.abort();
    await Promise.all(runs);
    await cp?.stop();
  });

  it('creates the replicas, owned and labeled, and reports them ready and available', async () => {
    const rs = await api(RESOURCES.replicasets).create(rsBody('web', 3));
    const pods = await eventually(async () => ((await podsOf('web')).length === 3 ? podsOf('web') : undefined), 'three pods');
    for (const p of pods) {
      expect(p.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
      expect(p.metadata.labels).toEqual({ app: 'web', tier: 'x' });
      expect(p.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    }
    const st = await eventually(async () => {
      const s = (await api(RESOURCES.replicasets).get(NS, 'web')).status;
      return s?.availableReplicas === 3 ? s : undefined;
    }, 'status to count three available');
    expect(st).toMatchObject({ replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
  });

  it('replaces a deleted pod at once and a failed pod too', async () => {
    const [victim] = await podsOf('web');
    await api(RESOURCES.pods).delete(NS, victim!.metadata.name!);
    await eventually(async () => (await podsOf('web')).length === 3 && !(await podsOf('web')).some((p) => p.metadata.uid === victim!.metadata.uid), 'a replacement');
    const [failing] = await podsOf('web');
    await api(RESOURCES.pods).updateStatus({ ...failing!, status: { ...failing!.status, phase: 'Failed' } });
    await eventually(async () => (await podsOf('web')).filter((p) => p.status?.phase !== 'Failed').length === 3, 'a replacement for the failed pod');
    await eventually(async () => (await api(RESOURCES.replicasets).get(NS, 'web')).status?.replicas === 3, 'replicas counting only active pods');
  });

  it('scales down, deleting the least useful pods first', async () => {
    await api(RESOURCES.replicasets).create(rsBody('scale', 3));
    await eventually(async () => (await api(RESOURCES.replicasets).get(NS, 'scale')).status?.readyReplicas === 3, 'three ready');
    // One pod that is not ready (still Pending) is the first to go.
    const pending = await api(RESOURCES.pods).create({ metadata: { name: 'scale-pending', namespace: NS, labels: { app: 'scale', pending: 'true' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    expect(pending.metadata.name).toBe('scale-pending');
    await eventually(async () => (await podsOf('scale')).length === 3, 'the surplus (adopted) pod to be deleted');
    expect((await podsOf('scale')).map((p) => p.metadata.name)).not.toContain('scale-pending');
    await api(RESOURCES.replicasets).patch(NS, 'scale', 'merge', { spec: { replicas: 1 } });
    await eventually(async () => (await podsOf('scale')).length === 1, 'one pod left');
    await eventually(async () => (await api(RESOURCES.replicasets).get(NS, 'scale')).status?.replicas === 1, 'status replicas 1');
  });

  it('adopts matching orphans and releases pods that stop matching', async () => {
    const orphan = await api(RESOURCES.pods).create({ metadata: { name: 'adoptee', namespace: NS, labels: { app: 'adopt' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    const rs = await api(RESOURCES.replicasets).create(rsBody('adopt', 2));
    // The informer may see the orphan after the ReplicaSet's first sync, so wait for the adoption itself.
    const adopted = await eventually(async () => {
      const p = await api(RESOURCES.pods).get(NS, 'adoptee');
      return p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid ? p : undefined;
    }, 'the orphan to be adopted');
    expect(adopted.metadata.uid).toBe(orphan.metadata.uid);
    await eventually(async () => (await podsOf('adopt')).length === 2, 'two pods');
    await api(RESOURCES.pods).patch(NS, 'adoptee', 'merge', { metadata: { labels: { app: 'elsewhere' } } });
    await eventually(async () => !(await api(RESOURCES.pods).get(NS, 'adoptee')).metadata.ownerReferences?.length, 'the pod to be released');
    await eventually(async () => (await podsOf('adopt')).length === 2, 'a replacement for the released pod');
  });

  it('creates exactly the replicas asked for, however many', async () => {
    await api(RESOURCES.replicasets).create(rsBody('many', 60));
    await eventually(async () => (await api(RESOURCES.replicasets).get(NS, 'many')).status?.readyReplicas === 60, 'sixty ready', 20_000);
    expect(await podsOf('many')).toHaveLength(60);
  });

  it('runs ReplicationControllers the same way', async () => {
    const rc = await api(REPLICATION_CONTROLLER_KIND.ref).create({
      metadata: { name: 'legacy', namespace: NS },
      spec: { replicas: 2, selector: { app: 'legacy' }, template: { metadata: { labels: { app: 'legacy' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    const pods = await eventually(async () => ((await podsOf('legacy')).length === 2 ? podsOf('legacy') : undefined), 'two pods');
    expect(pods[0]!.metadata.ownerReferences?.[0]).toMatchObject({ apiVersion: 'v1', kind: 'ReplicationController', uid: rc.metadata.uid });
    await eventually(async () => (await api(REPLICATION_CONTROLLER_KIND.ref).get(NS, 'legacy')).status?.readyReplicas === 2, 'two ready');
  });
});

describe('slowStart', () => {
  it('creates in batches of 1, 2, 4… and stops after a failing batch', async () => {
    let calls = 0;
    const ok = await slowStart(10, async () => void calls++);
    expect(ok).toEqual({ succeeded: 10 });
    expect(calls).toBe(10);
    calls = 0;
    const r = await slowStart(10, async () => {
      if (++calls === 3) throw new Error('quota');
    });
    // Batches 1 and 2 ran (3 calls); the second batch failed, so nothing more was tried.
    expect(calls).toBe(3);
    expect(r.succeeded).toBe(2);
    expect((r.error as Error).message).toBe('quota');
  });
});
