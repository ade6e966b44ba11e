import { describe, expect, it } from 'vitest';
import { namespaceOf, podOf, policyOf } from './policy-model';

describe('network policy model', () => {
  it('keeps pods with an IPv4 address only: not hostNetwork, not finished, not without IP', () => {
    const base = { metadata: { namespace: 'a', name: 'p', labels: { x: '1' } }, spec: { nodeName: 'n', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 80 }, { containerPort: 81 }, { name: 'dns', containerPort: 53, protocol: 'UDP' }] }] }, status: { phase: 'Running', podIP: '10.42.0.5' } };
    expect(podOf(base)).toEqual({ namespace: 'a', name: 'p', ip: '10.42.0.5', node: 'n', labels: { x: '1' }, ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }] });
    expect(podOf({ ...base, spec: { ...base.spec, hostNetwork: true } })).toBeUndefined();
    expect(podOf({ ...base, status: { phase: 'Succeeded', podIP: '10.42.0.5' } })).toBeUndefined();
    expect(podOf({ ...base, status: { phase: 'Pending' } })).toBeUndefined();
  });

  it('namespaces carry kubernetes.io/metadata.name', () => {
    expect(namespaceOf({ metadata: { name: 'a', labels: { team: 'x' } } }).labels).toEqual({ team: 'x', 'kubernetes.io/metadata.name': 'a' });
  });

  it('policyTypes default to Ingress, plus Egress when egress rules exist; port protocol defaults to TCP; endPort only with a number', () => {
    expect(policyOf({ metadata: { namespace: 'a', name: 'p' }, spec: { podSelector: {} } })).toMatchObject({ ingress: [], egress: undefined });
    const both = policyOf({ metadata: { namespace: 'a', name: 'p' }, spec: { podSelector: {}, egress: [{ ports: [{ port: 53, endPort: 60 }, { port: 'dns', endPort: 9 }] }] } });
    expect(both.ingress).toEqual([]);
    expect(both.egress).toEqual([{ peers: [], ports: [{ protocol: 'TCP', port: 53, endPort: 60 }, { protocol: 'TCP', port: 'dns', endPort: undefined }] }]);
    const egressOnly = policyOf({ metadata: { namespace: 'a', name: 'p' }, spec: { podSelector: {}, policyTypes: ['Egress'], ingress: [{}] } });
    expect(egressOnly.ingress).toBeUndefined();
    expect(egressOnly.egress).toEqual([]);
  });
});
