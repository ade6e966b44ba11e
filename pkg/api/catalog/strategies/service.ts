// core/v1 services: v1 defaults, IP-family and allocated-value handling on create/update (the IP
// and node-port allocators themselves live in the API server), status reset/preserve.
import type { Strategy } from '../../resource-def';
import type { KubeObject } from '../../types';
import { ipFamilyOf } from '../../validation/ip';
import { asArray, asObject, asString, clone, objectsOf, semanticEqual, setDefault, type JsonRecord } from '../../validation/json';
import { preserveStatus, specOf, statusStrategy } from './common';
import { validateService, validateServiceStatus, validateServiceUpdate } from './service-validation';

export const CLIENT_IP_AFFINITY_SECONDS = 10800;

export function needsClusterIP(spec: JsonRecord): boolean {
  return spec.type !== 'ExternalName';
}

export function needsNodePort(spec: JsonRecord): boolean {
  return spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
}

export function needsHealthCheckNodePort(spec: JsonRecord): boolean {
  return spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
}

export function externallyAccessible(spec: JsonRecord): boolean {
  return spec.type === 'LoadBalancer' || spec.type === 'NodePort' || (spec.type === 'ClusterIP' && (asArray(spec.externalIPs) ?? []).length > 0);
}

export function isHeadless(spec: JsonRecord): boolean {
  return spec.clusterIP === 'None' || (asArray(spec.clusterIPs) ?? [])[0] === 'None';
}

/** SetDefaults_Service. */
export function defaultService(obj: KubeObject): void {
  const spec = specOf(obj);
  if (!asString(spec.sessionAffinity)) spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP') {
    const timeout = asObject(asObject(spec.sessionAffinityConfig)?.clientIP)?.timeoutSeconds;
    if (timeout === undefined || timeout === null) spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: CLIENT_IP_AFFINITY_SECONDS } };
  }
  if (!asString(spec.type)) spec.type = 'ClusterIP';
  for (const [port] of objectsOf(spec.ports)) {
    if (!asString(port.protocol)) port.protocol = 'TCP';
    if (port.targetPort === undefined || port.targetPort === null || port.targetPort === 0 || port.targetPort === '') port.targetPort = port.port;
  }
  if (externallyAccessible(spec) && !asString(spec.externalTrafficPolicy)) spec.externalTrafficPolicy = 'Cluster';
  if (spec.internalTrafficPolicy === undefined || spec.internalTrafficPolicy === null) {
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer' || spec.type === 'ClusterIP') spec.internalTrafficPolicy = 'Cluster';
  }
  if (spec.type === 'LoadBalancer') {
    setDefault(spec, 'allocateLoadBalancerNodePorts', true);
    for (const [ing] of objectsOf(asObject(asObject(obj.status)?.loadBalancer)?.ingress)) {
      if (asString(ing.ip) && !asString(ing.ipMode)) ing.ipMode = 'VIP';
    }
  }
}

/**
 * Reconcile the singular clusterIP with clusterIPs: old clients send only the singular field, and
 * an update that changes or clears only one of them means the pair.
 */
function normalizeClusterIPs(spec: JsonRecord, old?: JsonRecord): void {
  const ip = asString(spec.clusterIP) ?? '';
  const ips = (asArray(spec.clusterIPs) ?? []).filter((x): x is string => typeof x === 'string');
  if (!old) {
    if (ip !== '' && ips.length === 0) spec.clusterIPs = [ip];
    else if (ip === '' && ips.length > 0) spec.clusterIP = ips[0];
    return;
  }
  const oldIP = asString(old.clusterIP) ?? '';
  const oldIPs = asArray(old.clusterIPs) ?? [];
  if (oldIPs.length > 0 && ips.length === 0 && oldIP === ip) spec.clusterIPs = clone(oldIPs);
  if (oldIP !== ip && semanticEqual(spec.clusterIPs, old.clusterIPs)) {
    if (oldIP !== '' && ip === '') delete spec.clusterIPs;
    else spec.clusterIPs = [ip];
  }
}

