// core/v1 endpoints (deprecated since 1.33 in favour of EndpointSlices, still served).
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { child, index, invalidEach, required } from '../../validation/errors';
import { validateEndpointIP } from '../../validation/ip';
import { asString, objectsOf, type JsonRecord } from '../../validation/json';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, nameIsDNSSubdomain } from '../../validation/names';
import { validateObjectMetaUpdate } from '../../validation/object-meta';
import { validatePortNumber, validateProtocol } from '../../validation/ports';
import { metaValidator } from './common';

export const ENDPOINTS_DEPRECATION_WARNING = 'v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice';

function defaults(obj: KubeObject): void {
  for (const [subset] of objectsOf(obj.subsets)) for (const [port] of objectsOf(subset.ports)) if (!asString(port.protocol)) port.protocol = 'TCP';
}

function validateAddress(addr: JsonRecord, path: string): FieldError[] {
  const errs = validateEndpointIP(asString(addr.ip) ?? '', child(path, 'ip'));
  const hostname = asString(addr.hostname);
  if (hostname) errs.push(...invalidEach(child(path, 'hostname'), hostname, isDNS1123Label(hostname)));
  const nodeName = asString(addr.nodeName);
  if (nodeName) errs.push(...invalidEach(child(path, 'nodeName'), nodeName, isDNS1123Subdomain(nodeName)));
  return errs;
}

function validate(obj: KubeObject): FieldError[] {
  const errs = metaValidator(true, nameIsDNSSubdomain)(obj);
  for (const [subset, i] of objectsOf(obj.subsets)) {
    const p = index('subsets', i);
    const addrs = objectsOf(subset.addresses);
    const notReady = objectsOf(subset.notReadyAddresses);
    if (addrs.length === 0 && notReady.length === 0) errs.push(required(p, 'must specify `addresses` or `notReadyAddresses`'));
    for (const [a, j] of addrs) errs.push(...validateAddress(a, index(child(p, 'addresses'), j)));
    for (const [a, j] of notReady) errs.push(...validateAddress(a, index(child(p, 'notReadyAddresses'), j)));
    const ports = objectsOf(subset.ports);
    for (const [port, j] of ports) {
      const pp = index(child(p, 'ports'), j);
      const name = asString(port.name) ?? '';
      if (ports.length > 1 && name === '') errs.push(required(child(pp, 'name')));
      else if (name !== '') errs.push(...invalidEach(child(pp, 'name'), name, isDNS1123Label(name)));
      errs.push(...validatePortNumber(port.port, child(pp, 'port')), ...validateProtocol(port.protocol, child(pp, 'protocol')));
      const ap = asString(port.appProtocol);
      if (ap) errs.push(...invalidEach(child(pp, 'appProtocol'), ap, isQualifiedName(ap)));
    }
  }
  return errs;
}

export const endpointsStrategy: Strategy = Object.freeze({
  defaults,
  validate,
  validateUpdate: (obj: KubeObject, old: KubeObject) => validateObjectMetaUpdate(obj.metadata, old.metadata),
  warnings: () => [ENDPOINTS_DEPRECATION_WARNING],
});
