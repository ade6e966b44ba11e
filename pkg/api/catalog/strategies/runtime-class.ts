// node.k8s.io/v1 runtimeclasses: the CRI handler (a DNS label, never changed), pod overhead and
// the scheduling constraints pods of the class get.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { child, invalid, invalidEach, required } from '../../validation/errors';
import { asObject, asString } from '../../validation/json';
import { validateLabels } from '../../validation/labels';
import { isDNS1123Label } from '../../validation/names';
import { isQuantity } from '../../validation/quantity';
import { declarativeStrategy } from './declarative';

function validateRuntimeClass(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const handler = asString(obj.handler) ?? '';
  if (handler === '') errs.push(required('handler'));
  else errs.push(...invalidEach('handler', handler, isDNS1123Label(handler)));
  const podFixed = asObject(asObject(obj.overhead)?.podFixed) ?? {};
  for (const [k, v] of Object.entries(podFixed)) if (!isQuantity(v)) errs.push(invalid(child('overhead.podFixed', k), v, 'must be a quantity'));
  const scheduling = asObject(obj.scheduling);
  if (scheduling?.nodeSelector !== undefined) errs.push(...validateLabels(scheduling.nodeSelector, 'scheduling.nodeSelector'));
  return errs;
}

export const runtimeClassStrategy: Strategy = declarativeStrategy({ namespaced: false, validate: validateRuntimeClass, immutable: ['handler'] });
