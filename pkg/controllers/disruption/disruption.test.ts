// PodDisruptionBudget status and the pods/eviction subresource against the real API server (in
// process), with the Deployment, ReplicaSet and disruption controllers and a simulated kubelet.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/types';
import { systemClock } from '../../client/clock';
import { StatusError, isNotFound } from '../../client/errors';
import { RESOURCES } from '../../client/resource-ref';
import { ControllerManager } from '../../controller/controller-manager';
import { silentLogger } from '../../log/logger';
import { startTestControlPlane, type TestControlPlane } from '../../server/test-control-plane';
import { builtinControllers } from '../index';
import { runSimulatedKubelet } from '../testing/simulated-kubelet';
import { PDBS } from './pdb-util';
import { eventually } from '../testing/eventually';

type Obj = KubeObject & { spec?: any; status?: any };
const NS = 'pdb';

describe('PodDisruptionBudgets and eviction', () => {
  let cp: TestControlPlane;
  const abort = new AbortController();
  const runs: Promise<void>[] = [];
  const pdbs = () => cp.admin.resource<Obj>(PDBS);
  const podApi = () => cp.admin.resource<Obj>(RESOURCES.pods);
  const livePods = async (app: string) => (await podApi().list(NS, { labelSelector: `app=${app}` })).items.filter((p) => !p.metadata.deletionTimestamp);
  const readyPods = async (app: string) => (await livePods(app)).filter((p) => p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
  const evict = (name: string) =>
    cp.admin.request({ method: 'POST', path: `/api/v1/namespaces/${NS}/pods/${name}/eviction`, body: JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: NS } }) });
  const deployment = (name: string, replicas: number) =>
    cp.admin.resource(RESOURCES.deployments).create({ metadata: { name, namespace: NS }, spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } } });
  const pdbStatus = (name: string, want: (st: any) => boolean, what: string) =>
    eventually(async () => {
      const p = await pdbs().get(NS, name);
      return p.status?.observedGeneration === p.metadata.generation && want(p.status) ? p.status : undefined;
    }, what);

  beforeAll(async () => {
    cp = await startTestControlPlane();
    const manager = new ControllerManager({ client: cp.controller, clock: systemClock, log: silentLogger(), controllers: builtinControllers({ rootCaPem: cp.serverCaPem }), enabled: ['deployment', 'replicaset', 'disruption', 'garbage-collector'] });
    runs.push(manager.run(abort.signal));
    runs.push(runSimulatedKubelet({ client: cp.admin, clock: systemClock }, abort.signal));
    await cp.admin.resource(RESOURCES.namespaces).create({ metadata: { name: NS } });
  });
  afterAll(async () => {
    abort.abort();
    await Promise.all(runs);
    await cp?.stop();
  });

  it('counts healthy pods and allowed disruptions (minAvailable)', async () => {
    await deployment('web', 3);
    await eventually(async () => (await readyPods('web')).length === 3, 'three ready pods');
    await pdbs().create({ metadata: { name: 'web', namespace: NS }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } } });
    const st = await pdbStatus('web', (s) => s.currentHealthy === 3, 'the budget status');
    expect(st).toMatchObject({ expectedPods: 3, desiredHealthy: 2, currentHealthy: 3, disruptionsAllowed: 1 });
    expect(st.conditions).toEqual([expect.objectContaining({ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods' })]);
  });

  it('evicts while the budget allows and answers 429 when it does not', async () => {
    const [a, b] = await readyPods('web');
    const ok = (await evict(a!.metadata.name!)) as Record<string, unknown>;
    expect(ok).toMatchObject({ kind: 'Status', status: 'Success', code: 201 });
    await eventually(async () => podApi().get(NS, a!.metadata.name!).then(() => false, (e: unknown) => isNotFound(e)), 'the evicted pod to be gone');
    // The budget was spent at once, before the controller saw anything.
    const refused = await evict(b!.metadata.name!).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(StatusError);
    const err = refused as StatusError;
    expect(err.status).toBe(429);
    expect(err.reason).toBe('TooManyRequests');
    expect(err.message).toBe("Cannot evict pod as it would violate the pod's disruption budget.");
    expect(err.details?.causes?.[0]).toMatchObject({ reason: 'DisruptionBudget' });
    expect((await podApi().get(NS, b!.metadata.name!)).metadata.deletionTimestamp).toBeUndefined();
    // The replacement becomes ready: one disruption is allowed again.
    await pdbStatus('web', (s) => s.currentHealthy === 3 && s.disruptionsAllowed === 1 && !s.disruptedPods, 'the budget to recover');
    await evict(b!.metadata.name!);
  });

  it('scales maxUnavailable percentages by the controller and evicts unguarded pods freely', async () => {
    await deployment('half', 4);
    await eventually(async () => (await readyPods('half')).length === 4, 'four ready pods');
    await pdbs().create({ metadata: { name: 'half', namespace: NS }, spec: { maxUnavailable: '50%', selector: { matchLabels: { app: 'half' } } } });
    const st = await pdbStatus('half', (s) => s.currentHealthy === 4, 'the budget status');
    expect(st).toMatchObject({ expectedPods: 4, desiredHealthy: 2, disruptionsAllowed: 2 });
    const lone = await podApi().create({ metadata: { name: 'lone', namespace: NS, labels: { app: 'lone' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    await eventually(async () => (await readyPods('lone')).length === 1, 'the lone pod to run');
    await evict(lone.metadata.name!);
    await eventually(async () => podApi().get(NS, 'lone').then(() => false, (e: unknown) => isNotFound(e)), 'the lone pod to be gone');
  });

  it('refuses a pod selected by two budgets', async () => {
    await pdbs().create({ metadata: { name: 'half-too', namespace: NS }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'half' } } } });
    const [p] = await readyPods('half');
    const e = (await evict(p!.metadata.name!).then(
      () => undefined,
      (x: unknown) => x,
    )) as StatusError;
    expect(e.status).toBe(500);
    expect(e.message).toMatch(/more than one PodDisruptionBudget/);
  });

  it('rejects a budget with both minAvailable and maxUnavailable', async () => {
    const e = (await pdbs()
      .create({ metadata: { name: 'bad', namespace: NS }, spec: { minAvailable: 1, maxUnavailable: 1, selector: { matchLabels: { app: 'x' } } } })
      .then(
        () => undefined,
        (x: unknown) => x,
      )) as StatusError;
    expect(e.status).toBe(422);
    expect(e.message).toMatch(/minAvailable and maxUnavailable cannot be both set/);
  });
});
