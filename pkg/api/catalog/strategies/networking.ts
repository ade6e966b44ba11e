// networking.k8s.io/v1: ingresses, ingress classes, network policies, IP addresses and service
// CIDRs. Facts from upstream: an Ingress needs a default backend or rules, each HTTP path a
// pathType (Exact and Prefix paths absolute) and a backend naming a service (with a port name or
// number) or a resource, not both; an IngressClass's controller never changes; a NetworkPolicy's
// port protocol defaults to TCP and policyTypes to [Ingress] plus Egress when egress rules exist;
// an IPAddress is named by the address in canonical form and its parentRef never changes; a
// ServiceCIDR holds one or two CIDRs of different families.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { child, index, invalid, invalidEach, required, tooMany } from '../../validation/errors';
import { validateEnum } from '../../validation/fields';
import { ipFamilyOf, isCIDR, isIP, validateCIDR } from '../../validation/ip';
import { asArray, asObject, asString, objectsOf, semanticEqual } from '../../validation/json';
import { validateLabelSelector } from '../../validation/labels';
import { isDNS1123Subdomain, type NameValidator } from '../../validation/names';
import { validatePortNumOrName, validateProtocol } from '../../validation/ports';
import { specOf } from './common';
import { declarativeStatusStrategy, declarativeStrategy } from './declarative';

const PATH_TYPES = ['Exact', 'Prefix', 'ImplementationSpecific'] as const;

function validateBackend(backend: unknown, path: string): FieldError[] {
  const b = asObject(backend) ?? {};
  const errs: FieldError[] = [];
  const service = asObject(b.service);
  const resource = asObject(b.resource);
  if (service && resource) return [invalid(path, b, 'cannot set both resource and service backends')];
  if (!service && !resource) return [invalid(path, b, 'resource or service backend is required')];
  if (service) {
    const name = asString(service.name) ?? '';
    if (name === '') errs.push(required(child(path, 'service', 'name')));
    const port = asObject(service.port) ?? {};
    const hasName = (asString(port.name) ?? '') !== '';
    const hasNumber = typeof port.number === 'number' && port.number !== 0;
    if (hasName && hasNumber) errs.push(invalid(child(path, 'service', 'port'), port, 'cannot set both port name & port number'));
    else if (!hasName && !hasNumber) errs.push(invalid(child(path, 'service', 'port'), port, 'port name or number is required'));
    else errs.push(...validatePortNumOrName(hasName ? port.name : port.number, child(path, 'service', 'port', hasName ? 'name' : 'number')));
  }
  if (resource) {
    if ((asString(resource.kind) ?? '') === '') errs.push(required(child(path, 'resource', 'kind')));
    if ((asString(resource.name) ?? '') === '') errs.push(required(child(path, 'resource', 'name')));
  }
  return errs;
}

function validateHost(host: string, path: string): FieldError[] {
  if (isIP(host)) return [invalid(path, host, 'must be a DNS name, not an IP address')];
  const bare = host.startsWith('*.') ? host.slice(2) : host;
  return invalidEach(path, host, isDNS1123Subdomain(bare));
}

function validateIngress(obj: KubeObject): FieldError[] {
  const spec = asObject(obj.spec) ?? {};
  const errs: FieldError[] = [];
  const rules = asArray(spec.rules) ?? [];
  if (spec.defaultBackend === undefined && rules.length === 0) errs.push(invalid('spec', spec, 'either `defaultBackend` or `rules` must be specified'));
  if (spec.defaultBackend !== undefined && spec.defaultBackend !== null) errs.push(...validateBackend(spec.defaultBackend, 'spec.defaultBackend'));
  const cls = asString(spec.ingressClassName);
  if (cls !== undefined) errs.push(...invalidEach('spec.ingressClassName', cls, isDNS1123Subdomain(cls)));
  for (const [rule, i] of objectsOf(spec.rules)) {
    const p = index('spec.rules', i);
    const host = asString(rule.host) ?? '';
    if (host !== '') errs.push(...validateHost(host, child(p, 'host')));
    const http = asObject(rule.http);
    if (!http) continue;
    const paths = objectsOf(http.paths);
    if (paths.length === 0) errs.push(required(child(p, 'http', 'paths')));
    for (const [hp, j] of paths) {
      const pp = index(child(p, 'http', 'paths'), j);
      const pathType = asString(hp.pathType) ?? '';
      if (pathType === '') errs.push(required(child(pp, 'pathType'), 'pathType must be specified'));
      else errs.push(...validateEnum(pathType, PATH_TYPES, child(pp, 'pathType')));
      const path = asString(hp.path) ?? '';
      if ((pathType === 'Exact' || pathType === 'Prefix') && !path.startsWith('/')) errs.push(invalid(child(pp, 'path'), path, 'must be an absolute path'));
      errs.push(...validateBackend(hp.backend, child(pp, 'backend')));
    }
  }
  for (const [tls, i] of objectsOf(spec.tls)) {
    (asArray(tls.hosts) ?? []).forEach((h, j) => {
      if (typeof h === 'string') errs.push(...validateHost(h, index(child(index('spec.tls', i), 'hosts'), j)));
    });
  }
  return errs;
}

