// batch/v1.
import type { ResourceDef } from '../resource-def';
import { defineResource, statusSubresource } from './define';
import { cronJobStatusStrategy, cronJobStrategy } from './strategies/cron-job';
import { jobStatusStrategy, jobStrategy } from './strategies/job';

const batch = { group: 'batch', version: 'v1', namespaced: true } as const;

export const batchV1: readonly ResourceDef[] = Object.freeze([
  defineResource({
    ...batch,
    kind: 'CronJob',
    resource: 'cronjobs',
    singular: 'cronjob',
    shortNames: ['cj'],
    categories: ['all'],
    strategy: cronJobStrategy,
    subresources: [statusSubresource('CronJob', cronJobStatusStrategy)],
  }),
  defineResource({ ...batch, kind: 'Job', resource: 'jobs', singular: 'job', categories: ['all'], strategy: jobStrategy, subresources: [statusSubresource('Job', jobStatusStrategy)] }),
]);
