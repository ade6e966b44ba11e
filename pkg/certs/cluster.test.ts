import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCertificateAuthority } from './authority';
import { checkCertificates } from './check';
import { LEAF_CERTIFICATES, ensureClusterCertificates, rotateCertificates, type ClusterCertificateConfig } from './cluster';
import { isCertError } from './errors';

const DAY = 86_400_000;
const START = new Date('2026-03-01T00:00:00Z');
let root: string;
let config: ClusterCertificateConfig;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'k3ts-certs-'));
  config = Object.freeze({
    tlsDir: join(root, 'server', 'tls'),
    clusterDomain: 'cluster.local',
    serviceIPs: ['10.43.0.1'],
    nodeIPs: ['192.168.5.10'],
    hostname: 'node-a',
    tlsSans: ['k3ts.example.com', '203.0.113.7'],
    now: () => START,
  });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const at = (days: number): (() => Date) => () => new Date(START.getTime() + days * DAY);
const read = (name: string): Promise<string> => readFile(join(config.tlsDir, name), 'utf8');
const x509 = (pem: string): X509Certificate => new X509Certificate(pem.slice(0, pem.indexOf('-----END CERTIFICATE-----') + 26));
async function snapshot(): Promise<Map<string, string>> {
  const files = (await readdir(config.tlsDir)).sort();
  return new Map(await Promise.all(files.map(async (f) => [f, await read(f)] as [string, string])));
}

const CLIENT_SUBJECTS: Record<string, string> = {
  'client-admin': 'O=system:masters\nCN=system:admin',
  'client-supervisor': 'O=system:masters\nCN=system:k3ts-supervisor',
  'client-controller': 'CN=system:kube-controller-manager',
  'client-scheduler': 'CN=system:kube-scheduler',
  'client-kube-proxy': 'CN=system:kube-proxy',
  'client-k3ts-controller': 'CN=system:k3ts-controller',
  'client-kube-apiserver': 'O=system:masters\nCN=system:kube-apiserver',
  'client-auth-proxy': 'CN=system:auth-proxy',
};

