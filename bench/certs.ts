// Certificate start-up cost: a first start (3 CAs, service.key, 9 leaves written to disk) vs a
// reuse start (read, parse, verify, keep), median of 5 each, plus a baseline measured in the same
// run: node-forge signing an RSA-2048 CA + one server cert with keys made by Node's crypto (the
// other way the brief allowed). Run: npx tsx bench/certs.ts
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { createCertificateAuthority, ensureClusterCertificates, issueServingCertificate } from '../pkg/certs';

const RUNS = 5;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

function forgeRsaCaAndServer(): void {
  const keys = (): { priv: forge.pki.rsa.PrivateKey; pub: forge.pki.rsa.PublicKey } => {
    const k = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return {
      priv: forge.pki.privateKeyFromPem(k.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()),
      pub: forge.pki.publicKeyFromPem(k.publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    };
  };
  const make = (pub: forge.pki.rsa.PublicKey, serial: string, cn: string, days: number): forge.pki.Certificate => {
    const c = forge.pki.createCertificate();
    c.publicKey = pub;
    c.serialNumber = serial;
    c.validity.notBefore = new Date();
    c.validity.notAfter = new Date(Date.now() + days * 86_400_000);
    c.setSubject([{ name: 'commonName', value: cn }]);
    return c;
  };
  const caKeys = keys();
  const ca = make(caKeys.pub, '01', 'ca', 3650);
  ca.setIssuer(ca.subject.attributes);
  ca.setExtensions([{ name: 'basicConstraints', cA: true }]);
  ca.sign(caKeys.priv, forge.md.sha256.create());
  const leaf = make(keys().pub, '02', 'kube-apiserver', 365);
  leaf.setIssuer(ca.subject.attributes);
  leaf.setExtensions([{ name: 'subjectAltName', altNames: [{ type: 2, value: 'kubernetes' }, { type: 7, ip: '10.43.0.1' }] }]);
  leaf.sign(caKeys.priv, forge.md.sha256.create());
  forge.pki.certificateToPem(leaf);
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'k3ts-bench-certs-'));
  try {
    const config = (i: number) => ({
      tlsDir: join(root, `tls-${i}`),
      clusterDomain: 'cluster.local',
      serviceIPs: ['10.43.0.1'],
      nodeIPs: ['192.168.1.10'],
      hostname: 'bench',
      tlsSans: ['k3ts.example.com'],
    });
    await ensureClusterCertificates(config(-1)); // warm up module loading and OpenSSL
    const first: number[] = [];
    const reuse: number[] = [];
    for (let i = 0; i < RUNS; i++) first.push(await timed(() => ensureClusterCertificates(config(i))));
    for (let i = 0; i < RUNS; i++) reuse.push(await timed(() => ensureClusterCertificates(config(i))));
    const ecPair: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      ecPair.push(
        await timed(async () => {
          const ca = await createCertificateAuthority({ commonName: 'ca', days: 3650 });
          await issueServingCertificate(ca, { commonName: 'kube-apiserver', dnsNames: ['kubernetes'], ipAddresses: ['10.43.0.1'], days: 365 });
        }),
      );
    }
    const forgePair: number[] = [];
    for (let i = 0; i < RUNS; i++) forgePair.push(await timed(async () => forgeRsaCaAndServer()));

    const f = (ms: number): string => `${ms.toFixed(1)} ms`;
    console.log(`certs: median of ${RUNS}, node ${process.version}`);
    console.log(`  first start (3 CAs + RSA service.key + 9 leaves, written): ${f(median(first))}`);
    console.log(`  reuse start (read + parse + verify, nothing written):      ${f(median(reuse))}  (${(median(first) / median(reuse)).toFixed(1)}x faster)`);
    console.log(`  ECDSA P-256 CA + serving cert, in memory (k3ts backend):   ${f(median(ecPair))}`);
    console.log(`  baseline node-forge RSA-2048 CA + serving cert:             ${f(median(forgePair))}  (${(median(forgePair) / median(ecPair)).toFixed(0)}x the k3ts backend)`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

void main();
