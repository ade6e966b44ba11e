// pkg/certs public surface: CA and leaf issuance, the server's certificate set, kubeconfig files,
// join tokens. Nothing under internal/ is imported from outside this folder.
export {
  createCertificateAuthority,
  issueClientCertificate,
  issueServingCertificate,
  type CertificateAuthority,
  type ClientCertificateRequest,
  type IssuedCertificate,
  type ServingCertificateRequest,
} from './authority';
export {
  CA_DAYS,
  LEAF_CERTIFICATES,
  LEAF_DAYS,
  RENEW_BEFORE_DAYS,
  ensureClusterCertificates,
  rotateCertificates,
  type ClientCertificateName,
  type ClusterCertificateConfig,
  type ClusterCertificates,
} from './cluster';
export { checkCertificates, type CertificateCheck } from './check';
export { createCertificateRequest, parseCertificateRequest, signCertificateRequest, type CertificateRequestInfo, type CreateRequestOptions, type SignRequestOptions } from './certificate-request';
export { CertError, isCertError, type CertErrorCode } from './errors';
export { parseFileMode, renderKubeconfig, writeKubeconfig, type KubeconfigOptions } from './kubeconfig';
export { caHash, formatToken, generatePassword, parseToken, verifyCaHash, type ParsedToken } from './token';
