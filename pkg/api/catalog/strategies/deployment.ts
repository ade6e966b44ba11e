// apps/v1 deployments and replicasets.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { forbidden, invalid, notSupported, required } from '../../validation/errors';
import { asObject, asString, setDefault } from '../../validation/json';
import { nameIsDNSSubdomain } from '../../validation/names';
import { validateObjectMetaUpdate } from '../../validation/object-meta';
import { defaultPodTemplate } from '../defaults/pod-defaults';
import { metaValidator, nonNegativeStatusFields, preserveStatus, specOf, statusStrategy } from './common';
import { validateCounts, validateRollingParameters, validateSelectorAndTemplate, validateSelectorImmutable } from './workload-common';

function defaultDeployment(obj: KubeObject): void {
  const spec = specOf(obj);
  setDefault(spec, 'replicas', 1);
  const strategy = asObject(spec.strategy) ?? {};
  spec.strategy = strategy;
  if (!asString(strategy.type)) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = asObject(strategy.rollingUpdate) ?? {};
    strategy.rollingUpdate = ru;
    setDefault(ru, 'maxUnavailable', '25%');
    setDefault(ru, 'maxSurge', '25%');
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  defaultPodTemplate(spec.template);
}

const REPLICA_SET_TEMPLATE = { activeDeadlineDetail: 'activeDeadlineSeconds in ReplicaSet is not Supported' };

function validateDeployment(obj: KubeObject): FieldError[] {
  const errs = metaValidator(true, nameIsDNSSubdomain)(obj);
  const spec = asObject(obj.spec) ?? {};
  errs.push(...validateCounts(spec, ['replicas', 'minReadySeconds', 'revisionHistoryLimit', 'progressDeadlineSeconds']));
  errs.push(...validateSelectorAndTemplate(spec, { kindWord: 'deployment', ...REPLICA_SET_TEMPLATE }));
  const strategy = asObject(spec.strategy) ?? {};
  if (strategy.type === 'Recreate') {
    if (strategy.rollingUpdate !== undefined && strategy.rollingUpdate !== null) {
      errs.push(forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
    }
  } else if (strategy.type === 'RollingUpdate') {
    const ru = asObject(strategy.rollingUpdate);
    if (!ru) errs.push(required('spec.strategy.rollingUpdate', 'this should be defaulted and never be nil'));
    else errs.push(...validateRollingParameters(ru, 'spec.strategy.rollingUpdate'));
  } else {
    errs.push(notSupported('spec.strategy.type', strategy.type ?? '', ['Recreate', 'RollingUpdate']));
  }
  const pds = spec.progressDeadlineSeconds;
  const mrs = typeof spec.minReadySeconds === 'number' ? spec.minReadySeconds : 0;
  if (typeof pds === 'number' && pds <= mrs) errs.push(invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
  return errs;
}

const DEPLOYMENT_STATUS_COUNTERS = ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas', 'terminatingReplicas', 'collisionCount'];

export const deploymentStrategy: Strategy = Object.freeze({
  defaults: defaultDeployment,
  prepareForCreate(obj: KubeObject) {
    obj.status = {};
  },
  prepareForUpdate: preserveStatus,
  validate: validateDeployment,
  validateUpdate: (obj: KubeObject, old: KubeObject) => [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validateSelectorImmutable(obj, old)],
  // Annotations are copied to the ReplicaSets, so changing them is a new generation too.
  generationPaths: Object.freeze(['spec', 'metadata.annotations']),
});

// As upstream, deployments/status keeps spec and labels but takes annotations: the deployment
// controller records the revision there without bumping the generation.
export const deploymentStatusStrategy: Strategy = statusStrategy({ validateStatus: nonNegativeStatusFields(DEPLOYMENT_STATUS_COUNTERS), writableMetadata: ['annotations'] });

function validateReplicaSet(obj: KubeObject): FieldError[] {
  const errs = metaValidator(true, nameIsDNSSubdomain)(obj);
  const spec = asObject(obj.spec) ?? {};
  errs.push(...validateCounts(spec, ['replicas', 'minReadySeconds']));
  errs.push(...validateSelectorAndTemplate(spec, { kindWord: 'deployment', ...REPLICA_SET_TEMPLATE }));
  return errs;
}

export const replicaSetStrategy: Strategy = Object.freeze({
  defaults(obj: KubeObject) {
    const spec = specOf(obj);
    setDefault(spec, 'replicas', 1);
    defaultPodTemplate(spec.template);
  },
  prepareForCreate(obj: KubeObject) {
    obj.status = { replicas: 0 };
  },
  prepareForUpdate: preserveStatus,
  validate: validateReplicaSet,
  validateUpdate: (obj: KubeObject, old: KubeObject) => [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validateSelectorImmutable(obj, old)],
  generationPaths: Object.freeze(['spec']),
});

export const replicaSetStatusStrategy: Strategy = statusStrategy({
  validateStatus: nonNegativeStatusFields(['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'terminatingReplicas', 'observedGeneration']),
});
