// Workload controllers inside the built dist/k3ts, driven by the real kubectl as users drive them:
// kubectl create job / cronjob (and job --from=cronjob), kubectl wait for a Job, rollout
// status / scale / set image / history / undo for StatefulSets, and rollout status / set image for
// DaemonSets on Node objects made with kubectl. No agent runs: a simulated kubelet (in this
// process) reports pods Running and Ready, ends Job pods when the test says, and finishes the
// graceful deletion of pods bound to nodes. Cron timing is tested in process with a fake clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestClient, systemClock } from '../pkg/client';
import { finishPod } from '../pkg/controllers/testing/pod-status';
import { runSimulatedKubelet } from '../pkg/controllers/testing/simulated-kubelet';
import { adminClient, eventually, startTestServer, type TestServer } from './helpers/cluster';

type Json = Record<string, any>;
const NS = 'work';

describe('workload controllers in k3ts server', () => {
  let s: TestServer;
  let admin: RestClient;
  const kubelet = new AbortController();
  let kubeletRun: Promise<void> | undefined;
  const ok = async (args: string[], input?: string) => {
    const r = await s.kubectl(['-n', NS, ...args], { input });
    if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.exitCode}):\n${r.stderr}\n${r.stdout}`);
    return r.stdout;
  };
  const json = async (args: string[]) => JSON.parse(await ok([...args, '-o', 'json'])) as Json;
  const livePods = async (selector: string) => (await json(['get', 'pods', '-l', selector])).items.filter((p: Json) => !p.metadata.deletionTimestamp) as Json[];

  beforeAll(async () => {
    s = await startTestServer();
        admin = adminClient(s);
    kubeletRun = runSimulatedKubelet({ client: admin, clock: systemClock, finishDeletions: true }, kubelet.signal);
    const r = await s.kubectl(['create', 'namespace', NS]);
    if (r.exitCode !== 0) throw new Error(r.stderr);
  }, 120_000);
  afterAll(async () => {
    kubelet.abort();
    await kubeletRun;
    admin?.close();
    await s?.stop();
  });

  it('kubectl create job runs to completion and kubectl wait sees it', async () => {
    await ok(['create', 'job', 'hello', '--image=busybox', '--', 'echo', 'hi']);
    const [pod] = await eventually(async () => {
      const ps = await livePods('job-name=hello');
      return ps.length === 1 && ps[0].status?.phase === 'Running' ? ps : undefined;
    }, 'the job pod to run');
    expect(pod.metadata.finalizers).toContain('batch.kubernetes.io/job-tracking');
    await finishPod(admin, NS, pod.metadata.name, { phase: 'Succeeded' });
    expect(await ok(['wait', '--for=condition=complete', 'job/hello', '--timeout=30s'])).toMatch(/condition met/);
    const job = await json(['get', 'job', 'hello']);
    expect(job.status).toMatchObject({ succeeded: 1 });
    expect(job.status.completionTime).toBeTruthy();
    expect(await ok(['get', 'job', 'hello'])).toMatch(/^hello\s+Complete\s+1\/1\s+/m);
  });

  it('fails a job at its backoff limit', async () => {
    await ok(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'doomed', namespace: NS }, spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } }));
    const [pod] = await eventually(async () => {
      const ps = await livePods('job-name=doomed');
      return ps.length === 1 ? ps : undefined;
    }, 'the job pod');
    await finishPod(admin, NS, pod.metadata.name, { phase: 'Failed', exitCode: 2 });
    expect(await ok(['wait', '--for=condition=failed', 'job/doomed', '--timeout=30s'])).toMatch(/condition met/);
    const failed = (await json(['get', 'job', 'doomed'])).status.conditions.find((c: Json) => c.type === 'Failed');
    expect(failed).toMatchObject({ status: 'True', reason: 'BackoffLimitExceeded' });
  });

  it('kubectl create cronjob, and a job made from it by hand', async () => {
    await ok(['create', 'cronjob', 'tick', '--image=busybox', '--schedule=*/5 * * * *', '--', 'date']);
    const cj = await json(['get', 'cronjob', 'tick']);
    expect(cj.spec).toMatchObject({ schedule: '*/5 * * * *', concurrencyPolicy: 'Allow', suspend: false });
    await ok(['create', 'job', 'tick-manual', '--from=cronjob/tick']);
    const job = await json(['get', 'job', 'tick-manual']);
    expect(job.metadata.ownerReferences[0]).toMatchObject({ kind: 'CronJob', name: 'tick', uid: cj.metadata.uid });
    const [pod] = await eventually(async () => {
      const ps = await livePods('job-name=tick-manual');
      return ps.length === 1 ? ps : undefined;
    }, 'the pod of the manual job');
    await finishPod(admin, NS, pod.metadata.name, { phase: 'Succeeded' });
    await ok(['wait', '--for=condition=complete', 'job/tick-manual', '--timeout=30s']);
    // The cronjob records its job's success.
    await eventually(async () => (await json(['get', 'cronjob', 'tick'])).status?.lastSuccessfulTime, 'lastSuccessfulTime');
  });

  const statefulSet = (image: string) =>
    JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'web', namespace: NS },
      spec: {
        replicas: 2,
        serviceName: 'web',
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    });

  it('StatefulSet: rollout status, scale, set image, history and undo', async () => {
    await ok(['apply', '-f', '-'], statefulSet('busybox:1'));
    expect(await ok(['rollout', 'status', 'sts/web', '--timeout=60s'])).toMatch(/roll out complete|rolling update complete/);
    expect((await livePods('app=web')).map((p) => p.metadata.name).sort()).toEqual(['web-0', 'web-1']);
    await ok(['scale', 'sts/web', '--replicas=3']);
    await ok(['rollout', 'status', 'sts/web', '--timeout=60s']);
    expect((await livePods('app=web')).map((p) => p.metadata.name).sort()).toEqual(['web-0', 'web-1', 'web-2']);
    expect((await json(['get', 'pvc'])).items.map((c: Json) => c.metadata.name).sort()).toEqual(['data-web-0', 'data-web-1', 'data-web-2']);
    expect(await ok(['get', 'sts', 'web'])).toMatch(/^web\s+3\/3\s+/m);

    await ok(['set', 'image', 'sts/web', 'c=busybox:2']);
    await ok(['rollout', 'status', 'sts/web', '--timeout=60s']);
    const images = async () => (await livePods('app=web')).map((p) => p.spec.containers[0].image);
    await eventually(async () => (await images()).every((i) => i === 'busybox:2') && (await images()).length === 3, 'every pod at busybox:2');
    const history = await ok(['rollout', 'history', 'sts/web']);
    expect(history).toMatch(/^1\s+/m);
    expect(history).toMatch(/^2\s+/m);

    expect(await ok(['rollout', 'undo', 'sts/web'])).toMatch(/rolled back/);
    await eventually(async () => {
      const sts = await json(['get', 'sts', 'web']);
      return sts.spec.template.spec.containers[0].image === 'busybox:1' && sts.status.currentRevision === sts.status.updateRevision && sts.status.readyReplicas === 3;
    }, 'the rollback to finish');
    await eventually(async () => (await images()).every((i) => i === 'busybox:1'), 'every pod back at busybox:1');
  });

  it('DaemonSet: one pod per node, rollout status and set image', async () => {
    for (const name of ['node-a', 'node-b']) {
      await ok(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } } }));
    }
    await ok(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: NS }, spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } } } }));
    expect(await ok(['rollout', 'status', 'ds/agent', '--timeout=60s'])).toMatch(/successfully rolled out/);
    expect((await livePods('app=agent')).map((p) => p.spec.nodeName).sort()).toEqual(['node-a', 'node-b']);
    await ok(['set', 'image', 'ds/agent', 'c=busybox:2']);
    expect(await ok(['rollout', 'status', 'ds/agent', '--timeout=60s'])).toMatch(/successfully rolled out/);
    await eventually(async () => {
      const ps = await livePods('app=agent');
      return ps.length === 2 && ps.every((p) => p.spec.containers[0].image === 'busybox:2');
    }, 'both pods at busybox:2');
    expect(await ok(['get', 'ds', 'agent'])).toMatch(/^agent\s+2\s+2\s+2\s+2\s+2\s+/m);
  });

  it('kubectl drain evicts through pods/eviction and stops at a PodDisruptionBudget', async () => {
    await ok(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-drain', labels: { 'kubernetes.io/hostname': 'node-drain' } } }));
    await ok(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'guarded', namespace: NS }, spec: { replicas: 2, selector: { matchLabels: { app: 'guarded' } }, template: { metadata: { labels: { app: 'guarded' } }, spec: { nodeName: 'node-drain', containers: [{ name: 'c', image: 'busybox' }] } } } }));
    await ok(['rollout', 'status', 'deployment/guarded', '--timeout=60s']);
    await ok(['create', 'pdb', 'guarded', '--selector=app=guarded', '--min-available=2']);
    await eventually(async () => {
      const p = await json(['get', 'pdb', 'guarded']);
      return p.status?.observedGeneration === p.metadata.generation && p.status.currentHealthy === 2;
    }, 'the budget status');
    expect(await ok(['get', 'pdb', 'guarded'])).toMatch(/^guarded\s+2\s+N\/A\s+0\s+/m);
    const blocked = await s.kubectl(['drain', 'node-drain', '--ignore-daemonsets', '--timeout=4s']);
    expect(blocked.exitCode).not.toBe(0);
    expect(blocked.stdout + blocked.stderr).toMatch(/disruption budget/);
    await ok(['patch', 'pdb', 'guarded', '--type=merge', '-p', '{"spec":{"minAvailable":1}}']);
    const drained = await s.kubectl(['drain', 'node-drain', '--ignore-daemonsets', '--timeout=60s'], { timeoutMs: 90_000 });
    expect(drained.exitCode, drained.stderr).toBe(0);
    expect(drained.stdout).toMatch(/node\/node-drain drained/);
  });

  it('kubectl create quota is counted and enforced; LimitRange defaults apply', async () => {
    const q = async (args: string[]) => {
      const r = await s.kubectl(['-n', 'qe', ...args]);
      if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')} failed:\n${r.stderr}`);
      return r.stdout;
    };
    await s.kubectl(['create', 'namespace', 'qe']);
    await q(['create', 'quota', 'q', '--hard=pods=1,count/configmaps=5']);
    await eventually(async () => JSON.parse(await q(['get', 'quota', 'q', '-o', 'json'])).status?.used?.pods === '0', 'the quota usage');
    const lr = JSON.stringify({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'lr', namespace: 'qe' }, spec: { limits: [{ type: 'Container', default: { cpu: '250m' } }] } });
    const applied = await s.kubectl(['apply', '-f', '-'], { input: lr });
    expect(applied.exitCode, applied.stderr).toBe(0);
    await q(['run', 'one', '--image=busybox']);
    const pod = JSON.parse(await q(['get', 'pod', 'one', '-o', 'json']));
    expect(pod.spec.containers[0].resources).toEqual({ limits: { cpu: '250m' }, requests: { cpu: '250m' } });
    const refused = await s.kubectl(['-n', 'qe', 'run', 'two', '--image=busybox']);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toMatch(/exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1/);
    expect(await q(['describe', 'quota', 'q'])).toMatch(/pods\s+1\s+1/);
  });
});
