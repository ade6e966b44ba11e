// Node lifecycle and taint eviction against the real API server (in process), with simulated nodes
// (Node + Lease heartbeats) and a fake clock: a node that stops heartbeating goes Unknown and gets
// the unreachable taints after 40 s, its pods are evicted as their tolerations allow, and taints go
// once it reports again. The controllers run as the controller-manager identity (RBAC applies).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/types';
import { FakeClock } from '../../client/clock';
import { isNotFound } from '../../client/errors';
import { RESOURCES } from '../../client/resource-ref';
import { SharedInformer } from '../../client/shared-informer';
import { ControllerManager } from '../../controller/controller-manager';
import { silentLogger } from '../../log/logger';
import { startTestControlPlane, type TestControlPlane } from '../../server/test-control-plane';
import { builtinControllers } from '../index';
import { SimulatedNode } from '../testing/simulated-node';
import { NODE_LIFECYCLE_CONTROLLER } from './node-lifecycle-controller';
import { TAINT_EVICTION_CONTROLLER } from './taint-eviction-controller';
import { eventually } from '../testing/eventually';

type Json = Record<string, any>;
const conditions = (n: KubeObject) => ((n.status as Json)?.conditions ?? []) as Json[];
const ready = (n: KubeObject) => conditions(n).find((c) => c.type === 'Ready');
const taintKeys = (n: KubeObject) => (((n.spec as Json)?.taints ?? []) as Json[]).map((t) => `${t.key}:${t.effect}`).sort();

describe('node lifecycle with simulated nodes', () => {
  let cp: TestControlPlane;
  const clock = new FakeClock(Math.floor(Date.now() / 1000) * 1000);
  const abort = new AbortController();
  let running: Promise<void>;
  let a: SimulatedNode;
  let b: SimulatedNode;
  let leaseWatch: SharedInformer;
  const watchAbort = new AbortController();

  const node = (name: string) => cp.admin.resource(RESOURCES.nodes).get(undefined, name);
  const pod = (name: string) => cp.admin.resource(RESOURCES.pods).get('default', name);
  const deleted = async (name: string) => {
    try {
      return (await pod(name)).metadata.deletionTimestamp !== undefined;
    } catch (e) {
      return isNotFound(e);
    }
  };

  /** Moves the fake clock in 5 s steps, node b heartbeating at each step as a live kubelet would. */
  async function advance(ms: number): Promise<void> {
    for (let done = 0; done < ms; done += 5000) {
      await clock.advanceAsync(Math.min(5000, ms - done));
      const before = leaseWatch.indexer.getByName('kube-node-lease', 'node-b')?.metadata.resourceVersion;
      await b.heartbeat();
      await eventually(async () => leaseWatch.indexer.getByName('kube-node-lease', 'node-b')?.metadata.resourceVersion !== before, 'the heartbeat to be seen');
    }
  }

  beforeAll(async () => {
    cp = await startTestControlPlane();
    leaseWatch = new SharedInformer({ client: cp.admin.resource(RESOURCES.leases), namespace: 'kube-node-lease', clock, log: silentLogger() });
    void leaseWatch.run(watchAbort.signal);
    a = new SimulatedNode({ client: cp.admin, clock, name: 'node-a' });
    b = new SimulatedNode({ client: cp.admin, clock, name: 'node-b' });
    await a.register();
    await b.register();
    const manager = new ControllerManager({ client: cp.controller, clock, log: silentLogger(), controllers: builtinControllers({ rootCaPem: cp.serverCaPem }), enabled: [NODE_LIFECYCLE_CONTROLLER, TAINT_EVICTION_CONTROLLER], resyncPeriodMs: 0 });
    running = manager.run(abort.signal);
    await leaseWatch.waitForSync(abort.signal);
  });
  afterAll(async () => {
    abort.abort();
    watchAbort.abort();
    await running;
    await cp?.stop();
  });

  it('marks a silent node Unknown and unreachable, evicts its pods per toleration, and untaints it when it returns', async () => {
    const pods = cp.admin.resource(RESOURCES.pods);
    const mk = (name: string, nodeName: string, tolerations?: Json[]) => pods.create({ metadata: { name, namespace: 'default' }, spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }], ...(tolerations ? { tolerations } : {}) } });
    await mk('default-300', 'node-a');
    await mk('short-10', 'node-a', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }]);
    await mk('forever', 'node-a', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }]);
    await mk('on-b', 'node-b');
    // Mark one pod Ready so the controller's MarkPodsNotReady shows.
    const p = await pod('default-300');
    await pods.updateStatus({ ...p, status: { phase: 'Running', podIP: '10.42.0.7', conditions: [{ type: 'Ready', status: 'True' }] } });

    // The controller first hears of node-a when it starts (at or after the clock's start): 35 s later it is still Ready.
    await advance(35_000);
    expect(ready(await node('node-a'))?.status).toBe('True');
    const silent = await eventually(async () => {
      const n = await node('node-a');
      if (ready(n)?.status === 'Unknown' && taintKeys(n).length === 2) return n;
      await advance(5000);
      return undefined;
    }, 'node-a to go Unknown and tainted', 20_000);
    expect(ready(silent)).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
    expect(conditions(silent).map((c) => `${c.type}=${c.status}`).sort()).toEqual(['DiskPressure=Unknown', 'MemoryPressure=Unknown', 'PIDPressure=Unknown', 'Ready=Unknown']);
    expect(taintKeys(silent)).toEqual(['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
    const tainted = Date.parse(((silent.spec as Json).taints as Json[]).find((t) => t.effect === 'NoExecute')!.timeAdded);
    const live = await node('node-b');
    expect(ready(live)?.status).toBe('True');
    expect(taintKeys(live)).toEqual([]);
    await eventually(async () => ((await pod('default-300')).status as Json).conditions.find((c: Json) => c.type === 'Ready')?.status === 'False', 'the pod marked not ready');

    await advance(tainted + 10_000 - clock.now());
    await eventually(() => deleted('short-10'), 'the pod tolerating 10 s to be evicted');
    expect(((await pod('short-10')).status as Json).conditions.find((c: Json) => c.type === 'DisruptionTarget')).toMatchObject({ status: 'True', reason: 'DeletionByTaintManager' });
    await advance(tainted + 299_000 - clock.now());
    expect(await deleted('default-300')).toBe(false);
    await advance(1000);
    await eventually(() => deleted('default-300'), 'the pod with the default 300 s toleration to be evicted');
    expect(await deleted('forever')).toBe(false);
    expect(await deleted('on-b')).toBe(false);

    // The node comes back: it renews its lease and reports Ready; the taints go.
    await a.heartbeat();
    const back = await eventually(async () => {
      const n = await node('node-a');
      return ready(n)?.status === 'True' && taintKeys(n).length === 0 && n;
    }, 'node-a to be untainted');
    expect(taintKeys(back)).toEqual([]);
  }, 60_000);
});
