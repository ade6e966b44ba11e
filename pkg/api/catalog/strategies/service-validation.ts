// ValidateService / ValidateServiceUpdate: ports, types, cluster IPs and families, traffic policies.
import type { FieldError, KubeObject } from '../../types';
import { child, duplicate, forbidden, index, invalid, invalidEach, required } from '../../validation/errors';
import { validateEnum } from '../../validation/fields';
import { ipFamilyOf, isIP, validateCIDR, validateEndpointIP, validateIP } from '../../validation/ip';
import { asArray, asObject, asString, objectsOf, type JsonRecord } from '../../validation/json';
import { validateLabels } from '../../validation/labels';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, nameIsDNS1035Label } from '../../validation/names';
import { validateObjectMeta, validateObjectMetaUpdate } from '../../validation/object-meta';
import { validatePortNumOrName, validatePortNumber, validateProtocol } from '../../validation/ports';

export const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'] as const;
const IP_FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'] as const;

function isExternallyAccessible(spec: JsonRecord): boolean {
  return spec.type === 'LoadBalancer' || spec.type === 'NodePort' || (spec.type === 'ClusterIP' && (asArray(spec.externalIPs) ?? []).length > 0);
}

function validatePorts(spec: JsonRecord, headless: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const ports = objectsOf(spec.ports);
  if (ports.length === 0 && spec.type !== 'ExternalName' && !headless) errs.push(required('spec.ports'));
  const names = new Set<string>();
  const portProto = new Set<string>();
  const nodePorts = new Set<string>();
  for (const [port, i] of ports) {
    const p = index('spec.ports', i);
    const name = asString(port.name) ?? '';
    if (ports.length > 1 && name === '') errs.push(required(child(p, 'name')));
    if (name !== '') {
      errs.push(...invalidEach(child(p, 'name'), name, isDNS1123Label(name)));
      if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
      names.add(name);
    }
    errs.push(...validatePortNumber(port.port, child(p, 'port')));
    errs.push(...validateProtocol(port.protocol, child(p, 'protocol')));
    errs.push(...validatePortNumOrName(port.targetPort, child(p, 'targetPort')));
    const appProtocol = asString(port.appProtocol);
    if (appProtocol) errs.push(...invalidEach(child(p, 'appProtocol'), appProtocol, isQualifiedName(appProtocol)));
    const pp = `${String(port.port)}/${String(port.protocol)}`;
    if (portProto.has(pp)) errs.push(duplicate(p, { port: port.port, protocol: port.protocol }));
    portProto.add(pp);
    const np = port.nodePort;
    if (np !== undefined && np !== null && np !== 0) {
      if (spec.type === 'ClusterIP' || spec.type === 'ExternalName') {
        errs.push(forbidden(child(p, 'nodePort'), `may not be used when \`type\` is '${String(spec.type)}'`));
      } else {
        errs.push(...validatePortNumber(np, child(p, 'nodePort')));
        const key = `${String(np)}/${String(port.protocol)}`;
        if (nodePorts.has(key)) errs.push(duplicate(child(p, 'nodePort'), np));
        nodePorts.add(key);
      }
    }
  }
  return errs;
}

