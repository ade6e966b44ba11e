import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCertificateAuthority } from './authority';
import { createCertificateRequest, parseCertificateRequest, signCertificateRequest } from './certificate-request';
import { isCertError } from './errors';
import { generatePrivateKey, privateKeyToPem } from './internal/x509';

describe('certificate requests', () => {
  it('builds, parses and signs a request with SANs', async () => {
    const keyPem = privateKeyToPem(await generatePrivateKey('ecdsa-p256'));
    const pem = createCertificateRequest({ keyPem, commonName: 'system:node:n1', organizations: ['system:nodes'], dnsNames: ['n1'], ipAddresses: ['10.0.0.5'] });
    const req = parseCertificateRequest(pem);
    expect(req).toMatchObject({ commonName: 'system:node:n1', organizations: ['system:nodes'], dnsNames: ['n1'], ipAddresses: ['10.0.0.5'], otherSans: false });
    const ca = await createCertificateAuthority({ commonName: 'test-ca', days: 1 });
    const now = new Date();
    const certPem = signCertificateRequest(ca, { request: req, extKeyUsage: ['serverAuth'], notBefore: now, notAfter: new Date(now.getTime() + 3_600_000) });
    const cert = new X509Certificate(certPem);
    expect(cert.subject).toContain('CN=system:node:n1');
    expect(cert.subjectAltName).toBe('DNS:n1, IP Address:10.0.0.5');
    expect(cert.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
    expect(cert.checkPrivateKey((await import('node:crypto')).createPrivateKey(keyPem))).toBe(true);
  });

  it('reads what openssl writes (RSA)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'k3ts-csr-'));
    try {
      execFileSync('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k'), '-out', join(dir, 'r'), '-subj', '/O=dev/CN=alice'], { stdio: 'ignore' });
      const req = parseCertificateRequest(readFileSync(join(dir, 'r'), 'utf8'));
      expect(req).toMatchObject({ commonName: 'alice', organizations: ['dev'], dnsNames: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a request whose signature does not verify, and text without a request', async () => {
    const keyPem = privateKeyToPem(await generatePrivateKey('ecdsa-p256'));
    const pem = createCertificateRequest({ keyPem, commonName: 'bob' });
    const body = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
    body[20] = body[20]! ^ 0xff; // inside the subject
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${body.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    expect(() => parseCertificateRequest(tampered)).toThrow(/certificate request/);
    try {
      parseCertificateRequest('nothing here');
      expect.unreachable();
    } catch (e) {
      expect(isCertError(e, 'invalid-request')).toBe(true);
    }
  });
});
