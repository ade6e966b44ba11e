// Checks shared by controllers that own pods through a selector and a template (Deployments,
// ReplicaSets, StatefulSets, DaemonSets, ReplicationControllers) and their rollout parameters.
import type { FieldError, KubeObject } from '../../types';
import { forbidden, invalid, invalidEach, required } from '../../validation/errors';
import { validateEnum, validateImmutableField, validateNonNegative } from '../../validation/fields';
import { asArray, asObject, asString, type JsonRecord } from '../../validation/json';
import { isEmptyLabelSelector, labelSelectorMatches, validateLabelSelector } from '../../validation/labels';
import { isValidPercent } from '../../validation/names';
import { validatePodTemplateSpec } from '../../validation/pod-spec';

export const SELECTOR_MISMATCH = '`selector` does not match template `labels`';

export interface TemplateRules {
  /** Word in "empty selector is invalid for <word>". */
  readonly kindWord: string;
  /** Detail when the template sets activeDeadlineSeconds. */
  readonly activeDeadlineDetail: string;
}

/** spec.selector (LabelSelector) + spec.template, the template's labels matching the selector. */
export function validateSelectorAndTemplate(spec: JsonRecord, rules: TemplateRules): FieldError[] {
  const errs: FieldError[] = [];
  const selector = asObject(spec.selector);
  if (!selector) errs.push(required('spec.selector'));
  else {
    errs.push(...validateLabelSelector(selector, 'spec.selector'));
    if (isEmptyLabelSelector(selector)) errs.push(invalid('spec.selector', selector, `empty selector is invalid for ${rules.kindWord}`));
  }
  const template = asObject(spec.template);
  if (!template) return [...errs, required('spec.template')];
  const labels = asObject(template.metadata)?.labels;
  if (selector && !isEmptyLabelSelector(selector) && !labelSelectorMatches(selector, labels)) {
    errs.push(invalid('spec.template.metadata.labels', labels ?? {}, SELECTOR_MISMATCH));
  }
  // A StatefulSet's containers also mount the volumes its volumeClaimTemplates stand for.
  const claimNames = (asArray(spec.volumeClaimTemplates) ?? []).map((c) => asString(asObject(asObject(c)?.metadata)?.name)).filter((n): n is string => !!n);
  errs.push(...validatePodTemplateSpec(template, 'spec.template', claimNames));
  errs.push(...validateAlwaysRestartTemplate(template, rules.activeDeadlineDetail));
  return errs;
}

/** Long-running controllers need restartPolicy Always and no activeDeadlineSeconds. */
export function validateAlwaysRestartTemplate(template: JsonRecord, activeDeadlineDetail: string): FieldError[] {
  const errs: FieldError[] = [];
  const podSpec = asObject(template.spec) ?? {};
  const rp = podSpec.restartPolicy;
  if (rp !== undefined && rp !== 'Always') errs.push(...validateEnum(rp, ['Always'], 'spec.template.spec.restartPolicy'));
  if (podSpec.activeDeadlineSeconds !== undefined && podSpec.activeDeadlineSeconds !== null) {
    errs.push(forbidden('spec.template.spec.activeDeadlineSeconds', activeDeadlineDetail));
  }
  return errs;
}

/** IntOrString "N" or "N%": non-negative, percent syntax. */
export function validateIntOrPercent(value: unknown, path: string): FieldError[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') {
    if (/^[0-9]+$/.test(value)) return [];
    return invalidEach(path, value, isValidPercent(value));
  }
  return validateNonNegative(value, path);
}

/** The number or percentage of an IntOrString (0 for unparsable). */
export function intOrPercentValue(value: unknown): { value: number; percent: boolean } {
  if (typeof value === 'number') return { value, percent: false };
  if (typeof value === 'string') {
    const m = /^([0-9]+)(%?)$/.exec(value);
    if (m) return { value: Number(m[1]), percent: m[2] === '%' };
  }
  return { value: 0, percent: false };
}

/** maxUnavailable/maxSurge: valid, ≤ 100% for maxUnavailable, not both zero. */
export function validateRollingParameters(ru: JsonRecord, path: string, surgeAllowed = true): FieldError[] {
  const errs = [...validateIntOrPercent(ru.maxUnavailable, `${path}.maxUnavailable`), ...validateIntOrPercent(ru.maxSurge, `${path}.maxSurge`)];
  const mu = intOrPercentValue(ru.maxUnavailable);
  if (mu.percent && mu.value > 100) errs.push(invalid(`${path}.maxUnavailable`, ru.maxUnavailable, 'must not be greater than 100%'));
  if (surgeAllowed && mu.value === 0 && intOrPercentValue(ru.maxSurge).value === 0) {
    errs.push(invalid(`${path}.maxUnavailable`, ru.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
  }
  return errs;
}

/** apps/v1 selectors never change after creation. */
export function validateSelectorImmutable(obj: KubeObject, old: KubeObject): FieldError[] {
  return validateImmutableField(asObject(obj.spec)?.selector, asObject(old.spec)?.selector, 'spec.selector');
}

export function validateCounts(spec: JsonRecord, fields: readonly string[]): FieldError[] {
  return fields.flatMap((f) => validateNonNegative(spec[f], `spec.${f}`));
}
