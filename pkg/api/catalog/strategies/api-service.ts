// apiregistration.k8s.io/v1 apiservices. Facts from upstream: an APIService is named
// `<version>.<group>`; groupPriorityMinimum is 1–20000 and versionPriority 1–1000; a service
// reference needs a namespace and name (port 443 by default); caBundle and
// insecureSkipTLSVerify exclude each other; without a service the group version is served by
// the API server itself ("Local").
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { invalid, required } from '../../validation/errors';
import { asObject, asString } from '../../validation/json';
import { specOf } from './common';
import { declarativeStatusStrategy, declarativeStrategy } from './declarative';

function validateApiService(obj: KubeObject): FieldError[] {
  const spec = asObject(obj.spec) ?? {};
  const errs: FieldError[] = [];
  const group = asString(spec.group) ?? '';
  const version = asString(spec.version) ?? '';
  if (version === '') errs.push(required('spec.version'));
  const name = String(obj.metadata.name ?? '');
  if (version !== '' && name !== `${version}.${group}`) errs.push(invalid('metadata.name', name, `must be ${version}.${group}`));
  const gp = spec.groupPriorityMinimum;
  if (!(typeof gp === 'number' && gp >= 1 && gp <= 20000)) errs.push(invalid('spec.groupPriorityMinimum', gp ?? 0, 'must be positive and less than 20000'));
  const vp = spec.versionPriority;
  if (!(typeof vp === 'number' && vp >= 1 && vp <= 1000)) errs.push(invalid('spec.versionPriority', vp ?? 0, 'must be positive and less than 1000'));
  const service = asObject(spec.service);
  if (service) {
    if ((asString(service.namespace) ?? '') === '') errs.push(required('spec.service.namespace'));
    if ((asString(service.name) ?? '') === '') errs.push(required('spec.service.name'));
    const port = service.port;
    if (typeof port === 'number' && (port < 1 || port > 65535)) errs.push(invalid('spec.service.port', port, 'port is not valid: must be between 1 and 65535, inclusive'));
    if (spec.insecureSkipTLSVerify === true && (asString(spec.caBundle) ?? '') !== '') errs.push(invalid('spec.insecureSkipTLSVerify', true, 'may not be true if caBundle is present'));
  } else {
    if (spec.insecureSkipTLSVerify === true) errs.push(invalid('spec.insecureSkipTLSVerify', true, 'local APIServices may not have insecureSkipTLSVerify'));
    if ((asString(spec.caBundle) ?? '') !== '') errs.push(invalid('spec.caBundle', '<value omitted>', 'local APIServices may not have a caBundle'));
  }
  return errs;
}

export const apiServiceStrategy: Strategy = declarativeStrategy({
  namespaced: false,
  name: () => [],
  defaults(obj) {
    const service = asObject(specOf(obj).service);
    if (service && (service.port === undefined || service.port === null)) service.port = 443;
  },
  validate: validateApiService,
  hasStatus: true,
});
export const apiServiceStatusStrategy: Strategy = declarativeStatusStrategy();
