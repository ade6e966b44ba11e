// batch/v1: jobs and cronjobs.
import type { TableDef } from '../resource-def';
import type { KubeObject } from '../types';
import { formatLabelSelector } from './apps-tables';
import { humanDuration, parseTimestamp, timeSince } from './human-duration';
import { age, ageColumn, col, containerCells, int, isDeleting, list, name, nameColumn, optInt, record, str, wide } from './internal/read';

/** Whether the first condition of `type` is True. */
function hasCondition(job: KubeObject, type: string): boolean {
  const c = list(job, 'status', 'conditions').find((x) => str(x, 'type') === type);
  return c !== undefined && str(c, 'status') === 'True';
}

export function jobStatus(job: KubeObject): string {
  if (hasCondition(job, 'Complete')) return 'Complete';
  if (hasCondition(job, 'Failed')) return 'Failed';
  if (isDeleting(job)) return 'Terminating';
  if (hasCondition(job, 'Suspended')) return 'Suspended';
  if (hasCondition(job, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function completions(job: KubeObject): string {
  const succeeded = int(job, 'status', 'succeeded');
  const wanted = optInt(job, 'spec', 'completions');
  if (wanted !== undefined) return `${succeeded}/${wanted}`;
  const parallelism = optInt(job, 'spec', 'parallelism') ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function duration(job: KubeObject, now: Date): string {
  const start = parseTimestamp(record(job, 'status').startTime);
  if (start === undefined) return '';
  const end = parseTimestamp(record(job, 'status').completionTime);
  return humanDuration((end ?? now.getTime()) - start);
}

const templateColumns = [wide('Containers'), wide('Images'), wide('Selector')];

export const jobTable: TableDef = {
  columns: [nameColumn, col('Status'), col('Completions'), col('Duration'), ageColumn, ...templateColumns],
  row: (o, now) => [
    name(o),
    jobStatus(o),
    completions(o),
    duration(o, now),
    age(o, now),
    ...containerCells(record(o, 'spec', 'template', 'spec')),
    formatLabelSelector(record(o, 'spec').selector),
  ],
};

export const cronJobTable: TableDef = {
  columns: [
    nameColumn,
    col('Schedule'),
    col('Timezone'),
    col('Suspend', 'boolean'),
    col('Active', 'integer'),
    col('Last Schedule'),
    ageColumn,
    ...templateColumns,
  ],
  row: (o, now) => {
    const suspend = record(o, 'spec').suspend;
    const lastSchedule = record(o, 'status').lastScheduleTime;
    const jobSpec = record(o, 'spec', 'jobTemplate', 'spec');
    return [
      name(o),
      str(o, 'spec', 'schedule'),
      str(o, 'spec', 'timeZone') || '<none>',
      // Upstream prints the pointer as text even though the column is declared boolean.
      suspend === true ? 'True' : suspend === false ? 'False' : '<unset>',
      list(o, 'status', 'active').length,
      typeof lastSchedule === 'string' && lastSchedule !== '' ? timeSince(lastSchedule, now) : '<none>',
      age(o, now),
      ...containerCells(record(jobSpec, 'template', 'spec')),
      formatLabelSelector(jobSpec.selector),
    ];
  },
};