export const ingressStrategy: Strategy = declarativeStrategy({ namespaced: true, validate: validateIngress, hasStatus: true, generationPaths: ['spec'] });
export const ingressStatusStrategy: Strategy = declarativeStatusStrategy();

function validateIngressClass(obj: KubeObject): FieldError[] {
  const spec = asObject(obj.spec) ?? {};
  const errs: FieldError[] = [];
  const controller = asString(spec.controller) ?? '';
  if (controller === '') errs.push(required('spec.controller'));
  else if (controller.length > 250) errs.push(invalid('spec.controller', controller, 'must be no more than 250 characters'));
  const params = asObject(spec.parameters);
  if (params) {
    if ((asString(params.kind) ?? '') === '') errs.push(required('spec.parameters.kind'));
    if ((asString(params.name) ?? '') === '') errs.push(required('spec.parameters.name'));
    errs.push(...validateEnum(params.scope, ['Cluster', 'Namespace'], 'spec.parameters.scope'));
    if (params.scope === 'Namespace' && (asString(params.namespace) ?? '') === '') errs.push(required('spec.parameters.namespace', '`parameters.scope` is set to "Namespace"'));
    if (params.scope === 'Cluster' && params.namespace !== undefined) errs.push(invalid('spec.parameters.namespace', params.namespace, '`parameters.scope` is set to "Cluster"'));
  }
  return errs;
}

export const ingressClassStrategy: Strategy = declarativeStrategy({
  namespaced: false,
  defaults(obj) {
    const params = asObject(specOf(obj).parameters);
    if (params && params.scope === undefined) params.scope = 'Cluster';
  },
  validate: validateIngressClass,
  immutable: ['spec.controller'],
});

function networkPolicyDefaults(obj: KubeObject): void {
  const spec = specOf(obj);
  if (spec.podSelector === undefined || spec.podSelector === null) spec.podSelector = {};
  for (const list of ['ingress', 'egress']) {
    for (const [rule] of objectsOf(spec[list])) for (const [port] of objectsOf(rule.ports)) if (port.protocol === undefined || port.protocol === null) port.protocol = 'TCP';
  }
  if (asArray(spec.policyTypes) === undefined || (spec.policyTypes as unknown[]).length === 0) {
    spec.policyTypes = (asArray(spec.egress) ?? []).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  }
}

function validatePeers(peers: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [peer, i] of objectsOf(peers)) {
    const p = index(path, i);
    const set = ['podSelector', 'namespaceSelector', 'ipBlock'].filter((k) => peer[k] !== undefined && peer[k] !== null);
    if (set.length === 0) errs.push(required(p, 'must specify a peer'));
    if (peer.ipBlock !== undefined && set.length > 1) errs.push(invalid(p, peer, 'may not specify both ipBlock and another peer'));
    for (const k of ['podSelector', 'namespaceSelector']) if (peer[k] !== undefined && peer[k] !== null) errs.push(...validateLabelSelector(peer[k], child(p, k)));
    const block = asObject(peer.ipBlock);
    if (block) {
      const cidr = asString(block.cidr) ?? '';
      if (cidr === '') errs.push(required(child(p, 'ipBlock', 'cidr')));
      else errs.push(...validateCIDR(cidr, child(p, 'ipBlock', 'cidr')));
      (asArray(block.except) ?? []).forEach((e, j) => errs.push(...validateCIDR(String(e), index(child(p, 'ipBlock', 'except'), j))));
    }
  }
  return errs;
}

