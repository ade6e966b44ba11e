// certificates.k8s.io/v1 (CertificateSigningRequest) and v1beta1 (ClusterTrustBundle,
// PodCertificateRequest).
import type { ResourceDef } from '../resource-def';
import { defineResource, statusSubresource, updateSubresource } from './define';
import { certificateSigningRequestApprovalStrategy, certificateSigningRequestStatusStrategy, certificateSigningRequestStrategy } from './strategies/certificate-signing-request';
import { clusterTrustBundleStrategy, podCertificateRequestStatusStrategy, podCertificateRequestStrategy } from './strategies/trust-bundles';

const group = 'certificates.k8s.io';

export const certificatesV1: readonly ResourceDef[] = Object.freeze([
  defineResource({
    group,
    version: 'v1',
    kind: 'CertificateSigningRequest',
    resource: 'certificatesigningrequests',
    singular: 'certificatesigningrequest',
    namespaced: false,
    shortNames: ['csr'],
    strategy: certificateSigningRequestStrategy,
    subresources: [
      updateSubresource('approval', 'CertificateSigningRequest', certificateSigningRequestApprovalStrategy),
      statusSubresource('CertificateSigningRequest', certificateSigningRequestStatusStrategy),
    ],
  }),
]);

export const certificatesV1beta1: readonly ResourceDef[] = Object.freeze([
  defineResource({ group, version: 'v1beta1', kind: 'ClusterTrustBundle', resource: 'clustertrustbundles', singular: 'clustertrustbundle', namespaced: false, strategy: clusterTrustBundleStrategy }),
  defineResource({
    group,
    version: 'v1beta1',
    kind: 'PodCertificateRequest',
    resource: 'podcertificaterequests',
    singular: 'podcertificaterequest',
    namespaced: true,
    strategy: podCertificateRequestStrategy,
    subresources: [statusSubresource('PodCertificateRequest', podCertificateRequestStatusStrategy)],
  }),
]);
