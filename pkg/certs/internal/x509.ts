// The one module that knows how keys are made and certificates are encoded and signed. Everything
// else in pkg/certs deals in PEM text and the plain objects below, so the backend can be swapped
// (e.g. for @peculiar/x509) by rewriting this file alone.
//
// Backend choice, measured on this 2-core machine (Node 20.20, median of 5, CA + one serving cert):
//   node-forge, RSA-2048 keys from Node's crypto ........ ~490 ms (RSA keygen ~146 ms per key)
//   @peculiar/x509 on crypto.webcrypto, ECDSA P-256 ..... ~10 ms, plus ~110 ms to load the library
//                                                          and reflect-metadata, which patches the
//                                                          global Reflect (a process-wide side effect)
//   Node's crypto + our own DER encoder, ECDSA P-256 .... ~2 ms, no dependency   <- used
// K3s uses ECDSA P-256 for its CAs and leaves; Go's TLS (kubectl) and OpenSSL accept both key types,
// and the tests run the real kubectl against these certificates. service.key stays RSA-2048 (RS256
// service-account tokens). bench/certs.ts prints the current figures.
import { createHash, createPrivateKey, createPublicKey, generateKeyPair, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import * as der from './der';
import { bytesToIp, ipToBytes } from './ip';

const generateKeyPairAsync = promisify(generateKeyPair);

export type KeyAlgorithm = 'ecdsa-p256' | 'rsa-2048';

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  ecdsaSha256: '1.2.840.10045.4.3.2',
  ecdsaSha384: '1.2.840.10045.4.3.3',
  ecdsaSha512: '1.2.840.10045.4.3.4',
  rsaSha256: '1.2.840.113549.1.1.11',
  ed25519: '1.3.101.112',
} as const;

const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.5': 'SERIALNUMBER',
};

// KeyUsage bit numbers (RFC 5280 §4.2.1.3).
const KU = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;

export type ExtKeyUsage = 'serverAuth' | 'clientAuth';

export async function generatePrivateKey(algorithm: KeyAlgorithm): Promise<KeyObject> {
  if (algorithm === 'ecdsa-p256') return generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  return (await generateKeyPairAsync('rsa', { modulusLength: 2048 })).privateKey;
}

