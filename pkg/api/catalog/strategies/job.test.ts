import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../types';
import { createBuiltinCatalog } from '../catalog';
import { describeErrors, runCreate, runUpdate } from '../strategy-runner';

const catalog = createBuiltinCatalog();
const jobs = catalog.resource('batch', 'v1', 'jobs')!;
const cronjobs = catalog.resource('batch', 'v1', 'cronjobs')!;
const UID = '3b2f5a4e-0000-4000-8000-000000000001';

/** What `kubectl create job pi --image=perl` sends. */
function kubectlJob(): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', creationTimestamp: null },
    spec: { template: { metadata: { creationTimestamp: null }, spec: { containers: [{ name: 'pi', image: 'perl', resources: {} }], restartPolicy: 'Never' } } },
    status: {},
  } as KubeObject;
}

describe('job strategy', () => {
  it('applies batch/v1 defaults and generates selector and labels from the uid', () => {
    const { object, errors } = runCreate(jobs, kubectlJob(), { uid: UID });
    expect(errors).toEqual([]);
    const labels = { 'batch.kubernetes.io/controller-uid': UID, 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': UID, 'job-name': 'pi' };
    expect(object.spec).toMatchObject({
      completions: 1,
      parallelism: 1,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      suspend: false,
      manualSelector: false,
      podReplacementPolicy: 'TerminatingOrFailed',
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': UID } },
      template: { metadata: { labels }, spec: { restartPolicy: 'Never', dnsPolicy: 'ClusterFirst', terminationGracePeriodSeconds: 30 } },
    });
    expect(object.metadata.labels).toEqual(labels);
    expect(object.status).toEqual({});
  });

  it('only defaults parallelism when completions is set', () => {
    const j = kubectlJob();
    (j.spec as any).completions = 5;
    expect(runCreate(jobs, j).object.spec).toMatchObject({ completions: 5, parallelism: 1 });
    const p = kubectlJob();
    (p.spec as any).parallelism = 3;
    expect((runCreate(jobs, p).object.spec as any).completions).toBeUndefined();
  });

  it('requires OnFailure or Never and rejects hand-written selectors', () => {
    const always = kubectlJob();
    delete (always.spec as any).template.spec.restartPolicy;
    expect(describeErrors(runCreate(jobs, always).errors)).toEqual(['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']);

    const own = kubectlJob();
    (own.spec as any).selector = { matchLabels: { app: 'pi' } };
    (own.spec as any).template.metadata.labels = { app: 'pi' };
    expect(describeErrors(runCreate(jobs, own, { uid: UID }).errors)).toEqual([
      `spec.selector: Invalid value: {"matchLabels":{"app":"pi","batch.kubernetes.io/controller-uid":"${UID}"}}: \`selector\` not auto-generated`,
    ]);
    (own.spec as any).manualSelector = true;
    expect(runCreate(jobs, own).errors).toEqual([]);

    const indexed = kubectlJob();
    (indexed.spec as any).completionMode = 'Indexed';
    (indexed.spec as any).parallelism = 2;
    expect(describeErrors(runCreate(jobs, indexed).errors)).toEqual(['spec.completions: Required value: when completion mode is Indexed']);
  });

  it('keeps selector and template immutable', () => {
    const created = runCreate(jobs, kubectlJob(), { uid: UID }).object;
    const next = structuredClone(created);
    (next.spec as any).template.spec.containers[0].image = 'perl:5';
    (next.spec as any).completions = 2;
    const errs = runUpdate(jobs, next, created).errors;
    expect(errs.map((e) => e.field)).toEqual(['spec.template', 'spec.completions']);
    expect(errs[0]!.detail).toMatch(/: field is immutable$/);
    expect(errs[1]!.detail).toBe('Invalid value: 2: field is immutable');
  });
});

describe('cronjob strategy', () => {
  function kubectlCronJob(schedule = '*/1 * * * *', name = 'hello'): KubeObject {
    return {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name },
      spec: { schedule, jobTemplate: { metadata: { name }, spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }], restartPolicy: 'OnFailure' } } } } },
    } as KubeObject;
  }

  it('applies defaults', () => {
    const { object, errors } = runCreate(cronjobs, kubectlCronJob());
    expect(errors).toEqual([]);
    expect(object.spec).toMatchObject({ concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    expect((object.spec as any).jobTemplate.spec.template.spec.dnsPolicy).toBe('ClusterFirst');
    expect((object.spec as any).jobTemplate.spec.backoffLimit).toBeUndefined();
  });

  it.each(['@hourly', '0 0 * * MON-FRI', '*/5 1-3 1,15 JAN,jun ?', '@every 1h30m'])('accepts the schedule %s', (schedule) => {
    expect(runCreate(cronjobs, kubectlCronJob(schedule)).errors).toEqual([]);
  });

  it('rejects bad schedules, time zones and long names', () => {
    expect(describeErrors(runCreate(cronjobs, kubectlCronJob('61 * * * *')).errors)).toEqual(['spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61']);
    expect(describeErrors(runCreate(cronjobs, kubectlCronJob('* * *')).errors)).toEqual(['spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: * * *']);
    expect(describeErrors(runCreate(cronjobs, kubectlCronJob('TZ=UTC 0 * * * *')).errors)).toEqual([
      'spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
    ]);
    const tz = kubectlCronJob();
    (tz.spec as any).timeZone = 'Mars/Olympus';
    expect(describeErrors(runCreate(cronjobs, tz).errors)).toEqual(['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus']);
    (tz.spec as any).timeZone = 'Europe/Berlin';
    expect(runCreate(cronjobs, tz).errors).toEqual([]);
    const long = 'x'.repeat(53);
    expect(describeErrors(runCreate(cronjobs, kubectlCronJob('@daily', long)).errors)).toEqual([`metadata.name: Invalid value: "${long}": must be no more than 52 characters`]);
  });
});
