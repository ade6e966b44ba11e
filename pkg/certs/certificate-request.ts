// PKCS#10 certificate signing requests (RFC 2986): parse and verify one (subject, public key,
// requested DNS/IP SANs), sign it with a CA for the CertificateSigningRequest signers, and build
// one from a key (for clients that ask the cluster for a certificate).
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { loadAuthority, parseKeyPem, type CertificateAuthority, type LoadedAuthority } from './authority';
import { CertError } from './errors';
import * as der from './internal/der';
import { bytesToIp, ipToBytes } from './internal/ip';
import * as x509 from './internal/x509';

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  extensionRequest: '1.2.840.113549.1.9.14',
  subjectAltName: '2.5.29.17',
  ecdsaSha256: '1.2.840.10045.4.3.2',
  ecdsaSha384: '1.2.840.10045.4.3.3',
  ecdsaSha512: '1.2.840.10045.4.3.4',
  rsaSha256: '1.2.840.113549.1.1.11',
  rsaSha384: '1.2.840.113549.1.1.12',
  rsaSha512: '1.2.840.113549.1.1.13',
  ed25519: '1.3.101.112',
} as const;

const HASH_OF: Readonly<Record<string, string | null>> = {
  [OID.ecdsaSha256]: 'sha256',
  [OID.ecdsaSha384]: 'sha384',
  [OID.ecdsaSha512]: 'sha512',
  [OID.rsaSha256]: 'sha256',
  [OID.rsaSha384]: 'sha384',
  [OID.rsaSha512]: 'sha512',
  [OID.ed25519]: null,
};

export interface CertificateRequestInfo {
  readonly commonName: string;
  readonly organizations: readonly string[];
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  /** Whether the request carries email, URI or other SANs (signers that allow none refuse these). */
  readonly otherSans: boolean;
  readonly publicKey: KeyObject;
}

function decodeText(node: der.DerNode): string {
  return node.content.toString(node.tag === der.TAG.UTF8_STRING ? 'utf8' : 'latin1');
}

function parseRequestDer(body: Buffer): CertificateRequestInfo {
  const root = der.readNode(body);
  const [info, algorithm, signature] = der.children(root);
  if (!info || !algorithm || !signature || info.tag !== der.TAG.SEQUENCE) throw new Error('not a CertificationRequest');
  const [, subject, spki, attributes] = der.children(info);
  if (!subject || !spki) throw new Error('CertificationRequestInfo lacks subject or public key');
  let commonName = '';
  const organizations: string[] = [];
  for (const rdn of der.children(subject)) {
    for (const atv of der.children(rdn)) {
      const [type, value] = der.children(atv);
      const id = der.decodeOid(type!.content);
      if (id === OID.commonName) commonName = decodeText(value!);
      if (id === OID.organization) organizations.push(decodeText(value!));
    }
  }
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  let otherSans = false;
  for (const attr of attributes && attributes.tag === 0xa0 ? der.children(attributes) : []) {
    const [type, values] = der.children(attr);
    if (der.decodeOid(type!.content) !== OID.extensionRequest) continue;
    for (const exts of der.children(values!)) {
      for (const ext of der.children(exts)) {
        const parts = der.children(ext);
        if (der.decodeOid(parts[0]!.content) !== OID.subjectAltName) continue;
        for (const gn of der.children(der.readNode(parts[parts.length - 1]!.content))) {
          if (gn.tag === 0x82) dnsNames.push(gn.content.toString('ascii'));
          else if (gn.tag === 0x87) ipAddresses.push(bytesToIp(gn.content));
          else otherSans = true;
        }
      }
    }
  }
  const publicKey = createPublicKey({ key: Buffer.from(spki.raw), format: 'der', type: 'spki' });
  const algId = der.decodeOid(der.children(algorithm)[0]!.content);
  if (!(algId in HASH_OF)) throw new Error(`unsupported signature algorithm ${algId}`);
  const sig = signature.content.subarray(1);
  if (!verify(HASH_OF[algId] ?? null, info.raw, publicKey, sig)) throw new Error('the request signature does not verify with its public key');
  return { commonName, organizations, dnsNames, ipAddresses, otherSans, publicKey };
}