/** SEC1 `EC PRIVATE KEY` for EC and PKCS#1 `RSA PRIVATE KEY` for RSA, as K3s/Go write them. */
export function privateKeyToPem(key: KeyObject): string {
  const type = key.asymmetricKeyType;
  if (type === 'ec') return key.export({ type: 'sec1', format: 'pem' }).toString();
  if (type === 'rsa') return key.export({ type: 'pkcs1', format: 'pem' }).toString();
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** Throws Node's error for text that holds no private key; callers wrap it. */
export const parsePrivateKey = (pem: string): KeyObject => createPrivateKey(pem);

export function publicKeyDer(key: KeyObject): Buffer {
  return (key.type === 'public' ? key : createPublicKey(key)).export({ type: 'spki', format: 'der' });
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
export function keyIdentifier(spki: Buffer): Buffer {
  const [, bits] = der.children(der.readNode(spki));
  return createHash('sha1').update(bits!.content.subarray(1)).digest();
}

export interface Name {
  readonly commonName: string;
  readonly organizations: readonly string[];
}

function encodeName(name: Name): Buffer {
  const rdn = (type: string, value: string): Buffer => der.set(der.sequence(der.oid(type), der.utf8String(value)));
  return der.sequence(...name.organizations.map((o) => rdn(OID.organization, o)), rdn(OID.commonName, name.commonName));
}

export interface CertificateTemplate {
  readonly subject: Name;
  readonly publicKey: KeyObject;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly isCA: boolean;
  readonly extKeyUsage: readonly ExtKeyUsage[];
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
}

/** Who signs: the issuer's key and, taken verbatim from its certificate, its subject and key id. */
export interface Signer {
  readonly key: KeyObject;
  readonly subjectDer: Buffer;
  readonly subjectKeyId: Buffer | undefined;
}

function signatureAlgorithm(key: KeyObject): { algorithm: Buffer; hash: string | null } {
  const type = key.asymmetricKeyType;
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return { algorithm: der.sequence(der.oid(OID.ecdsaSha256)), hash: 'sha256' };
    if (curve === 'secp384r1') return { algorithm: der.sequence(der.oid(OID.ecdsaSha384)), hash: 'sha384' };
    if (curve === 'secp521r1') return { algorithm: der.sequence(der.oid(OID.ecdsaSha512)), hash: 'sha512' };
    throw new Error(`EC curve ${String(curve)} is not supported for signing (expected P-256, P-384 or P-521)`);
  }
  if (type === 'rsa') return { algorithm: der.sequence(der.oid(OID.rsaSha256), der.nullValue()), hash: 'sha256' };
  if (type === 'ed25519') return { algorithm: der.sequence(der.oid(OID.ed25519)), hash: null };
  throw new Error(`key type ${String(type)} is not supported for signing (expected ec, rsa or ed25519)`);
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return der.sequence(der.oid(id), ...(critical ? [der.boolean(true)] : []), der.octetString(value));
}

/** Builds and signs a certificate; with no `issuer` it is self-signed by `selfKey`. Returns DER. */
export function createCertificate(t: CertificateTemplate, issuer: Signer | { selfKey: KeyObject }): Buffer {
  const spki = publicKeyDer(t.publicKey);
  const subjectDer = encodeName(t.subject);
  const ownKeyId = keyIdentifier(spki);
  const signer: Signer = 'selfKey' in issuer ? { key: issuer.selfKey, subjectDer, subjectKeyId: undefined } : issuer;
  const { algorithm, hash } = signatureAlgorithm(signer.key);

  const leafUsage = t.publicKey.asymmetricKeyType === 'rsa' ? [KU.digitalSignature, KU.keyEncipherment] : [KU.digitalSignature];
  const extensions: Buffer[] = [
    extension(OID.keyUsage, true, der.namedBits(t.isCA ? [KU.digitalSignature, KU.keyCertSign, KU.cRLSign] : leafUsage)),
    extension(OID.basicConstraints, true, t.isCA ? der.sequence(der.boolean(true)) : der.sequence()),
  ];
  if (t.extKeyUsage.length > 0) {
    extensions.push(extension(OID.extKeyUsage, false, der.sequence(...t.extKeyUsage.map((u) => der.oid(OID[u])))));
  }
  extensions.push(extension(OID.subjectKeyId, false, der.octetString(ownKeyId)));
  if (signer.subjectKeyId) {
    extensions.push(extension(OID.authorityKeyId, false, der.sequence(der.implicitPrimitive(0, signer.subjectKeyId))));
  }
  if (t.dnsNames.length + t.ipAddresses.length > 0) {
    const names = [
      ...t.dnsNames.map((d) => der.implicitPrimitive(2, Buffer.from(d, 'ascii'))),
      ...t.ipAddresses.map((ip) => {
        const bytes = ipToBytes(ip);
        if (!bytes) throw new Error(`${JSON.stringify(ip)} is not an IP address`);
        return der.implicitPrimitive(7, bytes);
      }),
    ];
    extensions.push(extension(OID.subjectAltName, false, der.sequence(...names)));
  }

  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f || 0x01; // positive, 16 bytes, minimal encoding
  const tbs = der.sequence(
    der.explicit(0, der.smallInteger(2)),
    der.unsignedInteger(serial),
    algorithm,
    signer.subjectDer,
    der.sequence(der.time(t.notBefore), der.time(t.notAfter)),
    subjectDer,
    spki,
    der.explicit(3, der.sequence(...extensions)),
  );
  const signature = sign(hash, tbs, signer.key);
  return der.sequence(tbs, algorithm, der.bitString(signature));
}

export interface ParsedCertificate {
  readonly der: Buffer;
  readonly serialHex: string;
  readonly subject: Name;
  readonly subjectText: string;
  readonly subjectDer: Buffer;
  readonly issuerText: string;
  readonly issuerDer: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly isCA: boolean;
  readonly dnsNames: readonly string[];
  /** Canonical text forms (dotted IPv4, RFC 5952 IPv6). */
  readonly ipAddresses: readonly string[];
  readonly subjectKeyId: Buffer | undefined;
  readonly authorityKeyId: Buffer | undefined;
  readonly spki: Buffer;
}

function decodeString(node: der.DerNode): string {
  if (node.tag === 0x1e && node.content.length % 2 === 0) return Buffer.from(node.content).swap16().toString('utf16le'); // BMPString
  return node.content.toString(node.tag === der.TAG.UTF8_STRING ? 'utf8' : 'latin1');
}

function decodeName(node: der.DerNode): { name: Name; text: string } {
  let commonName = '';
  const organizations: string[] = [];
  const parts: string[] = [];
  for (const rdn of der.children(node)) {
    for (const atv of der.children(rdn)) {
      const [type, value] = der.children(atv);
      const id = der.decodeOid(type!.content);
      const text = decodeString(value!);
      if (id === OID.commonName) commonName = text;
      if (id === OID.organization) organizations.push(text);
      parts.push(`${ATTRIBUTE_NAMES[id] ?? id}=${text}`);
    }
  }
  // Most specific first (CN=…,O=…), as Go's pkix.Name prints it.
  return { name: { commonName, organizations }, text: parts.reverse().join(',') };
}

/** Parses one DER certificate. Throws on anything that is not a well-formed v1–v3 certificate. */
export function parseCertificate(certDer: Buffer): ParsedCertificate {
  const cert = der.readNode(certDer);
  if (cert.tag !== der.TAG.SEQUENCE || cert.raw.length !== certDer.length) throw new Error('not a DER certificate');
  const tbs = der.children(cert)[0];
  if (!tbs || tbs.tag !== der.TAG.SEQUENCE) throw new Error('certificate has no TBSCertificate');
  const fields = der.children(tbs);
  let i = fields[0]?.tag === 0xa0 ? 1 : 0;
  const serial = fields[i++]!;
  i++; // signature algorithm
  const issuer = fields[i++]!;
  const validity = der.children(fields[i++]!);
  const subject = fields[i++]!;
  const spki = fields[i++]!;
  const extensionsNode = fields.slice(i).find((f) => f.tag === 0xa3);

  let isCA = false;
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  let subjectKeyId: Buffer | undefined;
  let authorityKeyId: Buffer | undefined;
  const extensions = extensionsNode ? der.children(der.children(extensionsNode)[0]!) : [];
  for (const ext of extensions) {
    const parts = der.children(ext);
    const id = der.decodeOid(parts[0]!.content);
    const value = der.readNode(parts[parts.length - 1]!.content);
    if (id === OID.basicConstraints) {
      const first = der.children(value)[0];
      isCA = first?.tag === der.TAG.BOOLEAN && first.content[0] !== 0;
    } else if (id === OID.subjectAltName) {
      for (const gn of der.children(value)) {
        if (gn.tag === 0x82) dnsNames.push(gn.content.toString('ascii'));
        if (gn.tag === 0x87) ipAddresses.push(bytesToIp(gn.content));
      }
    } else if (id === OID.subjectKeyId) {
      subjectKeyId = Buffer.from(value.content);
    } else if (id === OID.authorityKeyId) {
      const keyId = der.children(value).find((c) => c.tag === 0x80);
      if (keyId) authorityKeyId = Buffer.from(keyId.content);
    }
  }
  const s = decodeName(subject);
  const iss = decodeName(issuer);
  return {
    der: certDer,
    serialHex: serial.content.toString('hex'),
    subject: s.name,
    subjectText: s.text,
    subjectDer: Buffer.from(subject.raw),
    issuerText: iss.text,
    issuerDer: Buffer.from(issuer.raw),
    notBefore: der.decodeTime(validity[0]!),
    notAfter: der.decodeTime(validity[1]!),
    isCA,
    dnsNames,
    ipAddresses,
    subjectKeyId,
    authorityKeyId,
    spki: Buffer.from(spki.raw),
  };
}

export function toPem(label: string, body: Buffer): string {
  const b64 = body.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** Every PEM block with the given label, decoded, in file order. */
export function pemBlocks(text: string, label: string): Buffer[] {
  const re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`, 'g');
  return [...text.matchAll(re)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}

/** The text form an IP takes after a round trip through a certificate (so SAN sets compare). */
export function canonicalIp(ip: string): string {
  const bytes = ipToBytes(ip);
  if (!bytes) throw new Error(`${JSON.stringify(ip)} is not an IP address`);
  return bytesToIp(bytes);
}
