// discovery.k8s.io/v1 endpointslices.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { child, duplicate, index, invalid, invalidEach, required, tooMany } from '../../validation/errors';
import { validateEnum, validateImmutableField } from '../../validation/fields';
import { isIPv4, isIPv6, specialIPProblem } from '../../validation/ip';
import { asArray, asString, objectsOf, setDefault } from '../../validation/json';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, nameIsDNSSubdomain } from '../../validation/names';
import { validateObjectMetaUpdate } from '../../validation/object-meta';
import { validatePortNumber, validateProtocol } from '../../validation/ports';
import { metaValidator } from './common';

export const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'] as const;
const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 20000;

function defaults(obj: KubeObject): void {
  for (const [port] of objectsOf(obj.ports)) {
    setDefault(port, 'name', '');
    if (!asString(port.protocol)) port.protocol = 'TCP';
  }
}

function validateAddress(type: unknown, address: string, path: string): FieldError[] {
  if (type === 'IPv4' || type === 'IPv6') {
    const ok = type === 'IPv4' ? isIPv4(address) : isIPv6(address);
    if (!ok) return [invalid(path, address, `must be a valid ${type} address`)];
    const problem = specialIPProblem(address);
    return problem ? [invalid(path, address, problem)] : [];
  }
  if (type === 'FQDN') return invalidEach(path, address, isDNS1123Subdomain(address));
  return [];
}

function validate(obj: KubeObject): FieldError[] {
  const errs = metaValidator(true, nameIsDNSSubdomain)(obj);
  errs.push(...validateEnum(obj.addressType, ADDRESS_TYPES, 'addressType', true));
  const endpoints = asArray(obj.endpoints) ?? [];
  if (endpoints.length > MAX_ENDPOINTS) errs.push(tooMany('endpoints', endpoints.length, MAX_ENDPOINTS));
  for (const [ep, i] of objectsOf(endpoints)) {
    const p = index('endpoints', i);
    const addrs = asArray(ep.addresses) ?? [];
    if (addrs.length === 0) errs.push(required(child(p, 'addresses'), 'must contain at least 1 address'));
    else if (addrs.length > MAX_ADDRESSES) errs.push(tooMany(child(p, 'addresses'), addrs.length, MAX_ADDRESSES));
    addrs.forEach((a, j) => errs.push(...validateAddress(obj.addressType, typeof a === 'string' ? a : '', index(child(p, 'addresses'), j))));
    const hostname = asString(ep.hostname);
    if (hostname) errs.push(...invalidEach(child(p, 'hostname'), hostname, isDNS1123Label(hostname)));
    const nodeName = asString(ep.nodeName);
    if (nodeName) errs.push(...invalidEach(child(p, 'nodeName'), nodeName, isDNS1123Subdomain(nodeName)));
  }
  const ports = asArray(obj.ports) ?? [];
  if (ports.length > MAX_PORTS) errs.push(tooMany('ports', ports.length, MAX_PORTS));
  const names = new Set<string>();
  for (const [port, i] of objectsOf(ports)) {
    const p = index('ports', i);
    const name = asString(port.name) ?? '';
    if (name !== '') errs.push(...invalidEach(child(p, 'name'), name, isDNS1123Label(name)));
    if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
    names.add(name);
    errs.push(...validateProtocol(port.protocol, child(p, 'protocol')));
    if (port.port !== undefined && port.port !== null) errs.push(...validatePortNumber(port.port, child(p, 'port')));
    const ap = asString(port.appProtocol);
    if (ap) errs.push(...invalidEach(child(p, 'appProtocol'), ap, isQualifiedName(ap)));
  }
  return errs;
}

export const endpointSliceStrategy: Strategy = Object.freeze({
  defaults,
  validate,
  validateUpdate: (obj: KubeObject, old: KubeObject) => [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validateImmutableField(obj.addressType, old.addressType, 'addressType')],
  generationPaths: Object.freeze(['addressType', 'endpoints', 'ports']),
});