/** Parses the first PEM `CERTIFICATE REQUEST` block and checks its self-signature. */
export function parseCertificateRequest(pem: string): CertificateRequestInfo {
  const blocks = x509.pemBlocks(pem, 'CERTIFICATE REQUEST');
  if (blocks.length === 0) throw new CertError('invalid-request', 'expected a PEM "CERTIFICATE REQUEST" block, found none');
  try {
    return parseRequestDer(blocks[0]!);
  } catch (e) {
    throw new CertError('invalid-request', `malformed certificate request: ${(e as Error).message}`, { cause: e });
  }
}

export interface SignRequestOptions {
  readonly request: CertificateRequestInfo;
  readonly extKeyUsage: readonly ('serverAuth' | 'clientAuth')[];
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** Issues a certificate for the request's subject, key and SANs; returns the leaf PEM alone. */
export function signCertificateRequest(ca: CertificateAuthority | LoadedAuthority, opts: SignRequestOptions): string {
  const authority = 'chainPem' in ca ? ca : loadAuthority(ca);
  const r = opts.request;
  try {
    const certDer = x509.createCertificate(
      {
        subject: { commonName: r.commonName, organizations: r.organizations },
        publicKey: r.publicKey,
        notBefore: opts.notBefore,
        notAfter: opts.notAfter,
        isCA: false,
        extKeyUsage: opts.extKeyUsage,
        dnsNames: r.dnsNames,
        ipAddresses: r.ipAddresses,
      },
      { key: authority.key, subjectDer: authority.cert.subjectDer, subjectKeyId: authority.cert.subjectKeyId },
    );
    return x509.toPem('CERTIFICATE', certDer);
  } catch (e) {
    throw new CertError('unsupported-key', `cannot sign the request with the CA "${authority.cert.subjectText}": ${(e as Error).message}`, { cause: e });
  }
}

export interface CreateRequestOptions {
  readonly keyPem: string;
  readonly commonName: string;
  readonly organizations?: readonly string[];
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
}

/** A PEM CERTIFICATE REQUEST signed with `keyPem` (EC P-256 or RSA). */
export function createCertificateRequest(opts: CreateRequestOptions): string {
  const key = parseKeyPem(opts.keyPem, 'request key');
  const rdn = (type: string, value: string): Buffer => der.set(der.sequence(der.oid(type), der.utf8String(value)));
  const subject = der.sequence(...(opts.organizations ?? []).map((o) => rdn(OID.organization, o)), rdn(OID.commonName, opts.commonName));
  const sans = [
    ...(opts.dnsNames ?? []).map((d) => der.implicitPrimitive(2, Buffer.from(d, 'ascii'))),
    ...(opts.ipAddresses ?? []).map((ip) => {
      const bytes = ipToBytes(ip);
      if (!bytes) throw new CertError('invalid-option', `${JSON.stringify(ip)} is not an IP address`);
      return der.implicitPrimitive(7, bytes);
    }),
  ];
  const attributes = sans.length
    ? der.tlv(0xa0, der.sequence(der.oid(OID.extensionRequest), der.set(der.sequence(der.sequence(der.oid(OID.subjectAltName), der.octetString(der.sequence(...sans)))))))
    : der.tlv(0xa0, Buffer.alloc(0));
  const info = der.sequence(der.smallInteger(0), subject, x509.publicKeyDer(key), attributes);
  const type = key.asymmetricKeyType;
  if (type !== 'ec' && type !== 'rsa') throw new CertError('unsupported-key', `cannot sign a request with a ${String(type)} key (expected EC or RSA)`);
  const algorithm = type === 'ec' ? der.sequence(der.oid(OID.ecdsaSha256)) : der.sequence(der.oid(OID.rsaSha256), der.nullValue());
  const body = der.sequence(info, algorithm, der.bitString(sign('sha256', info, key)));
  return x509.toPem('CERTIFICATE REQUEST', body);
}
