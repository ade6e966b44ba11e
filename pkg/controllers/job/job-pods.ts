// The pods a Job creates (from its template, with the tracking finalizer and, for Indexed Jobs,
// the completion index as annotation, label, JOB_COMPLETION_INDEX and hostname), and which pods
// go first when there are too many.
import type { KubeObject } from '../../api/types';
import { asArray, asObject } from '../../api/validation/json';
import { compareForDeletion, controllerRef, podFromTemplate } from '../internal/pods';
import { COMPLETION_INDEX, COMPLETION_INDEX_ENV, JOB_TRACKING_FINALIZER, completionIndex, completionsOf, intervalsHas, isIndexed, type Interval } from './job-util';

/** Generated names stay within 63 characters with the 5-character random suffix. */
const MAX_GENERATED_PREFIX = 58;

export function indexedGenerateName(jobName: string, index: number): string {
  const suffix = `-${index}-`;
  const prefix = jobName + suffix;
  return prefix.length > MAX_GENERATED_PREFIX ? jobName.slice(0, MAX_GENERATED_PREFIX - suffix.length) + suffix : prefix;
}

function addIndexEnv(containers: unknown): void {
  for (const c of asArray(containers) ?? []) {
    const container = asObject(c);
    if (!container) continue;
    const env = (asArray(container.env) ?? []) as Record<string, unknown>[];
    if (env.some((e) => e.name === COMPLETION_INDEX_ENV)) continue;
    container.env = [...env, { name: COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: `metadata.annotations['${COMPLETION_INDEX}']` } } }];
  }
}

/** A new pod for `job`; `index` for Indexed Jobs. */
export function jobPod(job: KubeObject, index?: number): KubeObject {
  const pod = podFromTemplate(asObject(job.spec)?.template, job, controllerRef(job, 'batch/v1', 'Job'));
  const finalizers = pod.metadata.finalizers ?? [];
  pod.metadata.finalizers = finalizers.includes(JOB_TRACKING_FINALIZER) ? finalizers : [...finalizers, JOB_TRACKING_FINALIZER];
  if (index !== undefined) {
    const name = String(job.metadata.name);
    pod.metadata.generateName = indexedGenerateName(name, index);
    pod.metadata.annotations = { ...pod.metadata.annotations, [COMPLETION_INDEX]: String(index) };
    pod.metadata.labels = { ...pod.metadata.labels, [COMPLETION_INDEX]: String(index) };
    const spec = pod.spec as Record<string, unknown>;
    spec.hostname = `${name}-${index}`;
    addIndexEnv(spec.containers);
    addIndexEnv(spec.initContainers);
  }
  if (Object.keys(pod.metadata.annotations ?? {}).length === 0) delete pod.metadata.annotations;
  return pod;
}

/**
 * Active pods to delete: for Indexed Jobs every pod with an invalid index and all but one pod per
 * repeated index, then (to reach `atLeast`) the least useful of the rest.
 */
export function activePodsForRemoval(job: KubeObject, active: readonly KubeObject[], atLeast: number): KubeObject[] {
  const rm: KubeObject[] = [];
  let left: KubeObject[] = [...active];
  if (isIndexed(job)) {
    const completions = completionsOf(job) ?? 0;
    const byIndex = new Map<number, KubeObject[]>();
    left = [];
    for (const p of active) {
      const ix = completionIndex(p);
      if (ix < 0 || ix >= completions) rm.push(p);
      else byIndex.set(ix, [...(byIndex.get(ix) ?? []), p]);
    }
    for (const pods of byIndex.values()) {
      const sorted = pods.sort(compareForDeletion);
      rm.push(...sorted.slice(0, -1));
      left.push(sorted[sorted.length - 1]!);
    }
  }
  if (rm.length < atLeast) rm.push(...left.sort(compareForDeletion).slice(0, atLeast - rm.length));
  return rm;
}

/** The lowest `count` indexes that neither succeeded nor have an active (or, when waited for, terminating) pod. */
export function firstPendingIndexes(succeeded: readonly Interval[], busy: readonly KubeObject[], count: number, completions: number): number[] {
  const taken = new Set(busy.map(completionIndex));
  const out: number[] = [];
  for (let i = 0; i < completions && out.length < count; i++) if (!taken.has(i) && !intervalsHas(succeeded, i)) out.push(i);
  return out;
}
