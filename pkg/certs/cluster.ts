// The server's certificate set, laid out as K3s lays out `server/tls/` (users and tools rely on
// these file names). First start: three CAs (10 years), service.key, and the leaves (365 days).
// Later starts: CAs and service.key are reused as they are, never regenerated; a leaf is re-issued
// when it is within 120 days of expiry, its subject or SANs no longer match, it was not signed by
// the current CA, or its key is missing or foreign. `rotateCertificates` forces leaf re-issue.
//
// Time (bench/certs.ts, 2-core machine, median of 5): first start ≈ 190 ms, almost all of it the
// RSA-2048 service.key (made on the libuv pool while the ECDSA certs are signed); reuse start
// ≈ 15 ms (about 1 ms per pair: key parse, cert parse, signature check). See internal/x509.ts for
// why the backend is Node's crypto + our own DER encoder.
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import {
  DAY_MS,
  createCertificateAuthority,
  issueClientCertificate,
  issueServingCertificate,
  keyMatches,
  loadAuthority,
  normalizeSans,
  parseCertificatePem,
  parseKeyPem,
  type CertificateAuthority,
  type IssuedCertificate,
  type LoadedAuthority,
} from './authority';
import { CertError } from './errors';
import { ensureDir, readIfExists, writeFileAtomic } from './internal/files';
import * as x509 from './internal/x509';

export interface ClusterCertificateConfig {
  readonly tlsDir: string;
  readonly clusterDomain: string;
  readonly serviceIPs: readonly string[];
  readonly nodeIPs: readonly string[];
  readonly hostname: string;
  /** `--tls-san`: each entry is an IP address or a DNS name. */
  readonly tlsSans: readonly string[];
  readonly now?: () => Date;
}

export const CA_DAYS = 3650;
export const LEAF_DAYS = 365;
export const RENEW_BEFORE_DAYS = 120;
const KEY_MODE = 0o600;
const CERT_MODE = 0o644;
const DIR_MODE = 0o700;

type CaName = 'server-ca' | 'client-ca' | 'request-header-ca';
const CAS: readonly { name: CaName; commonNamePrefix: string }[] = [
  { name: 'server-ca', commonNamePrefix: 'k3ts-server-ca' },
  { name: 'client-ca', commonNamePrefix: 'k3ts-client-ca' },
  { name: 'request-header-ca', commonNamePrefix: 'k3ts-request-header-ca' },
];

/** Client certificates, named as K3s names them (`client-<name>.crt`); users are CN, groups O. */
const CLIENTS = {
  admin: { commonName: 'system:admin', organizations: ['system:masters'], ca: 'client-ca' },
  supervisor: { commonName: 'system:k3ts-supervisor', organizations: ['system:masters'], ca: 'client-ca' },
  controller: { commonName: 'system:kube-controller-manager', organizations: [], ca: 'client-ca' },
  scheduler: { commonName: 'system:kube-scheduler', organizations: [], ca: 'client-ca' },
  // K3s gives the API server's own client identity (used towards kubelets) system:masters too.
  'kube-apiserver': { commonName: 'system:kube-apiserver', organizations: ['system:masters'], ca: 'client-ca' },
  'kube-proxy': { commonName: 'system:kube-proxy', organizations: [], ca: 'client-ca' },
  'k3ts-controller': { commonName: 'system:k3ts-controller', organizations: [], ca: 'client-ca' },
  // Front-proxy identity for aggregated API servers, signed by the request-header CA.
  'auth-proxy': { commonName: 'system:auth-proxy', organizations: [], ca: 'request-header-ca' },
} as const satisfies Record<string, { commonName: string; organizations: readonly string[]; ca: CaName }>;

export type ClientCertificateName = keyof typeof CLIENTS;
export const SERVING_APISERVER = 'serving-kube-apiserver';
/** Every leaf `rotateCertificates` accepts, as file stems (`client-admin`, `serving-kube-apiserver`…). */
export const LEAF_CERTIFICATES: readonly string[] = [SERVING_APISERVER, ...Object.keys(CLIENTS).map((n) => `client-${n}`)];

export interface ClusterCertificates {
  /** File names (`server-ca.crt`, `service.key`…) made on this call from nothing. */
  readonly created: readonly string[];
  readonly reused: readonly string[];
  readonly reissued: readonly { readonly file: string; readonly reason: string }[];
  /** Things to log that need a human (a CA close to expiry is never replaced automatically). */
  readonly warnings: readonly string[];
  readonly serverCa: CertificateAuthority;
  readonly clientCa: CertificateAuthority;
  readonly requestHeaderCa: CertificateAuthority;
  readonly servingKubeApiserver: IssuedCertificate;
  readonly clients: Readonly<Record<ClientCertificateName, IssuedCertificate>>;
  /** service.key as on disk (the first PEM key is the current signing key). */
  readonly serviceKeyPem: string;
}

interface Run {
  readonly dir: string;
  readonly now: Date;
  readonly created: string[];
  readonly reused: string[];
  readonly reissued: { file: string; reason: string }[];
  readonly warnings: string[];
}

