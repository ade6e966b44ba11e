// batch/v1 jobs: v1 defaults, the generated selector and pod labels (they need metadata.uid, so
// they are set in prepareForCreate), validation of parallelism/completions/templates, and what an
// update may change.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { child, forbidden, invalid, notSupported, required } from '../../validation/errors';
import { INT32_MAX, validateEnum, validateImmutableField, validateNonNegative } from '../../validation/fields';
import { asObject, asStringMap, clone, objectsOf, semanticEqual, setDefault, type JsonRecord } from '../../validation/json';
import { isEmptyLabelSelector, labelSelectorMatches, validateLabelSelector } from '../../validation/labels';
import { nameIsDNSSubdomain } from '../../validation/names';
import { validateObjectMetaUpdate } from '../../validation/object-meta';
import { validatePodTemplateSpec } from '../../validation/pod-spec';
import { defaultPodTemplate } from '../defaults/pod-defaults';
import { metaValidator, nonNegativeStatusFields, preserveStatus, specOf, statusStrategy } from './common';
import { SELECTOR_MISMATCH } from './workload-common';

export const JOB_CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';
const MAX_INDEXED_COMPLETIONS = 100000;

/** SetDefaults_Job on a JobSpec (not applied to CronJob job templates). */
function defaultJob(obj: KubeObject): void {
  const spec = specOf(obj);
  if ((spec.completions === undefined || spec.completions === null) && (spec.parallelism === undefined || spec.parallelism === null)) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setDefault(spec, 'parallelism', 1);
  setDefault(spec, 'backoffLimit', spec.backoffLimitPerIndex !== undefined && spec.backoffLimitPerIndex !== null ? INT32_MAX : 6);
  copyTemplateLabels(obj);
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  const pfp = asObject(spec.podFailurePolicy);
  for (const [rule] of objectsOf(pfp?.rules)) for (const [pattern] of objectsOf(rule.onPodConditions)) setDefault(pattern, 'status', 'True');
  setDefault(spec, 'podReplacementPolicy', pfp ? 'Failed' : 'TerminatingOrFailed');
  setDefault(spec, 'manualSelector', false);
  defaultPodTemplate(spec.template);
}

/** A job without labels takes its pod template's. */
function copyTemplateLabels(obj: KubeObject): void {
  const labels = asStringMap(asObject(asObject(asObject(obj.spec)?.template)?.metadata)?.labels);
  if (labels && Object.keys(obj.metadata.labels ?? {}).length === 0) obj.metadata.labels = clone(labels);
}

/** Select the job's own pods by uid; label the template with uid and name (prefixed and legacy keys). */
function generateSelector(obj: KubeObject): void {
  const spec = specOf(obj);
  const template = asObject(spec.template) ?? {};
  spec.template = template;
  const meta = asObject(template.metadata) ?? {};
  template.metadata = meta;
  const labels = asObject(meta.labels) ?? {};
  meta.labels = labels;
  const name = obj.metadata.name ?? '';
  const uid = obj.metadata.uid ?? '';
  for (const k of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) setDefault(labels, k, name);
  for (const k of [LEGACY_CONTROLLER_UID_LABEL, JOB_CONTROLLER_UID_LABEL]) setDefault(labels, k, uid);
  const selector = asObject(spec.selector) ?? {};
  spec.selector = selector;
  const matchLabels = asObject(selector.matchLabels) ?? {};
  selector.matchLabels = matchLabels;
  setDefault(matchLabels, JOB_CONTROLLER_UID_LABEL, uid);
}

function prepareForCreate(obj: KubeObject): void {
  obj.status = {};
  if (asObject(obj.spec)?.manualSelector !== true) generateSelector(obj);
  copyTemplateLabels(obj);
}

/** The restart-policy rule of job pod templates. */
function validateJobRestartPolicy(spec: JsonRecord, path: string): FieldError[] {
  const podSpec = asObject(asObject(spec.template)?.spec) ?? {};
  const rp = podSpec.restartPolicy;
  const p = child(path, 'template', 'spec', 'restartPolicy');
  if (rp === undefined || rp === null || rp === '' || rp === 'Always') return [required(p, 'valid values: "OnFailure", "Never"')];
  if (rp !== 'OnFailure' && rp !== 'Never') return [notSupported(p, rp, ['OnFailure', 'Never'])];
  if (asObject(spec.podFailurePolicy) && rp !== 'Never') return [invalid(p, rp, 'only "Never" is supported when podFailurePolicy is specified')];
  return [];
}

