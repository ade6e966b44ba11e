// The CronJob controller against the real API server (in process) with a fake clock: time moves
// only when the test says, so schedules are tested minute by minute without waiting. No Job
// controller runs here: the test finishes Jobs by writing their status.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/types';
import { FakeClock, systemClock } from '../../client/clock';
import { SharedInformerFactory } from '../../client/informer-factory';
import { RESOURCES } from '../../client/resource-ref';
import { silentLogger } from '../../log/logger';
import { startTestControlPlane, type TestControlPlane } from '../../server/test-control-plane';
import { JOBS } from '../job/job-controller';
import { CRONJOBS, cronJobController } from './cronjob-controller';
import { SCHEDULED_TIMESTAMP } from './cronjob-util';
import { eventually } from '../testing/eventually';

type Obj = KubeObject & { spec?: any; status?: any };
const NS = 'cron';
const MINUTE = 60_000;

describe('CronJob controller', () => {
  let cp: TestControlPlane;
  let clock: FakeClock;
  const cronJobs = () => cp.admin.resource<Obj>(CRONJOBS);
  const jobs = () => cp.admin.resource<Obj>(JOBS);
  const jobsOf = async (cj: string) => (await jobs().list(NS)).items.filter((j) => j.metadata.ownerReferences?.[0]?.name === cj && !j.metadata.deletionTimestamp).sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
  const body = (name: string, spec: Record<string, unknown> = {}): Obj => ({
    metadata: { name, namespace: NS },
    spec: { schedule: '* * * * *', jobTemplate: { metadata: { labels: { cron: name } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } }, ...spec },
  });
  /** Moves to `seconds` past the next whole minute of the fake clock. */
  const toNextMinute = async (seconds = 5) => clock.advanceAsync(Math.ceil((clock.now() + 1) / MINUTE) * MINUTE + seconds * 1000 - clock.now());
  const complete = async (j: Obj, type: 'Complete' | 'Failed' = 'Complete') => {
    const t = new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const fresh = await jobs().get(NS, j.metadata.name!);
    const conditions = type === 'Complete' ? [{ type: 'SuccessCriteriaMet', status: 'True' }, { type: 'Complete', status: 'True', lastTransitionTime: t }] : [{ type: 'FailureTarget', status: 'True' }, { type: 'Failed', status: 'True', lastTransitionTime: t }];
    await jobs().updateStatus({ ...fresh, status: { startTime: t, ...(type === 'Complete' ? { completionTime: t, succeeded: 1 } : { failed: 1 }), conditions } });
  };
  const cronStatus = async (name: string) => (await cronJobs().get(NS, name)).status ?? {};

  beforeAll(async () => {
    cp = await startTestControlPlane();
    await cp.admin.resource(RESOURCES.namespaces).create({ metadata: { name: NS } });
  });
  // A controller per test whose fake clock starts at real time (creationTimestamps are real).
  let stop: AbortController;
  let runs: Promise<void>[] = [];
  const startController = () => {
    stop = new AbortController();
    const log = silentLogger();
    // Real time for the caches, fake time for the controller's decisions and requeues.
    const informers = new SharedInformerFactory({ client: cp.controller, clock: systemClock, log });
    const controller = cronJobController({ defaultTimeZone: 'UTC' })({ client: cp.controller, informers, clock, log, resources: [] });
    informers.start(stop.signal);
    runs = [controller.run(stop.signal), informers.stopped()];
  };
  const stopController = async () => {
    stop.abort();
    await Promise.all(runs);
  };
  beforeEach(() => {
    clock = new FakeClock(Date.now());
    startController();
  });
  afterEach(stopController);
  afterAll(async () => {
    await cp?.stop();
  });

  it('creates one job per scheduled time (Allow), tracks it as active and records success', async () => {
    await cronJobs().create(body('every'));
    await toNextMinute();
    const [first] = await eventually(async () => ((await jobsOf('every')).length === 1 ? jobsOf('every') : undefined), 'the first job');
    const scheduled = Math.floor(clock.now() / MINUTE) * MINUTE;
    expect(first!.metadata.name).toBe(`every-${scheduled / MINUTE}`);
    expect(first!.metadata.labels).toEqual({ cron: 'every' });
    expect(first!.metadata.annotations![SCHEDULED_TIMESTAMP]).toBe(new Date(scheduled).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    const st = await eventually(async () => ((await cronStatus('every')).active?.length === 1 ? cronStatus('every') : undefined), 'the active list');
    expect(st.active[0]).toMatchObject({ kind: 'Job', name: first!.metadata.name, uid: first!.metadata.uid, apiVersion: 'batch/v1', namespace: NS });
    expect(Date.parse(st.lastScheduleTime)).toBe(scheduled);
    await toNextMinute();
    await eventually(async () => (await jobsOf('every')).length === 2, 'a second job while the first runs');
    await complete(first!);
    const after = await eventually(async () => {
      const s = await cronStatus('every');
      return s.lastSuccessfulTime && s.active?.length === 1 ? s : undefined;
    }, 'the finished job to leave the active list');
    expect(after.active[0].name).not.toBe(first!.metadata.name);
    await cronJobs().patch(NS, 'every', 'merge', { spec: { suspend: true } });
  });

  it('skips a scheduled time while a job runs under Forbid', async () => {
    await cronJobs().create(body('forbid', { concurrencyPolicy: 'Forbid' }));
    await toNextMinute();
    const [first] = await eventually(async () => ((await jobsOf('forbid')).length === 1 ? jobsOf('forbid') : undefined), 'the first job');
    await eventually(async () => (await cronStatus('forbid')).active?.length === 1, 'it to be active');
    await toNextMinute();
    await toNextMinute();
    // Let the controller look (it is woken by the clock) before checking nothing happened.
    await eventually(async () => Date.parse((await cronStatus('forbid')).lastScheduleTime) < Math.floor(clock.now() / MINUTE) * MINUTE, 'the schedule to stay put');
    expect(await jobsOf('forbid')).toHaveLength(1);
    await complete(first!);
    // Once it finished, the most recent missed time runs (no starting deadline): one job, not two.
    const minute = Math.floor(clock.now() / MINUTE);
    const second = await eventually(async () => (await jobsOf('forbid')).find((j) => j.metadata.uid !== first!.metadata.uid), 'the next job after the first finished');
    expect(second.metadata.name).toBe(`forbid-${minute}`);
    await eventually(async () => (await cronStatus('forbid')).active?.[0]?.uid === second.metadata.uid, 'it to be active');
    expect(await jobsOf('forbid')).toHaveLength(2);
    await cronJobs().patch(NS, 'forbid', 'merge', { spec: { suspend: true } });
  });

  it('replaces a running job under Replace', async () => {
    await cronJobs().create(body('replace', { concurrencyPolicy: 'Replace' }));
    await toNextMinute();
    const [first] = await eventually(async () => ((await jobsOf('replace')).length === 1 ? jobsOf('replace') : undefined), 'the first job');
    await eventually(async () => (await cronStatus('replace')).active?.length === 1, 'it to be active');
    await toNextMinute();
    const [second] = await eventually(async () => {
      const js = await jobsOf('replace');
      return js.length === 1 && js[0]!.metadata.uid !== first!.metadata.uid ? js : undefined;
    }, 'the replacement');
    const st = await eventually(async () => ((await cronStatus('replace')).active?.[0]?.uid === second!.metadata.uid ? cronStatus('replace') : undefined), 'the active list to name the replacement');
    expect(st.active).toHaveLength(1);
    await cronJobs().patch(NS, 'replace', 'merge', { spec: { suspend: true } });
  });

  it('starts nothing while suspended or when the starting deadline passed', async () => {
    await cronJobs().create(body('paused', { suspend: true }));
    await cronJobs().create(body('deadline', { startingDeadlineSeconds: 10 }));
    // Once the controller waits for the next minute (a pending timer), it goes down past that
    // minute and comes back 40 s late: too late to start the missed job.
    await eventually(async () => clock.pending() > 0, 'the controller to wait for the next minute');
    await stopController();
    expect(clock.pending()).toBe(0);
    await toNextMinute(40);
    startController();
    await eventually(async () => clock.pending() > 0, 'the restarted controller to wait for the next minute');
    expect(await jobsOf('paused')).toHaveLength(0);
    expect(await jobsOf('deadline')).toHaveLength(0);
    // On time it runs.
    await toNextMinute(3);
    await eventually(async () => (await jobsOf('deadline')).length === 1, 'a job started within the deadline');
    expect(await jobsOf('paused')).toHaveLength(0);
    await cronJobs().patch(NS, 'deadline', 'merge', { spec: { suspend: true } });
  });

  it('keeps only the history limits of finished jobs', async () => {
    await cronJobs().create(body('history', { successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 }));
    for (const type of ['Complete', 'Complete', 'Failed', 'Failed'] as const) {
      await toNextMinute();
      const js = await eventually(async () => {
        const list = await jobsOf('history');
        const fresh = list.filter((j) => !(j.status?.conditions ?? []).some((c: any) => ['Complete', 'Failed'].includes(c.type)));
        return fresh.length === 1 ? fresh : undefined;
      }, 'the new job');
      await complete(js[0]!, type);
    }
    await toNextMinute();
    await eventually(async () => {
      const list = await jobsOf('history');
      const done = (t: string) => list.filter((j) => (j.status?.conditions ?? []).some((c: any) => c.type === t)).length;
      return done('Complete') === 1 && done('Failed') === 1;
    }, 'old finished jobs to be deleted');
    await cronJobs().patch(NS, 'history', 'merge', { spec: { suspend: true } });
  });

  it('schedules in spec.timeZone', async () => {
    await cronJobs().create(body('tokyo', { schedule: '0 9 * * *', timeZone: 'Asia/Tokyo' }));
    // The next 09:00 in Tokyo is 00:00Z.
    const nextMidnight = Math.ceil(clock.now() / 86_400_000) * 86_400_000;
    await clock.advanceAsync(nextMidnight + 5_000 - clock.now());
    const [job] = await eventually(async () => ((await jobsOf('tokyo')).length === 1 ? jobsOf('tokyo') : undefined), 'the 09:00 Tokyo job');
    expect(job!.metadata.name).toBe(`tokyo-${nextMidnight / MINUTE}`);
    expect(job!.metadata.annotations![SCHEDULED_TIMESTAMP]).toMatch(/T09:00:00\+09:00$/);
  });
});
