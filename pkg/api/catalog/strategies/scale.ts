// autoscaling/v1 Scale bodies of `<resource>/scale`, and the mapping between a scalable object
// (spec.replicas, status.replicas, spec.selector) and its Scale view.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { validateNonNegative } from '../../validation/fields';
import { asObject } from '../../validation/json';
import { labelSelectorToString } from '../../validation/labels';
import { required } from '../../validation/errors';

export const scaleStrategy: Strategy = Object.freeze({
  validate(obj: KubeObject): FieldError[] {
    const replicas = asObject(obj.spec)?.replicas;
    if (replicas === undefined || replicas === null) return [required('spec.replicas')];
    return validateNonNegative(replicas, 'spec.replicas');
  },
});

/** The Scale view of a Deployment, ReplicaSet, StatefulSet or ReplicationController. */
export function toScale(obj: KubeObject): KubeObject {
  const spec = asObject(obj.spec) ?? {};
  const status = asObject(obj.status) ?? {};
  const sel = asObject(spec.selector);
  const plainMap = sel !== undefined && !('matchLabels' in sel) && !('matchExpressions' in sel);
  const selector = sel ? labelSelectorToString(sel, plainMap) : '';
  const m = obj.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: typeof spec.replicas === 'number' ? spec.replicas : 0 },
    status: { replicas: typeof status.replicas === 'number' ? status.replicas : 0, ...(selector ? { selector } : {}) },
  };
}