/** JobSpec checks shared by Jobs and CronJob job templates (selector requirements differ). */
export function validateJobSpec(spec: JsonRecord, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished', 'backoffLimitPerIndex', 'maxFailedIndexes']) {
    errs.push(...validateNonNegative(spec[f], child(path, f)));
  }
  errs.push(...validateEnum(spec.completionMode, ['NonIndexed', 'Indexed'], child(path, 'completionMode')));
  if (spec.completionMode === 'Indexed') {
    if (typeof spec.completions !== 'number') errs.push(required(child(path, 'completions'), 'when completion mode is Indexed'));
    else if (spec.completions > MAX_INDEXED_COMPLETIONS) {
      errs.push(invalid(child(path, 'completions'), spec.completions, `must be less than or equal to ${MAX_INDEXED_COMPLETIONS} when completion mode is Indexed`));
    }
  } else {
    for (const f of ['backoffLimitPerIndex', 'maxFailedIndexes', 'successPolicy']) {
      if (spec[f] !== undefined && spec[f] !== null) errs.push(forbidden(child(path, f), 'requires indexed completion mode'));
    }
  }
  errs.push(...validateEnum(spec.podReplacementPolicy, asObject(spec.podFailurePolicy) ? ['Failed'] : ['Failed', 'TerminatingOrFailed'], child(path, 'podReplacementPolicy')));
  errs.push(...validatePodTemplateSpec(spec.template, child(path, 'template')));
  errs.push(...validateJobRestartPolicy(spec, path));
  return errs;
}

function validateGeneratedSelector(obj: KubeObject, spec: JsonRecord): FieldError[] {
  if (spec.manualSelector === true || !asObject(spec.selector)) return [];
  const uid = obj.metadata.uid ?? '';
  if (uid === '') return [required('metadata.uid')];
  const ok = [JOB_CONTROLLER_UID_LABEL, LEGACY_CONTROLLER_UID_LABEL].some((k) => semanticEqual(spec.selector, { matchLabels: { [k]: uid } }));
  return ok ? [] : [invalid('spec.selector', spec.selector, '`selector` not auto-generated')];
}

function validateJob(obj: KubeObject): FieldError[] {
  const errs = metaValidator(true, nameIsDNSSubdomain)(obj);
  const spec = asObject(obj.spec) ?? {};
  errs.push(...validateGeneratedSelector(obj, spec));
  const selector = asObject(spec.selector);
  if (!selector) errs.push(required('spec.selector'));
  else {
    errs.push(...validateLabelSelector(selector, 'spec.selector'));
    const labels = asObject(asObject(spec.template)?.metadata)?.labels;
    if (!isEmptyLabelSelector(selector) && !labelSelectorMatches(selector, labels)) errs.push(invalid('spec.template.metadata.labels', labels ?? {}, SELECTOR_MISMATCH));
  }
  errs.push(...validateJobSpec(spec, 'spec'));
  return errs;
}

/** Template fields a suspended job that never started may change. */
const SUSPENDED_MUTABLE_POD_FIELDS = ['nodeSelector', 'tolerations', 'affinity', 'schedulingGates'];

function validateJobUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateObjectMetaUpdate(obj.metadata, old.metadata);
  const spec = asObject(obj.spec) ?? {};
  const oldSpec = asObject(old.spec) ?? {};
  errs.push(...validateImmutableField(spec.selector, oldSpec.selector, 'spec.selector'));
  const notStarted = oldSpec.suspend === true && !asObject(old.status)?.startTime;
  const comparable = (t: unknown) => {
    const c = clone(asObject(t) ?? {});
    if (notStarted) {
      const meta = asObject(c.metadata);
      if (meta) {
        delete meta.labels;
        delete meta.annotations;
      }
      const podSpec = asObject(c.spec);
      if (podSpec) for (const f of SUSPENDED_MUTABLE_POD_FIELDS) delete podSpec[f];
    }
    return c;
  };
  if (!semanticEqual(comparable(spec.template), comparable(oldSpec.template))) errs.push(invalid('spec.template', spec.template ?? null, 'field is immutable'));
  const elastic = spec.completionMode === 'Indexed' && spec.completions === spec.parallelism && oldSpec.completions === oldSpec.parallelism;
  if (!elastic) errs.push(...validateImmutableField(spec.completions, oldSpec.completions, 'spec.completions'));
  for (const f of ['completionMode', 'podFailurePolicy', 'backoffLimitPerIndex', 'managedBy']) errs.push(...validateImmutableField(spec[f], oldSpec[f], `spec.${f}`));
  return errs;
}

export const jobStrategy: Strategy = Object.freeze({
  defaults: defaultJob,
  prepareForCreate,
  prepareForUpdate: preserveStatus,
  validate: validateJob,
  validateUpdate: validateJobUpdate,
  generationPaths: Object.freeze(['spec']),
});

export const jobStatusStrategy: Strategy = statusStrategy({
  validateStatus: nonNegativeStatusFields(['active', 'succeeded', 'failed', 'ready', 'terminating']),
});