function validatePorts(ports: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [port, i] of objectsOf(ports)) {
    const p = index(path, i);
    if (port.protocol !== undefined) errs.push(...validateProtocol(port.protocol, child(p, 'protocol')));
    if (port.port !== undefined && port.port !== null) errs.push(...validatePortNumOrName(port.port, child(p, 'port')));
    if (port.endPort !== undefined && port.endPort !== null) {
      if (typeof port.port !== 'number') errs.push(required(child(p, 'port'), 'may not be empty when endPort is set'));
      else if (typeof port.endPort !== 'number' || port.endPort < port.port) errs.push(invalid(child(p, 'endPort'), port.endPort, 'must be greater than or equal to `port`'));
    }
  }
  return errs;
}

function validateNetworkPolicy(obj: KubeObject): FieldError[] {
  const spec = asObject(obj.spec) ?? {};
  const errs = validateLabelSelector(spec.podSelector ?? {}, 'spec.podSelector');
  for (const [rule, i] of objectsOf(spec.ingress)) {
    errs.push(...validatePorts(rule.ports, child(index('spec.ingress', i), 'ports')));
    errs.push(...validatePeers(rule.from, child(index('spec.ingress', i), 'from')));
  }
  for (const [rule, i] of objectsOf(spec.egress)) {
    errs.push(...validatePorts(rule.ports, child(index('spec.egress', i), 'ports')));
    errs.push(...validatePeers(rule.to, child(index('spec.egress', i), 'to')));
  }
  const types = asArray(spec.policyTypes) ?? [];
  if (types.length > 2) errs.push(tooMany('spec.policyTypes', types.length, 2));
  types.forEach((t, i) => errs.push(...validateEnum(t, ['Ingress', 'Egress'], index('spec.policyTypes', i))));
  return errs;
}

export const networkPolicyStrategy: Strategy = declarativeStrategy({ namespaced: true, defaults: networkPolicyDefaults, validate: validateNetworkPolicy, generationPaths: ['spec'] });

/** An IPAddress's name is the address itself, in canonical form. */
export function canonicalIP(value: string): string | undefined {
  if (!isIP(value)) return undefined;
  if (ipFamilyOf(value) === 'IPv4') return value;
  return new URL(`http://[${value}]/`).hostname.slice(1, -1);
}

const nameIsCanonicalIP: NameValidator = (name, prefix) => {
  if (prefix) return ['generateName is not supported for IPAddress objects'];
  const canonical = canonicalIP(name);
  if (canonical === undefined) return ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'];
  return canonical === name ? [] : [`must be in canonical form ("${canonical}")`];
};

export const ipAddressStrategy: Strategy = declarativeStrategy({
  namespaced: false,
  name: nameIsCanonicalIP,
  required: ['spec.parentRef', 'spec.parentRef.resource', 'spec.parentRef.name'],
  immutable: ['spec.parentRef'],
});

function validateServiceCIDR(obj: KubeObject): FieldError[] {
  const cidrs = asArray(asObject(obj.spec)?.cidrs) ?? [];
  if (cidrs.length === 0) return [required('spec.cidrs')];
  if (cidrs.length > 2) return [tooMany('spec.cidrs', cidrs.length, 2)];
  const errs: FieldError[] = [];
  cidrs.forEach((c, i) => errs.push(...validateCIDR(String(c), index('spec.cidrs', i))));
  if (cidrs.length === 2 && errs.length === 0) {
    const fam = (c: unknown) => ipFamilyOf(String(c).split('/')[0] ?? '');
    if (fam(cidrs[0]) === fam(cidrs[1])) errs.push(invalid('spec.cidrs', cidrs, 'may specify no more than one IP for each IP family, i.e 192.168.0.0/24 and 2001:db8::/64'));
  }
  return errs;
}

function validateServiceCIDRUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const now = asArray(asObject(obj.spec)?.cidrs) ?? [];
  const before = asArray(asObject(old.spec)?.cidrs) ?? [];
  // A single-family ServiceCIDR may gain its second family; nothing else changes.
  const extended = before.length === 1 && now.length === 2 && semanticEqual(now[0], before[0]) && isCIDR(String(now[1]));
  return semanticEqual(now, before) || extended ? [] : [invalid('spec.cidrs', now, 'field is immutable')];
}

export const serviceCIDRStrategy: Strategy = declarativeStrategy({ namespaced: false, validate: validateServiceCIDR, validateUpdate: validateServiceCIDRUpdate, hasStatus: true });
export const serviceCIDRStatusStrategy: Strategy = declarativeStatusStrategy();