describe('ensureClusterCertificates', () => {
  it('creates the K3s-shaped set on first start with verifying chains, SANs and private modes', async () => {
    const result = await ensureClusterCertificates(config);
    expect(result.reused).toEqual([]);
    expect(result.reissued).toEqual([]);
    expect([...result.created].sort()).toEqual(
      ['server-ca.crt', 'client-ca.crt', 'request-header-ca.crt', 'service.key', 'serving-kube-apiserver.crt', ...Object.keys(CLIENT_SUBJECTS).map((n) => `${n}.crt`)].sort(),
    );
    expect((await stat(config.tlsDir)).mode & 0o777).toBe(0o700);
    for (const f of await readdir(config.tlsDir)) {
      const mode = (await stat(join(config.tlsDir, f))).mode & 0o777;
      expect([f, mode]).toEqual([f, f.endsWith('.key') ? 0o600 : 0o644]);
    }

    const serverCa = new X509Certificate(await read('server-ca.crt'));
    const clientCa = new X509Certificate(await read('client-ca.crt'));
    const requestHeaderCa = new X509Certificate(await read('request-header-ca.crt'));
    for (const ca of [serverCa, clientCa, requestHeaderCa]) {
      expect(ca.ca).toBe(true);
      expect(ca.verify(ca.publicKey)).toBe(true);
      expect(new Date(ca.validTo).getTime() - START.getTime()).toBe(3650 * DAY);
    }
    expect(serverCa.subject).toMatch(/^CN=k3ts-server-ca@\d+$/);

    const serving = x509(await read('serving-kube-apiserver.crt'));
    expect(serving.checkIssued(serverCa)).toBe(true);
    expect(serving.verify(serverCa.publicKey)).toBe(true);
    expect(serving.subject).toBe('CN=kube-apiserver');
    expect(new Date(serving.validTo).getTime() - START.getTime()).toBe(365 * DAY);
    for (const dns of ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'localhost', 'node-a', 'k3ts.example.com']) {
      expect(serving.subjectAltName).toContain(`DNS:${dns}`);
    }
    for (const ip of ['10.43.0.1', '127.0.0.1', '192.168.5.10', '203.0.113.7']) expect(serving.subjectAltName).toContain(`IP Address:${ip}`);
    expect(serving.checkPrivateKey((await import('node:crypto')).createPrivateKey(await read('serving-kube-apiserver.key')))).toBe(true);

    for (const [name, subject] of Object.entries(CLIENT_SUBJECTS)) {
      const cert = x509(await read(`${name}.crt`));
      const ca = name === 'client-auth-proxy' ? requestHeaderCa : clientCa;
      expect([name, cert.subject, cert.checkIssued(ca), cert.verify(ca.publicKey)]).toEqual([name, subject, true, true]);
    }

    const serviceKey = (await import('node:crypto')).createPrivateKey(result.serviceKeyPem);
    expect(serviceKey.asymmetricKeyType).toBe('rsa');
    expect(serviceKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(result.serverCa.certPem).toBe(await read('server-ca.crt'));
    expect(result.clients.admin.keyPem).toBe(await read('client-admin.key'));
    expect(result.servingKubeApiserver.certPem).toBe(await read('serving-kube-apiserver.crt'));
  });

  it('reuses every file byte for byte on a second start', async () => {
    await ensureClusterCertificates(config);
    const before = await snapshot();
    const again = await ensureClusterCertificates({ ...config, now: at(30) });
    expect(again.created).toEqual([]);
    expect(again.reissued).toEqual([]);
    expect(again.reused).toHaveLength((before.size - 1) / 2 + 1); // every .crt plus service.key
    expect(await snapshot()).toEqual(before);
    expect(again.clients.admin.certPem).toBe(before.get('client-admin.crt'));
  });

  it('re-issues leaves within 120 days of expiry, never the CAs or service.key', async () => {
    await ensureClusterCertificates(config);
    const before = await snapshot();
    const not = await ensureClusterCertificates({ ...config, now: at(365 - 121) });
    expect(not.reissued).toEqual([]);
    const later = await ensureClusterCertificates({ ...config, now: at(365 - 119) });
    expect(later.reissued.map((r) => r.file).sort()).toEqual(LEAF_CERTIFICATES.map((n) => `${n}.crt`).sort());
    expect(later.reissued[0]!.reason).toMatch(/expires .* \(119 days left\)/);
    const after = await snapshot();
    for (const f of ['server-ca.crt', 'server-ca.key', 'client-ca.crt', 'client-ca.key', 'request-header-ca.crt', 'request-header-ca.key', 'service.key']) {
      expect([f, after.get(f)]).toEqual([f, before.get(f)]);
    }
    const serving = x509(after.get('serving-kube-apiserver.crt')!);
    expect(new Date(serving.validTo).getTime()).toBe(at(365 - 119)().getTime() + 365 * DAY);
    expect(serving.verify(new X509Certificate(after.get('server-ca.crt')!).publicKey)).toBe(true);
    expect(after.get('serving-kube-apiserver.key')).not.toBe(before.get('serving-kube-apiserver.key'));
  });

  it('warns about, but never regenerates, a CA close to expiry', async () => {
    await ensureClusterCertificates(config);
    const ca = await read('server-ca.crt');
    const late = await ensureClusterCertificates({ ...config, now: at(3650 - 10) });
    expect(await read('server-ca.crt')).toBe(ca);
    expect(late.warnings.some((w) => w.startsWith('server-ca.crt expires'))).toBe(true);
  });

  it('re-issues only the serving certificate when SANs change', async () => {
    await ensureClusterCertificates(config);
    const before = await snapshot();
    const moved = await ensureClusterCertificates({ ...config, nodeIPs: ['192.168.5.11'], tlsSans: ['k3ts.example.com'] });
    expect(moved.reissued).toEqual([{ file: 'serving-kube-apiserver.crt', reason: 'SANs changed (+192.168.5.11 -192.168.5.10 -203.0.113.7)' }]);
    const serving = x509(await read('serving-kube-apiserver.crt'));
    expect(serving.subjectAltName).toContain('IP Address:192.168.5.11');
    expect(serving.subjectAltName).not.toContain('203.0.113.7');
    expect(await read('client-admin.crt')).toBe(before.get('client-admin.crt'));
  });

  it('re-issues a leaf whose key is missing or foreign, or that a replaced CA did not sign', async () => {
    await ensureClusterCertificates(config);
    await unlink(join(config.tlsDir, 'client-admin.key'));
    await writeFile(join(config.tlsDir, 'client-scheduler.key'), await read('client-controller.key'));
    const r = await ensureClusterCertificates(config);
    expect(r.reissued).toEqual([
      { file: 'client-admin.crt', reason: 'key file missing' },
      { file: 'client-scheduler.crt', reason: 'key does not match the certificate' },
    ]);
    // An operator swaps in their own client CA: every client-ca leaf follows it.
    const custom = await createCertificateAuthority({ commonName: 'corp-ca', days: 100, now: START });
    await writeFile(join(config.tlsDir, 'client-ca.crt'), custom.certPem);
    await writeFile(join(config.tlsDir, 'client-ca.key'), custom.keyPem);
    const swapped = await ensureClusterCertificates(config);
    expect(swapped.reissued.map((x) => x.file)).toHaveLength(7);
    expect(swapped.reissued[0]!.reason).toBe('not signed by the current CN=corp-ca');
    expect(x509(await read('client-admin.crt')).checkIssued(new X509Certificate(custom.certPem))).toBe(true);
  });

  it('refuses a CA certificate without its key, and keeps a CA key whose certificate is missing', async () => {
    await ensureClusterCertificates(config);
    const key = await read('server-ca.key');
    await unlink(join(config.tlsDir, 'server-ca.key'));
    await expect(ensureClusterCertificates(config)).rejects.toSatisfy((e) => isCertError(e, 'ca-key-missing'));
    await writeFile(join(config.tlsDir, 'server-ca.key'), key, { mode: 0o600 });
    await unlink(join(config.tlsDir, 'server-ca.crt'));
    const r = await ensureClusterCertificates({ ...config, now: at(1) }); // a new CA name, the same key
    expect(r.created).toEqual(['server-ca.crt']);
    expect(await read('server-ca.key')).toBe(key);
    expect(r.reissued.map((x) => x.file)).toEqual(['serving-kube-apiserver.crt']);
  });

  it('rejects a bad config with invalid-option', async () => {
    await expect(ensureClusterCertificates({ ...config, nodeIPs: ['not-an-ip'] })).rejects.toSatisfy((e) => isCertError(e, 'invalid-option'));
    await expect(ensureClusterCertificates({ ...config, tlsSans: ['bad san'] })).rejects.toSatisfy((e) => isCertError(e, 'invalid-option'));
    await expect(ensureClusterCertificates({ ...config, clusterDomain: 'Bad_Domain' })).rejects.toSatisfy((e) => isCertError(e, 'invalid-option'));
  });
});

