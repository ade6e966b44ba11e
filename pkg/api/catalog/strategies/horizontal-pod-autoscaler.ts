// autoscaling/v2 horizontalpodautoscalers (the stored version). Facts from upstream: minReplicas
// defaults to 1 and must be ≥ 1, maxReplicas ≥ minReplicas; with no metrics the target is 80 %
// average CPU utilization; a behavior that is present gets its scale-up (no stabilization, the
// larger of 4 pods or 100 % per 15 s) and scale-down (300 s stabilization, 100 % per 15 s) rules
// filled in.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { child, index, invalid, required } from '../../validation/errors';
import { validateEnum } from '../../validation/fields';
import { asArray, asObject, asString, type JsonRecord, objectsOf } from '../../validation/json';
import { isQuantity } from '../../validation/quantity';
import { specOf } from './common';
import { declarativeStatusStrategy, declarativeStrategy } from './declarative';

export const DEFAULT_CPU_UTILIZATION = 80;
const METRIC_TYPES = ['Object', 'Pods', 'Resource', 'ContainerResource', 'External'] as const;
const TARGET_TYPES = ['Utilization', 'Value', 'AverageValue'] as const;
const POLICY_TYPES = ['Pods', 'Percent'] as const;
const SELECT_POLICIES = ['Max', 'Min', 'Disabled'] as const;

/** The autoscaling/v2 metric every HPA without metrics gets. */
export function defaultCpuMetric(utilization = DEFAULT_CPU_UTILIZATION): JsonRecord {
  return { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: utilization } } };
}

function defaultRules(rules: JsonRecord, up: boolean): void {
  if (rules.stabilizationWindowSeconds === undefined || rules.stabilizationWindowSeconds === null) rules.stabilizationWindowSeconds = up ? 0 : 300;
  if (rules.selectPolicy === undefined || rules.selectPolicy === null) rules.selectPolicy = 'Max';
  if ((asArray(rules.policies) ?? []).length === 0) {
    rules.policies = up
      ? [
          { type: 'Pods', value: 4, periodSeconds: 15 },
          { type: 'Percent', value: 100, periodSeconds: 15 },
        ]
      : [{ type: 'Percent', value: 100, periodSeconds: 15 }];
  }
}

export function defaultHpaV2(obj: KubeObject): void {
  const spec = specOf(obj);
  if (spec.minReplicas === undefined || spec.minReplicas === null) spec.minReplicas = 1;
  if ((asArray(spec.metrics) ?? []).length === 0) spec.metrics = [defaultCpuMetric()];
  const behavior = asObject(spec.behavior);
  if (behavior) {
    const up = asObject(behavior.scaleUp) ?? {};
    const down = asObject(behavior.scaleDown) ?? {};
    defaultRules(up, true);
    defaultRules(down, false);
    behavior.scaleUp = up;
    behavior.scaleDown = down;
  }
}

function validateTarget(target: unknown, path: string): FieldError[] {
  const t = asObject(target);
  if (!t) return [required(path)];
  const errs = validateEnum(t.type, TARGET_TYPES, child(path, 'type'), true);
  if (t.type === 'Utilization' && !(typeof t.averageUtilization === 'number' && t.averageUtilization > 0)) errs.push(required(child(path, 'averageUtilization'), 'must be set and greater than 0 for Utilization targets'));
  if (t.type === 'Value' && !isQuantity(t.value)) errs.push(required(child(path, 'value'), 'must be set for Value targets'));
  if (t.type === 'AverageValue' && !isQuantity(t.averageValue)) errs.push(required(child(path, 'averageValue'), 'must be set for AverageValue targets'));
  return errs;
}

function validateMetric(m: JsonRecord, path: string): FieldError[] {
  const errs = validateEnum(m.type, METRIC_TYPES, child(path, 'type'), true);
  const field = { Object: 'object', Pods: 'pods', Resource: 'resource', ContainerResource: 'containerResource', External: 'external' }[String(m.type) as (typeof METRIC_TYPES)[number]];
  if (!field) return errs;
  const source = asObject(m[field]);
  if (!source) return [...errs, required(child(path, field), `must populate information for the given metric source`)];
  if (field === 'resource' || field === 'containerResource') {
    if ((asString(source.name) ?? '') === '') errs.push(required(child(path, field, 'name')));
    if (field === 'containerResource' && (asString(source.container) ?? '') === '') errs.push(required(child(path, field, 'container')));
  } else if ((asString(asObject(source.metric)?.name) ?? '') === '') {
    errs.push(required(child(path, field, 'metric', 'name')));
  }
  if (field === 'object' && (asString(asObject(source.describedObject)?.kind) ?? '') === '') errs.push(required(child(path, field, 'describedObject', 'kind')));
  errs.push(...validateTarget(source.target, child(path, field, 'target')));
  return errs;
}

function validateRules(rules: unknown, path: string): FieldError[] {
  const r = asObject(rules);
  if (!r) return [];
  const errs = validateEnum(r.selectPolicy, SELECT_POLICIES, child(path, 'selectPolicy'));
  const window = r.stabilizationWindowSeconds;
  if (typeof window === 'number' && (window < 0 || window > 3600)) errs.push(invalid(child(path, 'stabilizationWindowSeconds'), window, 'must be between 0 and 3600'));
  for (const [p, i] of objectsOf(r.policies)) {
    const pp = index(child(path, 'policies'), i);
    errs.push(...validateEnum(p.type, POLICY_TYPES, child(pp, 'type'), true));
    if (!(typeof p.value === 'number' && p.value > 0)) errs.push(invalid(child(pp, 'value'), p.value ?? null, 'must be greater than zero'));
    if (!(typeof p.periodSeconds === 'number' && p.periodSeconds > 0 && p.periodSeconds <= 1800)) errs.push(invalid(child(pp, 'periodSeconds'), p.periodSeconds ?? null, 'must be greater than zero and less than or equal to 1800'));
  }
  return errs;
}

/** The scale target and replica bounds, common to both versions. */
export function validateHpaBounds(spec: JsonRecord): FieldError[] {
  const errs: FieldError[] = [];
  const ref = asObject(spec.scaleTargetRef) ?? {};
  if ((asString(ref.kind) ?? '') === '') errs.push(required('spec.scaleTargetRef.kind'));
  if ((asString(ref.name) ?? '') === '') errs.push(required('spec.scaleTargetRef.name'));
  const min = spec.minReplicas;
  const max = spec.maxReplicas;
  if (typeof min === 'number' && min < 1) errs.push(invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  if (typeof max !== 'number' || max < 1) errs.push(invalid('spec.maxReplicas', max ?? 0, 'must be greater than 0'));
  else if (typeof min === 'number' && max < min) errs.push(invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  return errs;
}

function validateHpaV2(obj: KubeObject): FieldError[] {
  const spec = asObject(obj.spec) ?? {};
  const errs = validateHpaBounds(spec);
  for (const [m, i] of objectsOf(spec.metrics)) errs.push(...validateMetric(m, index('spec.metrics', i)));
  const behavior = asObject(spec.behavior);
  if (behavior) {
    errs.push(...validateRules(behavior.scaleUp, 'spec.behavior.scaleUp'));
    errs.push(...validateRules(behavior.scaleDown, 'spec.behavior.scaleDown'));
  }
  return errs;
}

export const horizontalPodAutoscalerStrategy: Strategy = declarativeStrategy({ namespaced: true, defaults: defaultHpaV2, validate: validateHpaV2, hasStatus: true, generationPaths: ['spec'] });
export const horizontalPodAutoscalerStatusStrategy: Strategy = declarativeStatusStrategy();