export function servingSans(config: ClusterCertificateConfig): { dnsNames: string[]; ipAddresses: string[] } {
  const extraIps = config.tlsSans.filter((s) => isIpAddress(s));
  const extraDns = config.tlsSans.filter((s) => !isIpAddress(s));
  const dns = ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${config.clusterDomain}`, 'localhost'];
  if (config.hostname) dns.push(config.hostname);
  return normalizeSans([...dns, ...extraDns], [...config.serviceIPs, '127.0.0.1', '::1', ...config.nodeIPs, ...extraIps]);
}

function isIpAddress(s: string): boolean {
  try {
    x509.canonicalIp(s);
    return true;
  } catch {
    return false;
  }
}

async function ensureAuthority(run: Run, name: CaName, commonNamePrefix: string): Promise<LoadedAuthority> {
  const certFile = join(run.dir, `${name}.crt`);
  const keyFile = join(run.dir, `${name}.key`);
  const [certPem, keyPem] = await Promise.all([readIfExists(certFile), readIfExists(keyFile)]);
  if (certPem !== undefined) {
    if (keyPem === undefined) {
      throw new CertError('ca-key-missing', `${certFile} exists but its key ${keyFile} does not; restore the key (a CA is never regenerated over an existing certificate)`);
    }
    const ca = loadAuthority({ certPem, keyPem }, certFile);
    const daysLeft = Math.floor((ca.cert.notAfter.getTime() - run.now.getTime()) / DAY_MS);
    if (daysLeft < RENEW_BEFORE_DAYS) {
      run.warnings.push(`${name}.crt ${daysLeft < 0 ? 'expired' : 'expires'} on ${ca.cert.notAfter.toISOString()} (${daysLeft} days left); CAs are not rotated automatically`);
    }
    run.reused.push(`${name}.crt`);
    return ca;
  }
  // A key without a certificate (an interrupted first start, or a key supplied by hand): keep the key.
  const commonName = `${commonNamePrefix}@${Math.floor(run.now.getTime() / 1000)}`;
  const ca = await createCertificateAuthority({ commonName, days: CA_DAYS, now: run.now, ...(keyPem !== undefined ? { keyPem } : {}) });
  if (keyPem === undefined) await writeFileAtomic(keyFile, ca.keyPem, KEY_MODE);
  await writeFileAtomic(certFile, ca.certPem, CERT_MODE);
  run.created.push(`${name}.crt`);
  return loadAuthority(ca, certFile);
}

interface LeafSpec {
  readonly stem: string;
  readonly commonName: string;
  readonly organizations: readonly string[];
  readonly sans?: { readonly dnsNames: readonly string[]; readonly ipAddresses: readonly string[] };
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && new Set([...a, ...b]).size === new Set(a).size;

/** Why an existing leaf must be re-issued, or undefined when it is still good. */
function staleReason(run: Run, spec: LeafSpec, ca: LoadedAuthority, certPem: string, keyPem: string | undefined): string | undefined {
  if (keyPem === undefined) return 'key file missing';
  let cert: x509.ParsedCertificate;
  try {
    cert = parseCertificatePem(certPem, spec.stem)[0]!;
    if (!keyMatches(parseKeyPem(keyPem, spec.stem), cert)) return 'key does not match the certificate';
  } catch (e) {
    return `unreadable (${(e as Error).message})`;
  }
  if (!cert.issuerDer.equals(ca.cert.subjectDer) || !new X509Certificate(cert.der).verify(ca.x509.publicKey)) {
    return `not signed by the current ${ca.cert.subjectText}`;
  }
  const daysLeft = Math.floor((cert.notAfter.getTime() - run.now.getTime()) / DAY_MS);
  if (daysLeft < RENEW_BEFORE_DAYS) return `expires ${cert.notAfter.toISOString()} (${daysLeft} days left)`;
  if (cert.subject.commonName !== spec.commonName || !sameSet(cert.subject.organizations, spec.organizations)) {
    return `subject changed (${cert.subjectText})`;
  }
  const want = spec.sans ?? { dnsNames: [], ipAddresses: [] };
  const have = { dnsNames: cert.dnsNames.map((d) => d.toLowerCase()), ipAddresses: cert.ipAddresses };
  if (!sameSet(have.dnsNames, want.dnsNames) || !sameSet(have.ipAddresses, want.ipAddresses)) {
    const wanted = [...want.dnsNames, ...want.ipAddresses];
    const had = [...have.dnsNames, ...have.ipAddresses];
    const diff = [...wanted.filter((s) => !had.includes(s)).map((s) => `+${s}`), ...had.filter((s) => !wanted.includes(s)).map((s) => `-${s}`)];
    return `SANs changed (${diff.join(' ')})`;
  }
  return undefined;
}

async function ensureLeaf(run: Run, spec: LeafSpec, ca: LoadedAuthority, force: boolean): Promise<IssuedCertificate> {
  const certFile = join(run.dir, `${spec.stem}.crt`);
  const keyFile = join(run.dir, `${spec.stem}.key`);
  const [certPem, keyPem] = await Promise.all([readIfExists(certFile), readIfExists(keyFile)]);
  let reason: string | undefined;
  if (certPem !== undefined) {
    reason = force ? 'rotation requested' : staleReason(run, spec, ca, certPem, keyPem);
    if (reason === undefined) {
      run.reused.push(`${spec.stem}.crt`);
      return { certPem, keyPem: keyPem! };
    }
  }
  const opts = { commonName: spec.commonName, days: LEAF_DAYS, now: run.now };
  const issued = spec.sans
    ? await issueServingCertificate(ca, { ...opts, ...spec.sans })
    : await issueClientCertificate(ca, { ...opts, organizations: spec.organizations });
  // Key first: a crash between the two writes leaves a mismatched pair, which the next start re-issues.
  await writeFileAtomic(keyFile, issued.keyPem, KEY_MODE);
  await writeFileAtomic(certFile, issued.certPem, CERT_MODE);
  if (reason === undefined) run.created.push(`${spec.stem}.crt`);
  else run.reissued.push({ file: `${spec.stem}.crt`, reason });
  return issued;
}

async function ensureServiceKey(run: Run): Promise<string> {
  const file = join(run.dir, 'service.key');
  const existing = await readIfExists(file);
  if (existing !== undefined) {
    parseKeyPem(existing, file);
    run.reused.push('service.key');
    return existing;
  }
  // RSA-2048: service-account tokens are RS256 JWTs by default.
  const pem = x509.privateKeyToPem(await x509.generatePrivateKey('rsa-2048'));
  await writeFileAtomic(file, pem, KEY_MODE);
  run.created.push('service.key');
  return pem;
}

function validateConfig(config: ClusterCertificateConfig): void {
  if (!config.tlsDir) throw new CertError('invalid-option', 'tlsDir must be a directory path, got an empty string');
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(config.clusterDomain)) {
    throw new CertError('invalid-option', `clusterDomain ${JSON.stringify(config.clusterDomain)} is not a DNS domain (e.g. cluster.local)`);
  }
  for (const ip of [...config.serviceIPs, ...config.nodeIPs]) {
    if (!isIpAddress(ip)) throw new CertError('invalid-option', `${JSON.stringify(ip)} in serviceIPs/nodeIPs is not an IP address`);
  }
}

async function run(config: ClusterCertificateConfig, rotate: ReadonlySet<string>): Promise<ClusterCertificates> {
  validateConfig(config);
  const state: Run = { dir: config.tlsDir, now: config.now?.() ?? new Date(), created: [], reused: [], reissued: [], warnings: [] };
  await ensureDir(config.tlsDir, DIR_MODE);
  const serviceKey = ensureServiceKey(state); // RSA keygen runs on the thread pool meanwhile
  serviceKey.catch(() => undefined); // observed below; avoids an unhandled rejection if a CA step throws first
  const cas = {} as Record<CaName, LoadedAuthority>;
  for (const { name, commonNamePrefix } of CAS) cas[name] = await ensureAuthority(state, name, commonNamePrefix);

  const servingSpec: LeafSpec = { stem: SERVING_APISERVER, commonName: 'kube-apiserver', organizations: [], sans: servingSans(config) };
  const servingKubeApiserver = await ensureLeaf(state, servingSpec, cas['server-ca'], rotate.has(SERVING_APISERVER));
  const clients = {} as Record<ClientCertificateName, IssuedCertificate>;
  for (const [name, c] of Object.entries(CLIENTS) as [ClientCertificateName, (typeof CLIENTS)[ClientCertificateName]][]) {
    const spec: LeafSpec = { stem: `client-${name}`, commonName: c.commonName, organizations: c.organizations };
    clients[name] = await ensureLeaf(state, spec, cas[c.ca], rotate.has(spec.stem));
  }
  const serviceKeyPem = await serviceKey;
  return {
    created: state.created,
    reused: state.reused,
    reissued: state.reissued,
    warnings: state.warnings,
    serverCa: cas['server-ca'].pem,
    clientCa: cas['client-ca'].pem,
    requestHeaderCa: cas['request-header-ca'].pem,
    servingKubeApiserver,
    clients,
    serviceKeyPem,
  };
}

/** Creates what is missing in `tlsDir`, reuses what is good, re-issues stale leaves. */
export function ensureClusterCertificates(config: ClusterCertificateConfig): Promise<ClusterCertificates> {
  return run(config, new Set());
}

/**
 * Forces re-issue of the named leaves (file stems from LEAF_CERTIFICATES; all of them when `which`
 * is omitted or empty). CAs and service.key are never touched.
 */
export function rotateCertificates(config: ClusterCertificateConfig, which?: readonly string[]): Promise<ClusterCertificates> {
  const names = which && which.length > 0 ? which : LEAF_CERTIFICATES;
  const unknown = names.filter((n) => !LEAF_CERTIFICATES.includes(n));
  if (unknown.length > 0) {
    return Promise.reject(new CertError('unknown-certificate', `cannot rotate ${unknown.join(', ')}: expected one of ${LEAF_CERTIFICATES.join(', ')}`));
  }
  return run(config, new Set(names));
}
