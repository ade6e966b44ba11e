// autoscaling/v1 horizontalpodautoscalers, stored as autoscaling/v2. v1 knows only a CPU
// utilization target; what v2 has beyond it (other metrics, their current values, conditions,
// behavior) rides in annotations on the v1 form, as upstream's conversion does, so a v1 client's
// read-modify-write keeps it.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { invalid } from '../../validation/errors';
import { asArray, asObject, clone, type JsonRecord } from '../../validation/json';
import { declarativeStatusStrategy, declarativeStrategy } from './declarative';
import { defaultCpuMetric, defaultHpaV2, validateHpaBounds } from './horizontal-pod-autoscaler';

export const HPA_METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const HPA_CURRENT_METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const HPA_CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const HPA_BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
const CONVERSION_ANNOTATIONS = [HPA_METRICS_ANNOTATION, HPA_CURRENT_METRICS_ANNOTATION, HPA_CONDITIONS_ANNOTATION, HPA_BEHAVIOR_ANNOTATION];

function isCpuUtilization(m: unknown, key: 'target' | 'current'): boolean {
  const r = asObject(asObject(m)?.resource);
  const t = asObject(r?.[key]);
  return asObject(m)?.type === 'Resource' && r?.name === 'cpu' && (key === 'current' ? typeof t?.averageUtilization === 'number' : t?.type === 'Utilization');
}

function takeJson(annotations: Record<string, string>, key: string): unknown {
  const text = annotations[key];
  delete annotations[key];
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** v1 → v2 (the stored form). */
export function hpaV1ToV2(v1: KubeObject): KubeObject {
  const out = clone(v1);
  out.apiVersion = 'autoscaling/v2';
  const annotations: Record<string, string> = { ...(out.metadata.annotations ?? {}) };
  const spec = asObject(out.spec) ?? {};
  const metrics = (asArray(takeJson(annotations, HPA_METRICS_ANNOTATION)) ?? []).filter((m) => !isCpuUtilization(m, 'target'));
  if (typeof spec.targetCPUUtilizationPercentage === 'number') metrics.unshift(defaultCpuMetric(spec.targetCPUUtilizationPercentage));
  delete spec.targetCPUUtilizationPercentage;
  spec.metrics = metrics.length > 0 ? metrics : [defaultCpuMetric()];
  const behavior = takeJson(annotations, HPA_BEHAVIOR_ANNOTATION);
  if (asObject(behavior)) spec.behavior = behavior;
  const status = asObject(out.status);
  const current = asArray(takeJson(annotations, HPA_CURRENT_METRICS_ANNOTATION)) ?? [];
  const conditions = asArray(takeJson(annotations, HPA_CONDITIONS_ANNOTATION));
  if (status) {
    const cpu = status.currentCPUUtilizationPercentage;
    delete status.currentCPUUtilizationPercentage;
    const currentMetrics = current.filter((m) => !isCpuUtilization(m, 'current'));
    if (typeof cpu === 'number') currentMetrics.unshift({ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: cpu } } });
    if (currentMetrics.length > 0) status.currentMetrics = currentMetrics;
    if (conditions) status.conditions = conditions;
    if (status.desiredReplicas === undefined) status.desiredReplicas = 0;
  }
  out.metadata = { ...out.metadata };
  if (Object.keys(annotations).length > 0) out.metadata.annotations = annotations;
  else delete out.metadata.annotations;
  return out;
}

/** v2 → v1. */
export function hpaV2ToV1(v2: KubeObject): KubeObject {
  const out = clone(v2);
  out.apiVersion = 'autoscaling/v1';
  const annotations: Record<string, string> = { ...(out.metadata.annotations ?? {}) };
  for (const k of CONVERSION_ANNOTATIONS) delete annotations[k];
  const spec = asObject(out.spec) ?? {};
  const metrics = asArray(spec.metrics) ?? [];
  const cpu = metrics.find((m) => isCpuUtilization(m, 'target'));
  if (cpu) spec.targetCPUUtilizationPercentage = asObject(asObject(asObject(cpu)?.resource)?.target)?.averageUtilization;
  const others = metrics.filter((m) => m !== cpu);
  if (others.length > 0) annotations[HPA_METRICS_ANNOTATION] = JSON.stringify(others);
  delete spec.metrics;
  if (spec.behavior !== undefined) annotations[HPA_BEHAVIOR_ANNOTATION] = JSON.stringify(spec.behavior);
  delete spec.behavior;
  const status = asObject(out.status);
  if (status) {
    const current = asArray(status.currentMetrics) ?? [];
    const cpuNow = current.find((m) => isCpuUtilization(m, 'current'));
    if (cpuNow) status.currentCPUUtilizationPercentage = asObject(asObject(asObject(cpuNow)?.resource)?.current)?.averageUtilization;
    const rest = current.filter((m) => m !== cpuNow);
    if (rest.length > 0) annotations[HPA_CURRENT_METRICS_ANNOTATION] = JSON.stringify(rest);
    if (asArray(status.conditions)?.length) annotations[HPA_CONDITIONS_ANNOTATION] = JSON.stringify(status.conditions);
    delete status.currentMetrics;
    delete status.conditions;
  }
  out.metadata = { ...out.metadata };
  if (Object.keys(annotations).length > 0) out.metadata.annotations = annotations;
  else delete out.metadata.annotations;
  return out;
}

function validateHpaV1(obj: KubeObject): FieldError[] {
  const spec = asObject(obj.spec) ?? {};
  const errs = validateHpaBounds(spec);
  const cpu = spec.targetCPUUtilizationPercentage;
  if (cpu !== undefined && cpu !== null && !(typeof cpu === 'number' && cpu >= 1)) errs.push(invalid('spec.targetCPUUtilizationPercentage', cpu, 'must be greater than or equal to 1'));
  return errs;
}

function defaultHpaV1(obj: KubeObject): void {
  const spec: JsonRecord = asObject(obj.spec) ?? {};
  obj.spec = spec;
  if (spec.minReplicas === undefined || spec.minReplicas === null) spec.minReplicas = 1;
}

export const horizontalPodAutoscalerV1Strategy: Strategy = Object.freeze({
  ...declarativeStrategy({ namespaced: true, defaults: defaultHpaV1, validate: validateHpaV1, hasStatus: true, generationPaths: ['spec'] }),
  toStorage(obj: KubeObject) {
    const v2 = hpaV1ToV2(obj);
    defaultHpaV2(v2);
    return v2;
  },
  fromStorage: hpaV2ToV1,
});

/** The store converts with the parent resource's toStorage/fromStorage; the status write itself is the usual one. */
export const horizontalPodAutoscalerV1StatusStrategy: Strategy = declarativeStatusStrategy();
