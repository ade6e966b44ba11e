// Workload controllers at scale, in process (real API server over HTTPS, memory datastore, the
// controller manager as system:kube-controller-manager, a simulated kubelet marking pods Ready):
//   1. a Deployment of N replicas (default 1000): time until all N pods exist, and until rolled out;
//   2. a new template with maxSurge 25% / maxUnavailable 25%: time until rolled out again.
// Baseline, same run: creating N pods directly through the same REST client with the same
// slow-start batching (1, 2, 4, … 512 in parallel) — what the ReplicaSet controller can at best do.
// Usage: npx tsx bench/deployment.ts [replicas]
import type { KubeObject } from '../pkg/api/types';
import { RESOURCES, systemClock } from '../pkg/client';
import { ControllerManager } from '../pkg/controller';
import { builtinControllers } from '../pkg/controllers';
import { slowStart } from '../pkg/controllers/replicaset/replica-set-controller';
import { runSimulatedKubelet } from '../pkg/controllers/testing/simulated-kubelet';
import { silentLogger } from '../pkg/log/logger';
import { startTestControlPlane } from '../pkg/server/test-control-plane';

const N = Number(process.argv[2] ?? 1000);
type Obj = KubeObject & { spec?: any; status?: any };

async function until(cond: () => Promise<boolean>, what: string, ms = 600_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main(): Promise<void> {
  const cp = await startTestControlPlane();
  const abort = new AbortController();
  try {
    await cp.admin.resource(RESOURCES.namespaces).create({ metadata: { name: 'bench' } });
    await cp.admin.resource(RESOURCES.namespaces).create({ metadata: { name: 'baseline' } });
    const pods = cp.admin.resource<Obj>(RESOURCES.pods);
    const count = async (ns: string, label?: string) => (await pods.list(ns, { labelSelector: label, metadataOnly: true })).items.filter((p) => !p.metadata.deletionTimestamp).length;

    // Baseline: the same number of pods, created directly with slow-start batching.
    let t = performance.now();
    let seq = 0;
    let left = N;
    while (left > 0) {
      const n = Math.min(left, 500);
      await slowStart(n, async () => void (await pods.create({ metadata: { name: `p-${seq++}`, namespace: 'baseline' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } })));
      left -= n;
    }
    const baselineMs = performance.now() - t;

    const manager = new ControllerManager({ client: cp.controller, clock: systemClock, log: silentLogger(), controllers: builtinControllers({ rootCaPem: cp.serverCaPem }), enabled: ['deployment', 'replicaset'] });
    const runs = [manager.run(abort.signal), runSimulatedKubelet({ client: cp.admin, clock: systemClock, accept: (p) => p.metadata.namespace === 'bench' }, abort.signal)];
    const deployments = cp.admin.resource<Obj>(RESOURCES.deployments);
    const rolledOut = async () => {
      const d = await deployments.get('bench', 'big');
      const s = d.status ?? {};
      return s.observedGeneration >= d.metadata.generation! && s.updatedReplicas === N && s.replicas === N && s.availableReplicas === N;
    };
    t = performance.now();
    await deployments.create({
      metadata: { name: 'big', namespace: 'bench' },
      spec: { replicas: N, selector: { matchLabels: { app: 'big' } }, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } }, template: { metadata: { labels: { app: 'big' } }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } } },
    });
    await until(async () => (await count('bench', 'app=big')) >= N, 'all pods');
    const createdMs = performance.now() - t;
    await until(rolledOut, 'the first rollout');
    const readyMs = performance.now() - t;

    t = performance.now();
    await deployments.patch('bench', 'big', 'merge', { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } } });
    await until(async () => (await deployments.get('bench', 'big')).metadata.annotations?.['deployment.kubernetes.io/revision'] === '2' && (await rolledOut()), 'the second rollout');
    const rolloutMs = performance.now() - t;

    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    console.log(`deployment bench, ${N} replicas (in process, memory datastore, simulated kubelet)`);
    console.log(`  baseline: ${N} pods created directly, slow-start batches   ${s(baselineMs)}`);
    console.log(`  Deployment → all ${N} pods created                         ${s(createdMs)}  (${(createdMs / baselineMs).toFixed(2)}× baseline)`);
    console.log(`  Deployment → rolled out (all ready and available)          ${s(readyMs)}`);
    console.log(`  new template, maxSurge 25% / maxUnavailable 25% → rolled out ${s(rolloutMs)}  (${(rolloutMs / baselineMs).toFixed(2)}× baseline)`);
    abort.abort();
    await Promise.all(runs);
  } finally {
    abort.abort();
    await cp.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
