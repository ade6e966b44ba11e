// apps/v1 statefulsets, daemonsets and controllerrevisions.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { child, forbidden, index, invalid, invalidEach, notSupported, required } from '../../validation/errors';
import { validateEnum, validateNonNegative } from '../../validation/fields';
import { asObject, asString, clone, objectsOf, semanticEqual, setDefault } from '../../validation/json';
import { isDNS1123Subdomain, nameIsDNSSubdomain } from '../../validation/names';
import { validateObjectMetaUpdate } from '../../validation/object-meta';
import { defaultPersistentVolumeClaimSpec, defaultPodTemplate } from '../defaults/pod-defaults';
import { metaValidator, nonNegativeStatusFields, preserveStatus, specOf, statusStrategy } from './common';
import { validatePVCSpec } from './persistent-volume';
import { validateCounts, validateRollingParameters, validateSelectorAndTemplate, validateSelectorImmutable } from './workload-common';

function defaultStatefulSet(obj: KubeObject): void {
  const spec = specOf(obj);
  if (!asString(spec.podManagementPolicy)) spec.podManagementPolicy = 'OrderedReady';
  const us = asObject(spec.updateStrategy) ?? {};
  spec.updateStrategy = us;
  if (!asString(us.type)) {
    us.type = 'RollingUpdate';
    if (!asObject(us.rollingUpdate)) us.rollingUpdate = {};
  }
  const ru = asObject(us.rollingUpdate);
  if (us.type === 'RollingUpdate' && ru) setDefault(ru, 'partition', 0);
  const retention = asObject(spec.persistentVolumeClaimRetentionPolicy) ?? {};
  spec.persistentVolumeClaimRetentionPolicy = retention;
  if (!asString(retention.whenDeleted)) retention.whenDeleted = 'Retain';
  if (!asString(retention.whenScaled)) retention.whenScaled = 'Retain';
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplate(spec.template);
  for (const [claim] of objectsOf(spec.volumeClaimTemplates)) {
    const claimSpec = asObject(claim.spec) ?? {};
    claim.spec = claimSpec;
    defaultPersistentVolumeClaimSpec(claimSpec);
    const status = asObject(claim.status) ?? {};
    if (!asString(status.phase)) status.phase = 'Pending';
    claim.status = status;
  }
}

const STATEFULSET_MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

function validateStatefulSet(obj: KubeObject): FieldError[] {
  const errs = metaValidator(true, nameIsDNSSubdomain)(obj);
  const spec = asObject(obj.spec) ?? {};
  errs.push(...validateCounts(spec, ['replicas', 'minReadySeconds', 'revisionHistoryLimit']));
  errs.push(...validateNonNegative(asObject(spec.ordinals)?.start, 'spec.ordinals.start'));
  errs.push(...validateEnum(spec.podManagementPolicy, ['OrderedReady', 'Parallel'], 'spec.podManagementPolicy', true));
  const us = asObject(spec.updateStrategy) ?? {};
  if (us.type === 'OnDelete') {
    if (us.rollingUpdate !== undefined && us.rollingUpdate !== null) errs.push(forbidden('spec.updateStrategy.rollingUpdate', "only allowed for updateStrategy 'RollingUpdate'"));
  } else if (us.type === 'RollingUpdate') {
    const ru = asObject(us.rollingUpdate) ?? {};
    errs.push(...validateNonNegative(ru.partition, 'spec.updateStrategy.rollingUpdate.partition'));
    if (ru.maxUnavailable !== undefined && ru.maxUnavailable !== null) errs.push(...validateRollingParameters({ maxUnavailable: ru.maxUnavailable }, 'spec.updateStrategy.rollingUpdate', false));
  } else {
    errs.push(invalid('spec.updateStrategy', us, "must be 'RollingUpdate' or 'OnDelete'"));
  }
  const retention = asObject(spec.persistentVolumeClaimRetentionPolicy) ?? {};
  errs.push(...validateEnum(retention.whenDeleted, ['Retain', 'Delete'], 'spec.persistentVolumeClaimRetentionPolicy.whenDeleted'));
  errs.push(...validateEnum(retention.whenScaled, ['Retain', 'Delete'], 'spec.persistentVolumeClaimRetentionPolicy.whenScaled'));
  const serviceName = asString(spec.serviceName);
  if (serviceName) errs.push(...invalidEach('spec.serviceName', serviceName, isDNS1123Subdomain(serviceName)));
  errs.push(...validateSelectorAndTemplate(spec, { kindWord: 'statefulset', activeDeadlineDetail: 'activeDeadlineSeconds in StatefulSet is not Supported' }));
  for (const [claim, i] of objectsOf(spec.volumeClaimTemplates)) {
    const p = index('spec.volumeClaimTemplates', i);
    const name = asString(asObject(claim.metadata)?.name) ?? '';
    if (name === '') errs.push(required(child(p, 'metadata', 'name')));
    else errs.push(...invalidEach(child(p, 'metadata', 'name'), name, isDNS1123Subdomain(name)));
    errs.push(...validatePVCSpec(claim.spec, child(p, 'spec')));
  }
  return errs;
}

function validateStatefulSetUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateObjectMetaUpdate(obj.metadata, old.metadata);
  const strip = (s: unknown) => {
    const c = clone(asObject(s) ?? {});
    for (const k of STATEFULSET_MUTABLE) delete c[k];
    return c;
  };
  if (!semanticEqual(strip(obj.spec), strip(old.spec))) {
    errs.push(
      forbidden(
        'spec',
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    );
  }
  return errs;
}

export const statefulSetStrategy: Strategy = Object.freeze({
  defaults: defaultStatefulSet,
  prepareForCreate(obj: KubeObject) {
    obj.status = { replicas: 0, availableReplicas: 0 };
  },
  prepareForUpdate: preserveStatus,
  validate: validateStatefulSet,
  validateUpdate: validateStatefulSetUpdate,
  generationPaths: Object.freeze(['spec']),
});

export const statefulSetStatusStrategy: Strategy = statusStrategy({
  validateStatus: nonNegativeStatusFields(['observedGeneration', 'replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas', 'collisionCount']),
});

function defaultDaemonSet(obj: KubeObject): void {
  const spec = specOf(obj);
  const us = asObject(spec.updateStrategy) ?? {};
  spec.updateStrategy = us;
  if (!asString(us.type)) us.type = 'RollingUpdate';
  if (us.type === 'RollingUpdate') {
    const ru = asObject(us.rollingUpdate) ?? {};
    us.rollingUpdate = ru;
    setDefault(ru, 'maxUnavailable', 1);
    setDefault(ru, 'maxSurge', 0);
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplate(spec.template);
}

function validateDaemonSet(obj: KubeObject): FieldError[] {
  const errs = metaValidator(true, nameIsDNSSubdomain)(obj);
  const spec = asObject(obj.spec) ?? {};
  errs.push(...validateCounts(spec, ['minReadySeconds', 'revisionHistoryLimit']));
  errs.push(...validateSelectorAndTemplate(spec, { kindWord: 'daemonset', activeDeadlineDetail: 'activeDeadlineSeconds in DaemonSet is not Supported' }));
  const us = asObject(spec.updateStrategy) ?? {};
  if (us.type === 'RollingUpdate') {
    const ru = asObject(us.rollingUpdate);
    if (!ru) errs.push(required('spec.updateStrategy.rollingUpdate'));
    else errs.push(...validateRollingParameters(ru, 'spec.updateStrategy.rollingUpdate'));
  } else if (us.type !== 'OnDelete') {
    errs.push(notSupported('spec.updateStrategy.type', us.type ?? '', ['OnDelete', 'RollingUpdate']));
  }
  return errs;
}

export const daemonSetStrategy: Strategy = Object.freeze({
  defaults: defaultDaemonSet,
  prepareForCreate(obj: KubeObject) {
    obj.status = { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
  },
  prepareForUpdate: preserveStatus,
  validate: validateDaemonSet,
  validateUpdate: (obj: KubeObject, old: KubeObject) => [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validateSelectorImmutable(obj, old)],
  generationPaths: Object.freeze(['spec']),
});

export const daemonSetStatusStrategy: Strategy = statusStrategy({
  validateStatus: nonNegativeStatusFields([
    'currentNumberScheduled',
    'numberMisscheduled',
    'desiredNumberScheduled',
    'numberReady',
    'observedGeneration',
    'updatedNumberScheduled',
    'numberAvailable',
    'numberUnavailable',
    'collisionCount',
  ]),
});

export const controllerRevisionStrategy: Strategy = Object.freeze({
  validate(obj: KubeObject): FieldError[] {
    const errs = metaValidator(true, nameIsDNSSubdomain)(obj);
    if (obj.data === undefined || obj.data === null) errs.push(required('data', 'data is mandatory'));
    errs.push(...validateNonNegative(obj.revision, 'revision'));
    return errs;
  },
  validateUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
    const errs = validateObjectMetaUpdate(obj.metadata, old.metadata);
    if (!semanticEqual(obj.data, old.data)) errs.push(invalid('data', obj.data ?? null, 'field is immutable'));
    return errs;
  },
});
