import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueClientCertificate, issueServingCertificate } from './authority';
import { isCertError } from './errors';
import * as der from './internal/der';
import { bytesToIp, ipToBytes } from './internal/ip';
import { parseCertificate, pemBlocks } from './internal/x509';

const first = (pem: string): X509Certificate => new X509Certificate(pem.slice(0, pem.indexOf('-----END CERTIFICATE-----') + 26));

describe('createCertificateAuthority', () => {
  it('makes a self-signed ECDSA P-256 CA valid for the requested days', async () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const ca = await createCertificateAuthority({ commonName: 'test-ca@1', days: 3650, now });
    const cert = new X509Certificate(ca.certPem);
    expect(cert.ca).toBe(true);
    expect(cert.subject).toBe('CN=test-ca@1');
    expect(cert.checkIssued(cert)).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(ca.keyPem).toContain('BEGIN EC PRIVATE KEY');
    const parsed = parseCertificate(pemBlocks(ca.certPem, 'CERTIFICATE')[0]!);
    expect(parsed.notAfter.toISOString()).toBe('2035-12-30T00:00:00.000Z');
    expect(parsed.notBefore.getTime()).toBeLessThan(now.getTime());
    expect(parsed.isCA).toBe(true);
  });

  it('signs with a supplied RSA key (a CA brought by the user)', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const ca = await createCertificateAuthority({ commonName: 'rsa-ca', days: 10, keyPem: rsa });
    expect(ca.keyPem).toBe(rsa);
    const leaf = await issueClientCertificate(ca, { commonName: 'alice', organizations: ['dev'], days: 1 });
    const caCert = new X509Certificate(ca.certPem);
    expect(first(leaf.certPem).verify(caCert.publicKey)).toBe(true);
    expect(first(leaf.certPem).checkIssued(caCert)).toBe(true);
  });
});

describe('issue*Certificate', () => {
  it('issues a client certificate whose chain verifies and whose subject carries user and groups', async () => {
    const ca = await createCertificateAuthority({ commonName: 'client-ca', days: 100 });
    const leaf = await issueClientCertificate(ca, { commonName: 'system:admin', organizations: ['system:masters', 'extra'], days: 30 });
    const caCert = new X509Certificate(ca.certPem);
    const cert = first(leaf.certPem);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(cert.checkPrivateKey(await import('node:crypto').then((c) => c.createPrivateKey(leaf.keyPem)))).toBe(true);
    const parsed = parseCertificate(cert.raw);
    expect(parsed.subject).toEqual({ commonName: 'system:admin', organizations: ['system:masters', 'extra'] });
    expect(parsed.authorityKeyId).toEqual(parseCertificate(caCert.raw).subjectKeyId);
    // The cert file carries the chain: leaf then CA.
    expect(pemBlocks(leaf.certPem, 'CERTIFICATE')).toHaveLength(2);
  });

  it('issues a serving certificate with DNS and IP SANs (IPv4 and IPv6), de-duplicated', async () => {
    const ca = await createCertificateAuthority({ commonName: 'server-ca', days: 100 });
    const leaf = await issueServingCertificate(ca, {
      commonName: 'kube-apiserver',
      dnsNames: ['kubernetes', 'Kubernetes', '*.example.com'],
      ipAddresses: ['10.43.0.1', '::1', '0:0:0:0:0:0:0:1', 'fd00::10'],
      days: 365,
    });
    const cert = first(leaf.certPem);
    expect(cert.subjectAltName).toBe('DNS:kubernetes, DNS:*.example.com, IP Address:10.43.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:FD00:0:0:0:0:0:0:10');
    expect(cert.checkHost('kubernetes')).toBe('kubernetes');
    expect(cert.checkIP('10.43.0.1')).toBe('10.43.0.1');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
  });

  it('rejects bad requests with stable codes', async () => {
    const ca = await createCertificateAuthority({ commonName: 'ca', days: 10 });
    await expect(issueServingCertificate(ca, { commonName: 'x', dnsNames: ['bad name'], days: 1 })).rejects.toSatisfy((e) => isCertError(e, 'invalid-option'));
    await expect(issueServingCertificate(ca, { commonName: 'x', ipAddresses: ['300.1.1.1'], days: 1 })).rejects.toSatisfy((e) => isCertError(e, 'invalid-option'));
    await expect(issueServingCertificate(ca, { commonName: 'x', days: 1 })).rejects.toSatisfy((e) => isCertError(e, 'invalid-option'));
    await expect(issueClientCertificate(ca, { commonName: '', days: 1 })).rejects.toSatisfy((e) => isCertError(e, 'invalid-option'));
    await expect(issueClientCertificate(ca, { commonName: 'a', days: 0 })).rejects.toSatisfy((e) => isCertError(e, 'invalid-option'));
    const other = await createCertificateAuthority({ commonName: 'other', days: 10 });
    await expect(issueClientCertificate({ certPem: ca.certPem, keyPem: other.keyPem }, { commonName: 'a', days: 1 })).rejects.toSatisfy((e) => isCertError(e, 'ca-key-mismatch'));
    await expect(issueClientCertificate({ certPem: 'junk', keyPem: ca.keyPem }, { commonName: 'a', days: 1 })).rejects.toSatisfy((e) => isCertError(e, 'invalid-certificate'));
  });
});

describe('internal encoding', () => {
  it('uses GeneralizedTime from 2050 and round-trips both time forms', () => {
    for (const iso of ['2049-12-31T23:59:59.000Z', '2050-01-01T00:00:00.000Z', '1999-06-01T12:00:00.000Z']) {
      const node = der.readNode(der.time(new Date(iso)));
      expect(node.tag).toBe(iso.startsWith('2050') ? der.TAG.GENERALIZED_TIME : der.TAG.UTC_TIME);
      expect(der.decodeTime(node).toISOString()).toBe(iso);
    }
  });

  it('round-trips OIDs, long lengths and IP text forms', () => {
    for (const id of ['1.2.840.10045.4.3.2', '2.5.29.17', '1.3.6.1.5.5.7.3.1', '2.999.3']) {
      expect(der.decodeOid(der.readNode(der.oid(id)).content)).toBe(id);
    }
    const big = der.octetString(Buffer.alloc(70_000, 1));
    expect(der.readNode(big).content.length).toBe(70_000);
    for (const [ip, text] of [['::', '::'], ['1::', '1::'], ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], ['::ffff:10.0.0.1', '::ffff:a00:1'], ['192.168.0.1', '192.168.0.1']] as const) {
      expect(bytesToIp(ipToBytes(ip)!)).toBe(text);
    }
  });
});
