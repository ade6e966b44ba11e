// The Job and TTL-after-finished controllers against the real API server (in process), with a
// simulated kubelet that reports pods Running and Ready; tests end pods with finishPod.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/types';
import { systemClock } from '../../client/clock';
import { isNotFound } from '../../client/errors';
import { RESOURCES } from '../../client/resource-ref';
import { ControllerManager } from '../../controller/controller-manager';
import { silentLogger } from '../../log/logger';
import { startTestControlPlane, type TestControlPlane } from '../../server/test-control-plane';
import { builtinControllers } from '../index';
import { finishPod } from '../testing/pod-status';
import { runSimulatedKubelet } from '../testing/simulated-kubelet';
import { JOBS, JOB_CONTROLLER, jobController } from './job-controller';
import { COMPLETION_INDEX, JOB_TRACKING_FINALIZER } from './job-util';
import { eventually } from '../testing/eventually';

type Obj = KubeObject & { spec?: any; status?: any };
const NS = 'jobs';
const BACKOFF_MS = 300;

describe('Job controller', () => {
  let cp: TestControlPlane;
  const abort = new AbortController();
  const runs: Promise<void>[] = [];
  const jobs = () => cp.admin.resource<Obj>(JOBS);
  const podApi = () => cp.admin.resource<Obj>(RESOURCES.pods);
  const podsOf = async (job: string) => (await podApi().list(NS, { labelSelector: `batch.kubernetes.io/job-name=${job}` })).items;
  const livePods = async (job: string) => (await podsOf(job)).filter((p) => !p.metadata.deletionTimestamp && !['Succeeded', 'Failed'].includes(p.status?.phase));
  const condition = (j: Obj, type: string) => (j.status?.conditions ?? []).find((c: any) => c.type === type && c.status === 'True');
  const finishedJob = (name: string, type: 'Complete' | 'Failed') =>
    eventually(async () => {
      const j = await jobs().get(NS, name);
      return condition(j, type) ? j : undefined;
    }, `job ${name} to be ${type}`);
  const body = (name: string, spec: Record<string, unknown>, podSpec: Record<string, unknown> = {}): Obj => ({
    metadata: { name, namespace: NS },
    spec: { ...spec, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }], ...podSpec } } },
  });
  const finish = (p: Obj, phase: 'Succeeded' | 'Failed', exitCode?: number) => finishPod(cp.admin, NS, p.metadata.name!, { phase, exitCode });

  beforeAll(async () => {
    cp = await startTestControlPlane();
    const controllers = new Map(builtinControllers({ rootCaPem: cp.serverCaPem }));
    controllers.set(JOB_CONTROLLER, jobController({ podFailureBackoffMs: BACKOFF_MS, maxPodFailureBackoffMs: 4 * BACKOFF_MS }));
    const manager = new ControllerManager({ client: cp.controller, clock: systemClock, log: silentLogger(), controllers, enabled: ['job', 'ttl-after-finished', 'garbage-collector'] });
    runs.push(manager.run(abort.signal));
    runs.push(runSimulatedKubelet({ client: cp.admin, clock: systemClock }, abort.signal));
    await cp.admin.resource(RESOURCES.namespaces).create({ metadata: { name: NS } });
  });
  afterAll(async () => {
    abort.abort();
    await Promise.all(runs);
    await cp?.stop();
  });

  it('runs completions with at most parallelism pods, tracking each with a finalizer', async () => {
    const created = await jobs().create(body('three', { completions: 3, parallelism: 2 }));
    let pods = await eventually(async () => ((await livePods('three')).length === 2 ? livePods('three') : undefined), 'two pods');
    for (const p of pods) {
      expect(p.metadata.finalizers).toContain(JOB_TRACKING_FINALIZER);
      expect(p.metadata.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'Job', name: 'three', uid: created.metadata.uid, controller: true, blockOwnerDeletion: true }]);
      expect(p.metadata.labels!['batch.kubernetes.io/controller-uid']).toBe(created.metadata.uid);
    }
    await eventually(async () => (await jobs().get(NS, 'three')).status?.ready === 2, 'two ready');
    const running = await jobs().get(NS, 'three');
    expect(running.status).toMatchObject({ active: 2, ready: 2, terminating: 0 });
    expect(running.status.startTime).toBeTruthy();
    await finish(pods[0]!, 'Succeeded');
    await eventually(async () => (await jobs().get(NS, 'three')).status?.succeeded === 1, 'one success');
    pods = await eventually(async () => ((await livePods('three')).length === 2 ? livePods('three') : undefined), 'a second wave');
    for (const p of pods) await finish(p, 'Succeeded');
    const done = await finishedJob('three', 'Complete');
    expect(done.status).toMatchObject({ succeeded: 3, ready: 0, terminating: 0, uncountedTerminatedPods: {} });
    expect(done.status.active).toBeUndefined();
    expect(done.status.completionTime).toBeTruthy();
    expect(done.status.conditions.map((c: any) => [c.type, c.status, c.reason])).toEqual([
      ['SuccessCriteriaMet', 'True', 'CompletionsReached'],
      ['Complete', 'True', 'CompletionsReached'],
    ]);
    // Counted pods keep no finalizer and no more pods were made than needed.
    const all = await podsOf('three');
    expect(all).toHaveLength(3);
    expect(all.every((p) => !p.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER))).toBe(true);
  });

  it('recreates failed pods after a backoff and fails at backoffLimit', async () => {
    await jobs().create(body('flaky', { backoffLimit: 1 }));
    const [first] = await eventually(async () => ((await livePods('flaky')).length === 1 ? livePods('flaky') : undefined), 'the first pod');
    const failedAt = Date.now();
    await finishPod(cp.admin, NS, first!.metadata.name!, { phase: 'Failed', finishedAtMs: failedAt });
    const [second] = await eventually(async () => ((await livePods('flaky')).length === 1 ? livePods('flaky') : undefined), 'a replacement');
    // The backoff runs from the finish time the pod reports, which has whole seconds.
    expect(Date.now() - Math.floor(failedAt / 1000) * 1000).toBeGreaterThanOrEqual(BACKOFF_MS);
    expect(second!.metadata.uid).not.toBe(first!.metadata.uid);
    expect((await jobs().get(NS, 'flaky')).status?.failed).toBe(1);
    await finish(second!, 'Failed');
    const failed = await finishedJob('flaky', 'Failed');
    expect(failed.status.failed).toBe(2);
    expect(failed.status.completionTime).toBeUndefined();
    expect(failed.status.conditions.map((c: any) => [c.type, c.reason])).toEqual([
      ['FailureTarget', 'BackoffLimitExceeded'],
      ['Failed', 'BackoffLimitExceeded'],
    ]);
    expect(condition(failed, 'Failed').message).toBe('Job has reached the specified backoff limit');
    expect(await livePods('flaky')).toHaveLength(0);
  });

  it('fails a job running longer than activeDeadlineSeconds and removes its pods', async () => {
    await jobs().create(body('slow', { activeDeadlineSeconds: 1, parallelism: 2, completions: 4 }));
    await eventually(async () => (await livePods('slow')).length === 2, 'two pods');
    const failed = await finishedJob('slow', 'Failed');
    expect(condition(failed, 'Failed')).toMatchObject({ reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });
    expect(failed.status.failed).toBe(2);
    await eventually(async () => (await podsOf('slow')).length === 0, 'the pods to be deleted');
  });

  it('gives Indexed pods their completion index and tracks completed indexes', async () => {
    await jobs().create(body('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
    const pods = await eventually(async () => ((await livePods('idx')).length === 3 ? livePods('idx') : undefined), 'three pods');
    const byIndex = new Map(pods.map((p) => [p.metadata.annotations![COMPLETION_INDEX], p]));
    expect([...byIndex.keys()].sort()).toEqual(['0', '1', '2']);
    for (const [i, p] of byIndex) {
      expect(p.metadata.labels![COMPLETION_INDEX]).toBe(i);
      expect(p.metadata.name).toMatch(new RegExp(`^idx-${i}-[a-z0-9]{5}$`));
      expect(p.spec.hostname).toBe(`idx-${i}`);
      expect(p.spec.containers[0].env).toContainEqual({ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: `metadata.annotations['${COMPLETION_INDEX}']` } } });
    }
    await finish(byIndex.get('1')!, 'Succeeded');
    await eventually(async () => (await jobs().get(NS, 'idx')).status?.completedIndexes === '1', 'index 1 completed');
    // A failed index is retried with a pod of the same index.
    await finish(byIndex.get('0')!, 'Failed');
    const again = await eventually(async () => (await livePods('idx')).find((p) => p.metadata.annotations![COMPLETION_INDEX] === '0' && p.metadata.uid !== byIndex.get('0')!.metadata.uid), 'a new pod for index 0');
    await finish(again, 'Succeeded');
    await finish(byIndex.get('2')!, 'Succeeded');
    const done = await finishedJob('idx', 'Complete');
    expect(done.status).toMatchObject({ completedIndexes: '0-2', succeeded: 3, failed: 1 });
  });

  it('follows podFailurePolicy: Ignore is not counted, FailJob fails the job at once', async () => {
    const policy = {
      rules: [
        { action: 'Ignore', onExitCodes: { operator: 'In', values: [3] } },
        { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } },
      ],
    };
    await jobs().create(body('pfp', { backoffLimit: 5, podFailurePolicy: policy }));
    const [first] = await eventually(async () => ((await livePods('pfp')).length === 1 ? livePods('pfp') : undefined), 'the first pod');
    await finish(first!, 'Failed', 3);
    const [second] = await eventually(async () => ((await livePods('pfp')).length === 1 ? livePods('pfp') : undefined), 'a replacement for the ignored failure');
    expect(second!.metadata.uid).not.toBe(first!.metadata.uid);
    expect((await jobs().get(NS, 'pfp')).status?.failed).toBeUndefined();
    await finish(second!, 'Failed', 42);
    const failed = await finishedJob('pfp', 'Failed');
    expect(condition(failed, 'Failed')).toMatchObject({ reason: 'PodFailurePolicy', message: `Container main for pod ${NS}/${second!.metadata.name} failed with exit code 42 matching FailJob rule at index 1` });
    expect(failed.status.failed).toBe(1);
  });

  it('suspends and resumes', async () => {
    await jobs().create(body('susp', { suspend: true, parallelism: 2, completions: 2 }));
    const suspended = await eventually(async () => {
      const j = await jobs().get(NS, 'susp');
      return condition(j, 'Suspended') ? j : undefined;
    }, 'the Suspended condition');
    expect(condition(suspended, 'Suspended')).toMatchObject({ reason: 'JobSuspended', message: 'Job suspended' });
    expect(suspended.status.startTime).toBeUndefined();
    expect(await podsOf('susp')).toHaveLength(0);
    await jobs().patch(NS, 'susp', 'merge', { spec: { suspend: false } });
    await eventually(async () => (await livePods('susp')).length === 2, 'pods after resume');
    const resumed = await jobs().get(NS, 'susp');
    expect(resumed.status.conditions.find((c: any) => c.type === 'Suspended')).toMatchObject({ status: 'False', reason: 'JobResumed' });
    expect(resumed.status.startTime).toBeTruthy();
    await jobs().patch(NS, 'susp', 'merge', { spec: { suspend: true } });
    await eventually(async () => (await podsOf('susp')).length === 0, 'active pods deleted on suspend');
    const again = await jobs().get(NS, 'susp');
    expect(again.status.failed).toBeUndefined();
    expect(again.status.active).toBeUndefined();
  });

  it('deletes a finished job after ttlSecondsAfterFinished, pods included', async () => {
    await jobs().create(body('ttl', { ttlSecondsAfterFinished: 1 }));
    const [p] = await eventually(async () => ((await livePods('ttl')).length === 1 ? livePods('ttl') : undefined), 'the pod');
    await finish(p!, 'Succeeded');
    await finishedJob('ttl', 'Complete');
    await eventually(async () => jobs().get(NS, 'ttl').then(() => false, (e: unknown) => isNotFound(e)), 'the job to be deleted');
    await eventually(async () => (await podsOf('ttl')).length === 0, 'its pods to be deleted');
  });

  it('lets the pods of a deleted job go despite the tracking finalizer', async () => {
    await jobs().create(body('gone', { parallelism: 2, completions: 2 }));
    await eventually(async () => (await livePods('gone')).length === 2, 'two pods');
    await jobs().delete(NS, 'gone', { propagationPolicy: 'Background' });
    await eventually(async () => (await podsOf('gone')).length === 0, 'the pods to be deleted');
  });
});