function validateClusterIPs(spec: JsonRecord): FieldError[] {
  const errs: FieldError[] = [];
  const ips = asArray(spec.clusterIPs) ?? [];
  const ip = asString(spec.clusterIP) ?? '';
  if (spec.type === 'ExternalName') {
    if (ip !== '' || ips.length > 0) errs.push(forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
    if ((asArray(spec.ipFamilies) ?? []).length > 0) errs.push(forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
    if (asString(spec.ipFamilyPolicy)) errs.push(forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
    return errs;
  }
  if (ip !== '' && ips.length > 0 && ips[0] !== ip) errs.push(invalid('spec.clusterIPs', ips, 'first value must match `clusterIP`'));
  if (ips.length > 2) errs.push(invalid('spec.clusterIPs', ips, 'may only hold up to 2 values'));
  ips.forEach((v, i) => {
    const p = index('spec.clusterIPs', i);
    if (v === 'None') {
      if (i > 0 || ips.length > 1) errs.push(invalid(p, v, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff) or "None"'));
    } else if (typeof v !== 'string' || !isIP(v)) {
      errs.push(invalid(p, v, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff) or "None"'));
    }
  });
  if (ips.length === 2 && typeof ips[0] === 'string' && typeof ips[1] === 'string' && ipFamilyOf(ips[0]) === ipFamilyOf(ips[1])) {
    errs.push(invalid('spec.clusterIPs', ips, 'may specify no more than one IP for each IP family'));
  }
  errs.push(...validateEnum(spec.ipFamilyPolicy, IP_FAMILY_POLICIES, 'spec.ipFamilyPolicy'));
  const families = asArray(spec.ipFamilies) ?? [];
  const seen = new Set<unknown>();
  families.forEach((f, i) => {
    errs.push(...validateEnum(f, ['IPv4', 'IPv6'], index('spec.ipFamilies', i), true));
    if (seen.has(f)) errs.push(duplicate(index('spec.ipFamilies', i), f));
    seen.add(f);
  });
  if (spec.ipFamilyPolicy === 'SingleStack' && families.length > 1) {
    errs.push(invalid('spec.ipFamilies', families, 'must contain exactly one entry when `ipFamilyPolicy` is SingleStack'));
  }
  return errs;
}

export function validateService(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj.metadata, { namespaced: true, name: nameIsDNS1035Label });
  const spec = asObject(obj.spec) ?? {};
  const headless = spec.clusterIP === 'None' || (asArray(spec.clusterIPs) ?? [])[0] === 'None';
  errs.push(...validateEnum(spec.type, SERVICE_TYPES, 'spec.type', true));
  if (spec.type === 'ExternalName') {
    const name = (asString(spec.externalName) ?? '').replace(/\.$/, '');
    if (name === '') errs.push(required('spec.externalName'));
    else errs.push(...invalidEach('spec.externalName', spec.externalName, isDNS1123Subdomain(name)));
  }
  errs.push(...validatePorts(spec, headless));
  errs.push(...validateClusterIPs(spec));
  errs.push(...validateLabels(spec.selector, 'spec.selector'));
  errs.push(...validateEnum(spec.sessionAffinity, ['ClientIP', 'None'], 'spec.sessionAffinity', true));
  const timeout = asObject(asObject(spec.sessionAffinityConfig)?.clientIP)?.timeoutSeconds;
  if (spec.sessionAffinity === 'ClientIP' && !(typeof timeout === 'number' && timeout > 0 && timeout <= 86400)) {
    errs.push(invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', timeout ?? null, 'must be greater than 0 and less than 86400'));
  }
  if (spec.sessionAffinity === 'None' && asObject(spec.sessionAffinityConfig)) {
    errs.push(invalid('spec.sessionAffinityConfig', spec.sessionAffinityConfig, 'must not be set when session affinity is None'));
  }
  (asArray(spec.externalIPs) ?? []).forEach((ip, i) => errs.push(...validateEndpointIP(typeof ip === 'string' ? ip : '', index('spec.externalIPs', i))));
  const ranges = asArray(spec.loadBalancerSourceRanges) ?? [];
  if (ranges.length > 0 && spec.type !== 'LoadBalancer') errs.push(forbidden('spec.loadBalancerSourceRanges', "may only be used when `type` is 'LoadBalancer'"));
  ranges.forEach((r, i) => errs.push(...validateCIDR(typeof r === 'string' ? r.trim() : '', index('spec.loadBalancerSourceRanges', i))));
  const lbIP = asString(spec.loadBalancerIP);
  if (lbIP) errs.push(...validateIP(lbIP, 'spec.loadBalancerIP'));
  if (spec.externalTrafficPolicy !== undefined && spec.externalTrafficPolicy !== null && spec.externalTrafficPolicy !== '') {
    if (!isExternallyAccessible(spec)) errs.push(invalid('spec.externalTrafficPolicy', spec.externalTrafficPolicy, 'may only be set for externally-accessible services'));
    else errs.push(...validateEnum(spec.externalTrafficPolicy, ['Cluster', 'Local'], 'spec.externalTrafficPolicy'));
  } else if (isExternallyAccessible(spec)) {
    errs.push(required('spec.externalTrafficPolicy'));
  }
  const typed = spec.type === 'ClusterIP' || spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  if (typed) errs.push(...validateEnum(spec.internalTrafficPolicy, ['Cluster', 'Local'], 'spec.internalTrafficPolicy', true));
  const hc = spec.healthCheckNodePort;
  if (hc !== undefined && hc !== null && hc !== 0) {
    if (!(spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local')) {
      errs.push(invalid('spec.healthCheckNodePort', hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
    } else {
      errs.push(...validatePortNumber(hc, 'spec.healthCheckNodePort'));
    }
  }
  if (spec.type !== 'LoadBalancer') {
    if (spec.allocateLoadBalancerNodePorts !== undefined && spec.allocateLoadBalancerNodePorts !== null) {
      errs.push(forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"));
    }
    if (asString(spec.loadBalancerClass)) errs.push(forbidden('spec.loadBalancerClass', "may only be used when `type` is 'LoadBalancer'"));
  }
  const lbClass = asString(spec.loadBalancerClass);
  if (lbClass) errs.push(...invalidEach('spec.loadBalancerClass', lbClass, isQualifiedName(lbClass)));
  errs.push(...validateEnum(spec.trafficDistribution, ['PreferClose', 'PreferSameZone', 'PreferSameNode'], 'spec.trafficDistribution'));
  return errs;
}

export function validateServiceUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateObjectMetaUpdate(obj.metadata, old.metadata);
  const spec = asObject(obj.spec) ?? {};
  const oldSpec = asObject(old.spec) ?? {};
  if (spec.type !== 'ExternalName' && oldSpec.type !== 'ExternalName') {
    const ips = asArray(spec.clusterIPs) ?? [];
    const oldIPs = asArray(oldSpec.clusterIPs) ?? [];
    const n = Math.min(ips.length, oldIPs.length);
    for (let i = 0; i < n; i++) if (ips[i] !== oldIPs[i]) errs.push(invalid(index('spec.clusterIPs', i), ips, 'may not change once set'));
    if (ips.length === 0 && oldIPs.length > 0) errs.push(invalid('spec.clusterIPs', ips, 'may not change once set'));
    const fams = asArray(spec.ipFamilies) ?? [];
    const oldFams = asArray(oldSpec.ipFamilies) ?? [];
    if (fams.length > 0 && oldFams.length > 0 && fams[0] !== oldFams[0]) errs.push(invalid(index('spec.ipFamilies', 0), fams[0], 'may not change once set'));
  }
  if (spec.type === 'LoadBalancer' && oldSpec.type === 'LoadBalancer' && (asString(spec.loadBalancerClass) ?? '') !== (asString(oldSpec.loadBalancerClass) ?? '')) {
    errs.push(invalid('spec.loadBalancerClass', spec.loadBalancerClass ?? null, 'may not change once set'));
  }
  return errs;
}

export function validateServiceStatus(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  for (const [ing, i] of objectsOf(asObject(asObject(obj.status)?.loadBalancer)?.ingress)) {
    const p = index('status.loadBalancer.ingress', i);
    const ip = asString(ing.ip);
    if (ip) errs.push(...validateIP(ip, child(p, 'ip')));
    const hostname = asString(ing.hostname);
    if (hostname) errs.push(...invalidEach(child(p, 'hostname'), hostname, isDNS1123Subdomain(hostname)));
    errs.push(...validateEnum(ing.ipMode, ['VIP', 'Proxy'], child(p, 'ipMode')));
  }
  return errs;
}