describe('rotateCertificates', () => {
  it('re-issues the named leaves only, or all leaves, and never CAs', async () => {
    await ensureClusterCertificates(config);
    const before = await snapshot();
    const one = await rotateCertificates(config, ['client-admin']);
    expect(one.reissued).toEqual([{ file: 'client-admin.crt', reason: 'rotation requested' }]);
    expect(await read('client-admin.crt')).not.toBe(before.get('client-admin.crt'));
    expect(await read('client-scheduler.crt')).toBe(before.get('client-scheduler.crt'));

    const all = await rotateCertificates(config);
    expect(all.reissued).toHaveLength(LEAF_CERTIFICATES.length);
    expect(await read('server-ca.crt')).toBe(before.get('server-ca.crt'));
    expect(await read('service.key')).toBe(before.get('service.key'));
    await expect(rotateCertificates(config, ['server-ca'])).rejects.toSatisfy((e) => isCertError(e, 'unknown-certificate'));
  });
});

describe('checkCertificates', () => {
  it('lists every certificate with subject, issuer, expiry and days left', async () => {
    await ensureClusterCertificates(config);
    await writeFile(join(config.tlsDir, 'broken.crt'), 'not a cert');
    const list = await checkCertificates(config.tlsDir, at(300)());
    expect(list.map((c) => c.file)).toEqual([...list.map((c) => c.file)].sort());
    const admin = list.find((c) => c.file === 'client-admin.crt');
    expect(admin).toMatchObject({ status: 'expiring', subject: 'CN=system:admin,O=system:masters', daysLeft: 65, isCA: false });
    expect(admin?.status !== 'invalid' && admin?.issuer).toMatch(/^CN=k3ts-client-ca@/);
    expect(list.find((c) => c.file === 'server-ca.crt')).toMatchObject({ status: 'ok', daysLeft: 3350, isCA: true });
    expect(list.find((c) => c.file === 'broken.crt')).toMatchObject({ status: 'invalid' });
    expect((await checkCertificates(config.tlsDir, at(400)())).find((c) => c.file === 'client-admin.crt')).toMatchObject({ status: 'expired', daysLeft: -35 });
  });
});