/** ipFamilyPolicy / ipFamilies for a single-stack IPv4 cluster unless the clusterIPs say otherwise. */
function initIPFamilies(spec: JsonRecord): void {
  if (!needsClusterIP(spec)) return;
  if (!asString(spec.ipFamilyPolicy)) {
    spec.ipFamilyPolicy = isHeadless(spec) && Object.keys(asObject(spec.selector) ?? {}).length === 0 ? 'RequireDualStack' : 'SingleStack';
  }
  if ((asArray(spec.ipFamilies) ?? []).length === 0) {
    const fromIPs = (asArray(spec.clusterIPs) ?? []).map((ip) => (typeof ip === 'string' ? ipFamilyOf(ip) : undefined)).filter((f) => f !== undefined);
    spec.ipFamilies = fromIPs.length > 0 ? fromIPs : ['IPv4'];
  }
}

function prepareForCreate(obj: KubeObject): void {
  obj.status = { loadBalancer: {} };
  const spec = specOf(obj);
  normalizeClusterIPs(spec);
  initIPFamilies(spec);
}

/** Values the allocators assigned survive an update that omits them (kubectl replace/apply). */
function patchAllocatedValues(spec: JsonRecord, old: JsonRecord): void {
  if (needsClusterIP(old) && needsClusterIP(spec)) {
    if (!asString(spec.clusterIP) && asString(old.clusterIP)) spec.clusterIP = old.clusterIP;
    if ((asArray(spec.clusterIPs) ?? []).length === 0 && (asArray(old.clusterIPs) ?? []).length > 0) spec.clusterIPs = old.clusterIPs;
    if (!asString(spec.ipFamilyPolicy) && asString(old.ipFamilyPolicy)) spec.ipFamilyPolicy = old.ipFamilyPolicy;
    if ((asArray(spec.ipFamilies) ?? []).length === 0 && (asArray(old.ipFamilies) ?? []).length > 0) spec.ipFamilies = old.ipFamilies;
  }
  if (needsNodePort(old) && needsNodePort(spec)) {
    const nodePorts = (s: JsonRecord) => new Set(objectsOf(s.ports).map(([p]) => p.nodePort).filter((n) => typeof n === 'number' && n !== 0));
    const usedNew = nodePorts(spec);
    const byName = new Map(objectsOf(old.ports).map(([p]) => [asString(p.name) ?? '', p.nodePort]));
    for (const [port] of objectsOf(spec.ports)) {
      if (port.nodePort !== undefined && port.nodePort !== null && port.nodePort !== 0) continue;
      const previous = byName.get(asString(port.name) ?? '');
      if (typeof previous === 'number' && previous !== 0 && !usedNew.has(previous)) port.nodePort = previous;
    }
  }
  if (needsHealthCheckNodePort(old) && needsHealthCheckNodePort(spec) && !spec.healthCheckNodePort) spec.healthCheckNodePort = old.healthCheckNodePort;
}

/** Fields that only make sense for some types are cleared when the type no longer needs them. */
function dropTypeDependentFields(spec: JsonRecord, old: JsonRecord): void {
  if (needsClusterIP(old) && !needsClusterIP(spec) && semanticEqual(spec.clusterIP, old.clusterIP)) {
    for (const k of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy']) delete spec[k];
  }
  if (needsNodePort(old) && !needsNodePort(spec)) {
    const oldPorts = new Map(objectsOf(old.ports).map(([p]) => [asString(p.name) ?? '', p.nodePort]));
    for (const [port] of objectsOf(spec.ports)) if (oldPorts.get(asString(port.name) ?? '') === port.nodePort) delete port.nodePort;
  }
  if (needsHealthCheckNodePort(old) && !needsHealthCheckNodePort(spec) && spec.healthCheckNodePort === old.healthCheckNodePort) delete spec.healthCheckNodePort;
  if (spec.type !== 'LoadBalancer') {
    delete spec.allocateLoadBalancerNodePorts;
    delete spec.loadBalancerClass;
  }
  if (!externallyAccessible(spec)) delete spec.externalTrafficPolicy;
  if (spec.type === 'ExternalName') delete spec.internalTrafficPolicy;
}

function prepareForUpdate(obj: KubeObject, old: KubeObject): void {
  preserveStatus(obj, old);
  const spec = specOf(obj);
  const oldSpec = asObject(old.spec) ?? {};
  patchAllocatedValues(spec, oldSpec);
  normalizeClusterIPs(spec, oldSpec);
  dropTypeDependentFields(spec, oldSpec);
  initIPFamilies(spec);
}

export const serviceStrategy: Strategy = Object.freeze({
  defaults: defaultService,
  prepareForCreate,
  prepareForUpdate,
  validate: validateService,
  validateUpdate: validateServiceUpdate,
});

export const serviceStatusStrategy: Strategy = statusStrategy({ validateStatus: validateServiceStatus });
