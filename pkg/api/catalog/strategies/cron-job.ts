// batch/v1 cronjobs.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { invalid, required } from '../../validation/errors';
import { validateEnum, validateNonNegative } from '../../validation/fields';
import { cronScheduleProblem, isValidTimeZone } from '../../validation/cron';
import { asObject, asString, setDefault } from '../../validation/json';
import { validateAnnotations, validateLabels } from '../../validation/labels';
import { maxLengthMessage, nameIsDNSSubdomain } from '../../validation/names';
import { validateObjectMetaUpdate } from '../../validation/object-meta';
import { defaultPodTemplate } from '../defaults/pod-defaults';
import { metaValidator, preserveStatus, specOf, statusStrategy } from './common';
import { validateJobSpec } from './job';

/** Job names get an 11-character suffix and must stay DNS labels. */
export const CRONJOB_NAME_MAX = 52;

function defaultCronJob(obj: KubeObject): void {
  const spec = specOf(obj);
  if (!asString(spec.concurrencyPolicy)) spec.concurrencyPolicy = 'Allow';
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'successfulJobsHistoryLimit', 3);
  setDefault(spec, 'failedJobsHistoryLimit', 1);
  defaultPodTemplate(asObject(asObject(spec.jobTemplate)?.spec)?.template);
}

function validateCronJob(obj: KubeObject): FieldError[] {
  const errs = metaValidator(true, nameIsDNSSubdomain)(obj);
  const name = obj.metadata.name ?? '';
  if (name.length > CRONJOB_NAME_MAX) errs.push(invalid('metadata.name', name, maxLengthMessage(CRONJOB_NAME_MAX)));
  const spec = asObject(obj.spec) ?? {};
  const schedule = asString(spec.schedule) ?? '';
  if (schedule === '') errs.push(required('spec.schedule'));
  else if (schedule.includes('TZ')) errs.push(invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  else {
    const problem = cronScheduleProblem(schedule);
    if (problem) errs.push(invalid('spec.schedule', schedule, problem));
  }
  const tz = spec.timeZone;
  if (tz !== undefined && tz !== null && !(typeof tz === 'string' && isValidTimeZone(tz))) errs.push(invalid('spec.timeZone', tz, `unknown time zone ${String(tz)}`));
  errs.push(...validateEnum(spec.concurrencyPolicy, ['Allow', 'Forbid', 'Replace'], 'spec.concurrencyPolicy', true));
  for (const f of ['startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit']) errs.push(...validateNonNegative(spec[f], `spec.${f}`));
  const jt = asObject(spec.jobTemplate);
  if (!jt) return [...errs, required('spec.jobTemplate')];
  const jtMeta = asObject(jt.metadata) ?? {};
  errs.push(...validateLabels(jtMeta.labels, 'spec.jobTemplate.metadata.labels'), ...validateAnnotations(jtMeta.annotations, 'spec.jobTemplate.metadata.annotations'));
  const jobSpec = asObject(jt.spec) ?? {};
  if (asObject(jobSpec.selector) && jobSpec.manualSelector !== true) {
    errs.push(invalid('spec.jobTemplate.spec.selector', jobSpec.selector, '`selector` will be auto-generated'));
  }
  errs.push(...validateJobSpec(jobSpec, 'spec.jobTemplate.spec'));
  return errs;
}

export const cronJobStrategy: Strategy = Object.freeze({
  defaults: defaultCronJob,
  prepareForCreate(obj: KubeObject) {
    obj.status = {};
  },
  prepareForUpdate: preserveStatus,
  validate: validateCronJob,
  validateUpdate: (obj: KubeObject, old: KubeObject) => validateObjectMetaUpdate(obj.metadata, old.metadata),
  generationPaths: Object.freeze(['spec']),
});

export const cronJobStatusStrategy: Strategy = statusStrategy();
