// Certificate authorities and the two leaf kinds every Kubernetes component needs: client
// certificates (user = CN, groups = O) and serving certificates (SANs). These are the building
// blocks ensureClusterCertificates uses, and the agent-join handlers will use for kubelet certs.
import { X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { CertError } from './errors';
import * as x509 from './internal/x509';

/** PEM text as found in `<name>.crt` / `<name>.key`; the first certificate is the CA itself. */
export interface CertificateAuthority {
  readonly certPem: string;
  readonly keyPem: string;
}

/** A leaf: `certPem` is the leaf followed by its issuing CA certificate(s), as K3s writes them. */
export interface IssuedCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface ClientCertificateRequest {
  readonly commonName: string;
  readonly organizations?: readonly string[];
  readonly days: number;
  /** Reuse this private key instead of generating a new ECDSA P-256 one. */
  readonly keyPem?: string;
  readonly now?: Date;
}

export interface ServingCertificateRequest {
  readonly commonName: string;
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly days: number;
  readonly keyPem?: string;
  readonly now?: Date;
}

export const DAY_MS = 86_400_000;
/** Certificates are back-dated so that a peer whose clock is a little behind still accepts them. */
const BACKDATE_MS = 3_600_000;

/** A CA parsed once and ready to sign with. Internal to pkg/certs. */
export interface LoadedAuthority {
  readonly pem: CertificateAuthority;
  readonly cert: x509.ParsedCertificate;
  readonly x509: X509Certificate;
  readonly key: KeyObject;
  /** Every certificate of the CA file, re-encoded, appended to issued leaves. */
  readonly chainPem: string;
}

export function parseCertificatePem(pem: string, what: string): x509.ParsedCertificate[] {
  const blocks = x509.pemBlocks(pem, 'CERTIFICATE');
  if (blocks.length === 0) throw new CertError('invalid-certificate', `${what}: expected a PEM "CERTIFICATE" block, found none`);
  try {
    return blocks.map((b) => x509.parseCertificate(b));
  } catch (e) {
    throw new CertError('invalid-certificate', `${what}: malformed certificate (${(e as Error).message})`, { cause: e });
  }
}

export function parseKeyPem(pem: string, what: string): KeyObject {
  try {
    return x509.parsePrivateKey(pem);
  } catch (e) {
    throw new CertError('invalid-key', `${what}: expected a PEM private key (EC, RSA or PKCS#8): ${(e as Error).message}`, { cause: e });
  }
}

export function keyMatches(key: KeyObject, cert: x509.ParsedCertificate): boolean {
  return x509.publicKeyDer(key).equals(cert.spki);
}

export function loadAuthority(ca: CertificateAuthority, what = 'CA'): LoadedAuthority {
  const certs = parseCertificatePem(ca.certPem, `${what} certificate`);
  const cert = certs[0]!;
  const key = parseKeyPem(ca.keyPem, `${what} key`);
  if (!keyMatches(key, cert)) {
    throw new CertError('ca-key-mismatch', `${what}: the private key does not belong to the certificate "${cert.subjectText}"`);
  }
  if (!cert.isCA) throw new CertError('invalid-certificate', `${what}: "${cert.subjectText}" is not a CA certificate (basicConstraints CA:TRUE expected)`);
  return { pem: ca, cert, x509: new X509Certificate(cert.der), key, chainPem: certs.map((c) => x509.toPem('CERTIFICATE', c.der)).join('') };
}

function checkDays(days: number): void {
  if (!Number.isInteger(days) || days <= 0) throw new CertError('invalid-option', `days must be a positive integer, got ${days}`);
}

function validity(now: Date, days: number): { notBefore: Date; notAfter: Date } {
  checkDays(days);
  return { notBefore: new Date(now.getTime() - BACKDATE_MS), notAfter: new Date(now.getTime() + days * DAY_MS) };
}

export async function createCertificateAuthority(opts: {
  readonly commonName: string;
  readonly days: number;
  /** Make the CA certificate for this existing key instead of a new one. */
  readonly keyPem?: string;
  readonly now?: Date;
}): Promise<CertificateAuthority> {
  if (!opts.commonName) throw new CertError('invalid-option', 'a CA needs a non-empty commonName');
  const key = opts.keyPem === undefined ? await x509.generatePrivateKey('ecdsa-p256') : parseKeyPem(opts.keyPem, 'CA key');
  const certDer = x509.createCertificate(
    {
      subject: { commonName: opts.commonName, organizations: [] },
      publicKey: key,
      ...validity(opts.now ?? new Date(), opts.days),
      isCA: true,
      extKeyUsage: [],
      dnsNames: [],
      ipAddresses: [],
    },
    { selfKey: key },
  );
  return { certPem: x509.toPem('CERTIFICATE', certDer), keyPem: opts.keyPem ?? x509.privateKeyToPem(key) };
}

async function issue(
  ca: CertificateAuthority | LoadedAuthority,
  template: Omit<x509.CertificateTemplate, 'publicKey' | 'notBefore' | 'notAfter' | 'isCA'>,
  opts: { readonly days: number; readonly keyPem?: string; readonly now?: Date },
): Promise<IssuedCertificate> {
  const authority = 'chainPem' in ca ? ca : loadAuthority(ca);
  if (!template.subject.commonName) throw new CertError('invalid-option', 'a certificate needs a non-empty commonName');
  const times = validity(opts.now ?? new Date(), opts.days);
  const key = opts.keyPem === undefined ? await x509.generatePrivateKey('ecdsa-p256') : parseKeyPem(opts.keyPem, 'leaf key');
  let certDer: Buffer;
  try {
    certDer = x509.createCertificate(
      { ...template, publicKey: key, ...times, isCA: false },
      { key: authority.key, subjectDer: authority.cert.subjectDer, subjectKeyId: authority.cert.subjectKeyId },
    );
  } catch (e) {
    throw new CertError('unsupported-key', `cannot sign with the CA "${authority.cert.subjectText}": ${(e as Error).message}`, { cause: e });
  }
  return {
    certPem: x509.toPem('CERTIFICATE', certDer) + authority.chainPem,
    keyPem: opts.keyPem ?? x509.privateKeyToPem(key),
  };
}

export async function issueClientCertificate(ca: CertificateAuthority | LoadedAuthority, req: ClientCertificateRequest): Promise<IssuedCertificate> {
  const subject = { commonName: req.commonName, organizations: req.organizations ?? [] };
  return issue(ca, { subject, extKeyUsage: ['clientAuth'], dnsNames: [], ipAddresses: [] }, req);
}

const DNS_NAME = /^(\*\.)?[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/;

/** Lower-cases and de-duplicates DNS names and IPs; rejects anything that is neither. */
export function normalizeSans(dnsNames: readonly string[], ipAddresses: readonly string[]): { dnsNames: string[]; ipAddresses: string[] } {
  const dns = new Set<string>();
  for (const d of dnsNames) {
    if (!DNS_NAME.test(d) || d.length > 253) throw new CertError('invalid-option', `${JSON.stringify(d)} is not a valid DNS name for a certificate SAN`);
    dns.add(d.toLowerCase());
  }
  const ips = new Map<string, string>();
  for (const ip of ipAddresses) {
    if (isIP(ip) === 0 || ip.includes('%')) throw new CertError('invalid-option', `${JSON.stringify(ip)} is not an IPv4 or IPv6 address`);
    const canonical = x509.canonicalIp(ip);
    if (!ips.has(canonical)) ips.set(canonical, ip);
  }
  return { dnsNames: [...dns], ipAddresses: [...ips.keys()] };
}

export async function issueServingCertificate(ca: CertificateAuthority | LoadedAuthority, req: ServingCertificateRequest): Promise<IssuedCertificate> {
  const sans = normalizeSans(req.dnsNames ?? [], req.ipAddresses ?? []);
  if (sans.dnsNames.length + sans.ipAddresses.length === 0) {
    throw new CertError('invalid-option', `serving certificate "${req.commonName}" needs at least one DNS name or IP address`);
  }
  return issue(ca, { subject: { commonName: req.commonName, organizations: [] }, extKeyUsage: ['serverAuth'], ...sans }, req);
}
