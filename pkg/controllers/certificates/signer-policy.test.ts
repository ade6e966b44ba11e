import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCertificateRequest, parseCertificateRequest } from '../../certs';
import { KUBE_APISERVER_CLIENT_KUBELET_SIGNER, KUBE_APISERVER_CLIENT_SIGNER, KUBELET_SERVING_SIGNER, SIGNER_POLICIES } from './signer-policy';

const keyPem = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'sec1', format: 'pem' }).toString();
const request = (commonName: string, organizations: string[], dnsNames: string[] = [], ipAddresses: string[] = []) =>
  parseCertificateRequest(createCertificateRequest({ keyPem: keyPem(), commonName, organizations, dnsNames, ipAddresses }));

describe('built-in signer policies', () => {
  it('kube-apiserver-client: any subject, client auth required, no other extended usages', () => {
    const p = SIGNER_POLICIES.get(KUBE_APISERVER_CLIENT_SIGNER)!;
    expect(p.check(request('alice', ['dev']), ['client auth', 'digital signature'])).toEqual([]);
    expect(p.check(request('alice', []), ['server auth'])).toEqual(['unsupported key usages: server auth (allowed: client auth, digital signature, key encipherment)', 'missing required usage "client auth"']);
  });

  it('kube-apiserver-client-kubelet: only system:node:<name> in system:nodes, no SANs', () => {
    const p = SIGNER_POLICIES.get(KUBE_APISERVER_CLIENT_KUBELET_SIGNER)!;
    expect(p.check(request('system:node:n1', ['system:nodes']), ['client auth'])).toEqual([]);
    expect(p.check(request('mallory', ['system:nodes', 'system:masters'], ['n1']), ['client auth'])).toEqual([
      'subject organization must be exactly ["system:nodes"]',
      'subject common name must start with "system:node:"',
      'subject alternative names are not allowed',
    ]);
  });

  it('kubelet-serving: node subject with DNS or IP SANs, server auth, issued by the server CA', () => {
    const p = SIGNER_POLICIES.get(KUBELET_SERVING_SIGNER)!;
    expect(p.ca).toBe('server');
    expect(p.check(request('system:node:n1', ['system:nodes'], ['n1'], ['10.0.0.5']), ['server auth', 'digital signature', 'key encipherment'])).toEqual([]);
    expect(p.check(request('system:node:n1', ['system:nodes']), ['server auth'])).toEqual(['at least one DNS or IP subject alternative name is required']);
  });
});
