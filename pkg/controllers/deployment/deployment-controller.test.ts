// The Deployment controller with the ReplicaSet controller and a simulated kubelet, against the real
// API server: revisions and pod-template-hash, rolling updates within maxSurge/maxUnavailable,
// rollback, Recreate, pause/resume, scaling, progress deadline and history limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/types';
import { systemClock } from '../../client/clock';
import { RESOURCES } from '../../client/resource-ref';
import { ControllerManager } from '../../controller/controller-manager';
import { silentLogger } from '../../log/logger';
import { startTestControlPlane, type TestControlPlane } from '../../server/test-control-plane';
import { builtinControllers } from '../index';
import { runSimulatedKubelet } from '../testing/simulated-kubelet';
import { POD_TEMPLATE_HASH, REVISION, REVISION_HISTORY, equalIgnoreHash, podTemplateHash } from './deployment-util';
import { eventually } from '../testing/eventually';

type Obj = KubeObject & { spec?: any; status?: any };
const NS = 'deploy';

describe('Deployment controller', () => {
  let cp: TestControlPlane;
  const abort = new AbortController();
  const runs: Promise<void>[] = [];
  const deployments = () => cp.admin.resource<Obj>(RESOURCES.deployments);
  const replicaSets = () => cp.admin.resource<Obj>(RESOURCES.replicasets);
  const pods = () => cp.admin.resource<Obj>(RESOURCES.pods);
  const rsOf = async (name: string) => (await replicaSets().list(NS)).items.filter((rs) => rs.metadata.ownerReferences?.[0]?.name === name);
  const livePods = async (app: string) => (await pods().list(NS, { labelSelector: `app=${app}` })).items.filter((p) => !p.metadata.deletionTimestamp);
  const body = (name: string, replicas: number, extra: Record<string, unknown> = {}, image = 'busybox:1'): Obj => ({
    metadata: { name, namespace: NS },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image }] } }, ...extra },
  });
  /** Complete as `kubectl rollout status` judges it. */
  const rolledOut = async (name: string) => {
    const d = await deployments().get(NS, name);
    const s = d.status ?? {};
    return s.observedGeneration >= d.metadata.generation! && s.updatedReplicas === d.spec.replicas && s.replicas === d.spec.replicas && s.availableReplicas === d.spec.replicas ? d : undefined;
  };

  beforeAll(async () => {
    cp = await startTestControlPlane();
    const manager = new ControllerManager({ client: cp.controller, clock: systemClock, log: silentLogger(), controllers: builtinControllers({ rootCaPem: cp.serverCaPem }), enabled: ['deployment', 'replicaset', 'garbage-collector'] });
    runs.push(manager.run(abort.signal));
    runs.push(runSimulatedKubelet({ client: cp.admin, clock: systemClock, accept: (p) => p.metadata.labels?.stuck !== 'true' }, abort.signal));
    await cp.admin.resource(RESOURCES.namespaces).create({ metadata: { name: NS } });
  });
  afterAll(async () => {
    abort.abort();
    await Promise.all(runs);
    await cp?.stop();
  });

  it('creates a ReplicaSet with the pod-template-hash and revision 1, and reports complete status', async () => {
    await deployments().create(body('web', 3));
    const d = await eventually(() => rolledOut('web'), 'the rollout to complete');
    const [rs] = await rsOf('web');
    const hash = rs!.metadata.labels![POD_TEMPLATE_HASH]!;
    expect(rs!.metadata.name).toBe(`web-${hash}`);
    expect(hash).toBe(podTemplateHash(d.spec.template));
    expect(rs!.spec.selector.matchLabels).toEqual({ app: 'web', [POD_TEMPLATE_HASH]: hash });
    expect(rs!.metadata.annotations).toMatchObject({ [REVISION]: '1', 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4' });
    expect(d.metadata.annotations?.[REVISION]).toBe('1');
    expect(d.status).toMatchObject({ replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 });
    const conds = Object.fromEntries((d.status.conditions as any[]).map((c) => [c.type, `${c.status}/${c.reason}`]));
    expect(conds).toEqual({ Available: 'True/MinimumReplicasAvailable', Progressing: 'True/NewReplicaSetAvailable' });
    for (const p of await livePods('web')) expect(p.metadata.labels?.[POD_TEMPLATE_HASH]).toBe(hash);
  });

  it('replaces a deleted pod of a 3-replica Deployment', async () => {
    const [victim] = await livePods('web');
    await pods().delete(NS, victim!.metadata.name!);
    await eventually(async () => (await livePods('web')).length === 3 && !(await livePods('web')).some((p) => p.metadata.uid === victim!.metadata.uid), 'a replacement pod');
  });

  it('rolls out a new template within maxSurge and maxUnavailable, recording the change cause', async () => {
    await deployments().create(body('roll', 4, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } } }));
    await eventually(() => rolledOut('roll'), 'the first rollout');
    let maxTotal = 0;
    let minAvailable = Infinity;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const ps = await livePods('roll');
        maxTotal = Math.max(maxTotal, ps.length);
        minAvailable = Math.min(minAvailable, ps.filter((p) => p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')).length);
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    await deployments().patch(NS, 'roll', 'merge', { metadata: { annotations: { 'kubernetes.io/change-cause': 'image 2' } }, spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } } });
    await eventually(async () => (await rolledOut('roll'))?.metadata.annotations?.[REVISION] === '2', 'the second rollout');
    sampling = false;
    await sampler;
    expect(maxTotal).toBeLessThanOrEqual(5);
    expect(minAvailable).toBeGreaterThanOrEqual(3);
    const rss = await rsOf('roll');
    const byRev = Object.fromEntries(rss.map((rs) => [rs.metadata.annotations![REVISION], rs]));
    expect(byRev['1']!.spec.replicas).toBe(0);
    expect(byRev['2']!.spec.replicas).toBe(4);
    expect(byRev['2']!.metadata.annotations!['kubernetes.io/change-cause']).toBe('image 2');
    expect((await livePods('roll')).every((p) => p.spec.containers[0].image === 'busybox:2')).toBe(true);
  });

  it('rolls back as kubectl rollout undo does: the old ReplicaSet becomes the next revision', async () => {
    const rss = await rsOf('roll');
    const first = rss.find((rs) => rs.metadata.annotations![REVISION] === '1')!;
    const template = structuredClone(first.spec.template);
    delete template.metadata.labels[POD_TEMPLATE_HASH];
    await deployments().patch(NS, 'roll', 'json', [{ op: 'replace', path: '/spec/template', value: template }]);
    await eventually(async () => (await rolledOut('roll'))?.metadata.annotations?.[REVISION] === '3', 'the rollback');
    const back = await replicaSets().get(NS, first.metadata.name!);
    expect(back.metadata.annotations![REVISION]).toBe('3');
    expect(back.metadata.annotations![REVISION_HISTORY]).toBe('1');
    expect(back.spec.replicas).toBe(4);
    expect(await rsOf('roll')).toHaveLength(2);
    expect((await livePods('roll')).every((p) => p.spec.containers[0].image === 'busybox:1')).toBe(true);
  });

  it('Recreate removes every old pod before creating new ones', async () => {
    await deployments().create(body('rec', 2, { strategy: { type: 'Recreate' } }));
    await eventually(() => rolledOut('rec'), 'the first rollout');
    const seen: string[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const images = new Set((await livePods('rec')).map((p) => p.spec.containers[0].image));
        seen.push([...images].sort().join('+'));
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    await deployments().patch(NS, 'rec', 'merge', { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } } });
    await eventually(async () => (await rolledOut('rec'))?.metadata.annotations?.[REVISION] === '2', 'the recreate rollout');
    sampling = false;
    await sampler;
    expect(seen).not.toContain('busybox:1+busybox:2');
    expect(seen).toContain('busybox:2');
  });

  it('does not roll out while paused, and does on resume; scaling applies while paused', async () => {
    await deployments().create(body('pause', 2));
    await eventually(() => rolledOut('pause'), 'the first rollout');
    await deployments().patch(NS, 'pause', 'merge', { spec: { paused: true } });
    await eventually(async () => (await deployments().get(NS, 'pause')).status?.conditions?.some((c: any) => c.type === 'Progressing' && c.reason === 'DeploymentPaused'), 'the paused condition');
    await deployments().patch(NS, 'pause', 'merge', { spec: { replicas: 3, template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } } });
    await eventually(async () => (await livePods('pause')).length === 3, 'scaling while paused');
    expect(await rsOf('pause')).toHaveLength(1);
    await deployments().patch(NS, 'pause', 'merge', { spec: { paused: false } });
    await eventually(async () => (await rolledOut('pause'))?.metadata.annotations?.[REVISION] === '2', 'the rollout after resume');
    expect((await livePods('pause')).map((p) => p.spec.containers[0].image)).toEqual(['busybox:2', 'busybox:2', 'busybox:2']);
  });

  it('reports ProgressDeadlineExceeded when new pods never become ready', async () => {
    await deployments().create({ ...body('stuck', 1, { progressDeadlineSeconds: 1 }), spec: { ...body('stuck', 1).spec, progressDeadlineSeconds: 1, template: { metadata: { labels: { app: 'stuck', stuck: 'true' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } } });
    const d = await eventually(async () => {
      const x = await deployments().get(NS, 'stuck');
      return x.status?.conditions?.some((c: any) => c.type === 'Progressing' && c.status === 'False' && c.reason === 'ProgressDeadlineExceeded') ? x : undefined;
    }, 'the progress deadline to be exceeded', 10_000);
    expect(d.status.conditions.find((c: any) => c.type === 'Available').status).toBe('False');
  });

  it('keeps only revisionHistoryLimit old ReplicaSets', async () => {
    await deployments().create(body('hist', 1, { revisionHistoryLimit: 1 }));
    for (const image of ['busybox:2', 'busybox:3', 'busybox:4']) {
      await eventually(() => rolledOut('hist'), 'a rollout');
      await deployments().patch(NS, 'hist', 'merge', { spec: { template: { spec: { containers: [{ name: 'c', image }] } } } });
    }
    await eventually(async () => (await rolledOut('hist'))?.metadata.annotations?.[REVISION] === '4', 'the last rollout');
    await eventually(async () => (await rsOf('hist')).length === 2, 'old ReplicaSets beyond the limit to go');
    expect((await rsOf('hist')).map((rs) => rs.metadata.annotations![REVISION]).sort()).toEqual(['3', '4']);
  });

  it('treats templates that differ only by pod-template-hash as equal', () => {
    const t = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }] } };
    expect(equalIgnoreHash(t, { spec: { containers: [{ image: 'i', name: 'c' }] }, metadata: { labels: { app: 'x', [POD_TEMPLATE_HASH]: 'abc' } } })).toBe(true);
    expect(equalIgnoreHash(t, { ...t, spec: { containers: [{ name: 'c', image: 'j' }] } })).toBe(false);
    expect(podTemplateHash(t)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(podTemplateHash(t, 1)).not.toBe(podTemplateHash(t));
  });
});
