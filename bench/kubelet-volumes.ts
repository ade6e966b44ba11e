// What keeping configMap/secret/projected volumes current costs the kubelet: prepareVolumes for a
// pod with a kube-api-access projected volume (token, ca.crt, namespace), a configMap and a secret
// volume, in the steady state (nothing changed: read and compare only) and with a changed configMap
// (a new timestamped dir and the ..data swap). Baseline in the same run: reading the same files
// with readFileSync. No mounts are made (a recording mounter stands in). Usage: npx tsx bench/kubelet-volumes.ts [iterations]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Pod } from '../pkg/kubelet/pod-types';
import { prepareVolumes, type Mounter, type VolumeSources } from '../pkg/kubelet/volumes';

const iterations = Number(process.argv[2] ?? 2000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-bench-vol-'));
const mounted = new Set<string>();
const mounter: Mounter = { mountsUnder: (d) => [...mounted].filter((m) => m === d || m.startsWith(`${d}/`)), isMountPoint: (d) => mounted.has(d), mountTmpfs: (d) => void mounted.add(d), unmount: (d) => void mounted.delete(d) };
const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'bench', namespace: 'default', uid: 'bench-uid' },
  spec: {
    containers: [{ name: 'c', image: 'i' }],
    volumes: [
      { name: 'kube-api-access-b', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3607 } }, { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }, { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } }] } },
      { name: 'cfg', configMap: { name: 'app' } },
      { name: 'sec', secret: { secretName: 'app' } },
    ],
  },
} as unknown as Pod;
const ca = `-----BEGIN CERTIFICATE-----\n${'A'.repeat(64)}\n`.repeat(8);
const app: Record<string, string> = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`key${i}`, 'v'.repeat(200)]));
let version = 0;
const refs: VolumeSources = {
  configMap: async (_ns, name): Promise<Record<string, string>> => (name === 'kube-root-ca.crt' ? { 'ca.crt': ca } : { ...app, version: String(version) }),
  secret: async () => app,
  serviceAccountToken: async () => 'eyJhbGciOiJSUzI1NiJ9.' + 'x'.repeat(600),
};

async function time(fn: () => Promise<void> | void): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await fn();
  return Number(process.hrtime.bigint() - t0) / 1e3 / iterations;
}

async function main(): Promise<void> {
  const vols = await prepareVolumes(pod, dir, refs, { mounter });
  const files = [...vols.values()].flatMap((d) => fs.readdirSync(d).filter((n) => !n.startsWith('..')).map((n) => path.join(d, n)));
  const baseline = await time(() => {
    for (const f of files) fs.readFileSync(f);
  });
  const steady = await time(async () => void (await prepareVolumes(pod, dir, refs, { mounter })));
  const changed = await time(async () => {
    version++;
    await prepareVolumes(pod, dir, refs, { mounter });
  });
  console.log(`files in the pod's volumes: ${files.length}`);
  console.log(`baseline, readFileSync of those files: ${baseline.toFixed(1)} µs`);
  console.log(`prepareVolumes, nothing changed:       ${steady.toFixed(1)} µs (${(steady / baseline).toFixed(1)}× baseline)`);
  console.log(`prepareVolumes, configMap changed:     ${changed.toFixed(1)} µs (${(changed / baseline).toFixed(1)}× baseline)`);
  console.log(`at one refresh per pod every 20 s, 110 pods cost ${((110 / 20) * steady / 1000).toFixed(2)} ms of CPU per second`);
  fs.rmSync(dir, { recursive: true, force: true });
}

void main();
