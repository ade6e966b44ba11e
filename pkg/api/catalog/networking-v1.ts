// networking.k8s.io/v1.
import type { ResourceDef } from '../resource-def';
import { defineResource, statusSubresource } from './define';
import {
  ingressClassStrategy,
  ingressStatusStrategy,
  ingressStrategy,
  ipAddressStrategy,
  networkPolicyStrategy,
  serviceCIDRStatusStrategy,
  serviceCIDRStrategy,
} from './strategies/networking';

const group = 'networking.k8s.io';
const version = 'v1';

export const networkingV1: readonly ResourceDef[] = Object.freeze([
  defineResource({ group, version, kind: 'IngressClass', resource: 'ingressclasses', singular: 'ingressclass', namespaced: false, strategy: ingressClassStrategy }),
  defineResource({
    group,
    version,
    kind: 'Ingress',
    resource: 'ingresses',
    singular: 'ingress',
    namespaced: true,
    shortNames: ['ing'],
    strategy: ingressStrategy,
    subresources: [statusSubresource('Ingress', ingressStatusStrategy)],
  }),
  defineResource({ group, version, kind: 'IPAddress', resource: 'ipaddresses', singular: 'ipaddress', namespaced: false, shortNames: ['ip'], strategy: ipAddressStrategy }),
  defineResource({ group, version, kind: 'NetworkPolicy', resource: 'networkpolicies', singular: 'networkpolicy', namespaced: true, shortNames: ['netpol'], strategy: networkPolicyStrategy }),
  defineResource({
    group,
    version,
    kind: 'ServiceCIDR',
    resource: 'servicecidrs',
    singular: 'servicecidr',
    namespaced: false,
    strategy: serviceCIDRStrategy,
    subresources: [statusSubresource('ServiceCIDR', serviceCIDRStatusStrategy)],
  }),
]);
