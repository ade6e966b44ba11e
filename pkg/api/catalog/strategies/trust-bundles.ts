// certificates.k8s.io/v1beta1 clustertrustbundles and podcertificaterequests. Facts from upstream:
// a ClusterTrustBundle holds PEM CERTIFICATE blocks; one with a signerName is named
// `<signerName with / as :>:<suffix>` and its signerName never changes. A PodCertificateRequest
// names its signer, pod, service account and node (with UIDs), carries the PKIX public key and
// the proof of possession; its spec is immutable, maxExpirationSeconds defaults to one day.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { invalid, required } from '../../validation/errors';
import { asObject, asString } from '../../validation/json';
import { specOf } from './common';
import { declarativeStatusStrategy, declarativeStrategy } from './declarative';
import { validateSignerName } from './certificate-signing-request';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

function validateTrustBundle(obj: KubeObject): FieldError[] {
  const spec = asObject(obj.spec) ?? {};
  const errs: FieldError[] = [];
  const bundle = asString(spec.trustBundle) ?? '';
  if (bundle === '') errs.push(required('spec.trustBundle'));
  else if (!PEM_CERTIFICATE.test(bundle)) errs.push(invalid('spec.trustBundle', '<value omitted>', 'must contain at least one valid PEM CERTIFICATE block'));
  const signer = asString(spec.signerName) ?? '';
  if (signer !== '') {
    errs.push(...validateSignerName(signer, 'spec.signerName'));
    const prefix = `${signer.replaceAll('/', ':')}:`;
    const name = String(obj.metadata.name ?? '');
    if (!name.startsWith(prefix)) errs.push(invalid('metadata.name', name, `ClusterTrustBundle for signerName ${signer} must be named with prefix ${prefix}`));
  } else if (String(obj.metadata.name ?? '').includes(':')) {
    errs.push(invalid('metadata.name', obj.metadata.name, 'ClusterTrustBundle without signer name must not have ":" in its name'));
  }
  return errs;
}

export const clusterTrustBundleStrategy: Strategy = declarativeStrategy({
  namespaced: false,
  name: (name) => (name.length > 253 ? ['must be no more than 253 characters'] : []),
  validate: validateTrustBundle,
  immutable: ['spec.signerName'],
});

const POD_CERT_REQUIRED = ['spec.podName', 'spec.podUID', 'spec.serviceAccountName', 'spec.serviceAccountUID', 'spec.nodeName', 'spec.nodeUID', 'spec.pkixPublicKey', 'spec.proofOfPossession'];

export const podCertificateRequestStrategy: Strategy = declarativeStrategy({
  namespaced: true,
  defaults(obj) {
    const spec = specOf(obj);
    if (spec.maxExpirationSeconds === undefined || spec.maxExpirationSeconds === null) spec.maxExpirationSeconds = 86400;
  },
  required: POD_CERT_REQUIRED,
  validate(obj) {
    const spec = asObject(obj.spec) ?? {};
    const errs = validateSignerName(spec.signerName, 'spec.signerName');
    const max = spec.maxExpirationSeconds;
    if (typeof max === 'number' && (max < 3600 || max > 91 * 86400)) errs.push(invalid('spec.maxExpirationSeconds', max, 'must be in the range [3600, 7862400]'));
    return errs;
  },
  immutable: ['spec'],
  hasStatus: true,
});
export const podCertificateRequestStatusStrategy: Strategy = declarativeStatusStrategy();
