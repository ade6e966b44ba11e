// core/v1 podtemplates and replicationcontrollers.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { invalid, required } from '../../validation/errors';
import { asObject, asStringMap, clone, setDefault } from '../../validation/json';
import { mapSelectorMatches, validateLabels } from '../../validation/labels';
import { nameIsDNSSubdomain } from '../../validation/names';
import { validateObjectMetaUpdate } from '../../validation/object-meta';
import { validatePodTemplateSpec } from '../../validation/pod-spec';
import { defaultPodTemplate } from '../defaults/pod-defaults';
import { metaValidator, nonNegativeStatusFields, preserveStatus, specOf, statusStrategy } from './common';
import { SELECTOR_MISMATCH, validateAlwaysRestartTemplate, validateCounts } from './workload-common';

export const podTemplateStrategy: Strategy = Object.freeze({
  defaults: (obj: KubeObject) => defaultPodTemplate(obj.template),
  validate: (obj: KubeObject) => [...metaValidator(true, nameIsDNSSubdomain)(obj), ...validatePodTemplateSpec(obj.template, 'template')],
  validateUpdate: (obj: KubeObject, old: KubeObject) => validateObjectMetaUpdate(obj.metadata, old.metadata),
  generationPaths: Object.freeze(['template']),
});

function defaultRC(obj: KubeObject): void {
  const spec = specOf(obj);
  const labels = asStringMap(asObject(asObject(spec.template)?.metadata)?.labels);
  if (labels) {
    if (Object.keys(asObject(spec.selector) ?? {}).length === 0) spec.selector = clone(labels);
    if (Object.keys(obj.metadata.labels ?? {}).length === 0) obj.metadata.labels = clone(labels);
  }
  setDefault(spec, 'replicas', 1);
  defaultPodTemplate(spec.template);
}

function validateRC(obj: KubeObject): FieldError[] {
  const errs = metaValidator(true, nameIsDNSSubdomain)(obj);
  const spec = asObject(obj.spec) ?? {};
  errs.push(...validateCounts(spec, ['replicas', 'minReadySeconds']));
  const selector = asObject(spec.selector);
  if (!selector || Object.keys(selector).length === 0) errs.push(required('spec.selector'));
  else errs.push(...validateLabels(selector, 'spec.selector'));
  const template = asObject(spec.template);
  if (!template) {
    errs.push(required('spec.template'));
    return errs;
  }
  const labels = asObject(template.metadata)?.labels;
  if (selector && Object.keys(selector).length > 0 && !mapSelectorMatches(selector, labels)) {
    errs.push(invalid('spec.template.metadata.labels', labels ?? {}, SELECTOR_MISMATCH));
  }
  errs.push(...validatePodTemplateSpec(template, 'spec.template'));
  errs.push(...validateAlwaysRestartTemplate(template, 'activeDeadlineSeconds in ReplicationController is not Supported'));
  return errs;
}

export const replicationControllerStrategy: Strategy = Object.freeze({
  defaults: defaultRC,
  prepareForCreate(obj: KubeObject) {
    obj.status = { replicas: 0 };
  },
  prepareForUpdate: preserveStatus,
  validate: validateRC,
  validateUpdate: (obj: KubeObject, old: KubeObject) => validateObjectMetaUpdate(obj.metadata, old.metadata),
  generationPaths: Object.freeze(['spec']),
});

export const replicationControllerStatusStrategy: Strategy = statusStrategy({
  validateStatus: nonNegativeStatusFields(['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration']),
});
