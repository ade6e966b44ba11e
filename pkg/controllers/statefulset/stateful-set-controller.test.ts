// The StatefulSet controller against the real API server (in process). A simulated kubelet makes
// pods Running and Ready, except pods labeled manual=true, which the test marks ready itself to
// watch the ordering.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/types';
import { systemClock } from '../../client/clock';
import { isNotFound } from '../../client/errors';
import { RESOURCES } from '../../client/resource-ref';
import { ControllerManager } from '../../controller/controller-manager';
import { silentLogger } from '../../log/logger';
import { startTestControlPlane, type TestControlPlane } from '../../server/test-control-plane';
import { builtinControllers } from '../index';
import { finishPod, markPodReady } from '../testing/pod-status';
import { runSimulatedKubelet } from '../testing/simulated-kubelet';
import { CONTROLLER_REVISIONS } from '../workloads/controller-history';
import { PVCS, STATEFULSETS } from './stateful-set-util';
import { eventually } from '../testing/eventually';

type Obj = KubeObject & { spec?: any; status?: any; revision?: number; data?: any };
const NS = 'sts';

describe('StatefulSet controller', () => {
  let cp: TestControlPlane;
  const abort = new AbortController();
  const runs: Promise<void>[] = [];
  const sets = () => cp.admin.resource<Obj>(STATEFULSETS);
  const podApi = () => cp.admin.resource<Obj>(RESOURCES.pods);
  const podsOf = async (app: string) => (await podApi().list(NS, { labelSelector: `app=${app}` })).items.filter((p) => !p.metadata.deletionTimestamp).sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
  const names = async (app: string) => (await podsOf(app)).map((p) => p.metadata.name);
  const revisionsOf = async (app: string) => (await cp.admin.resource<Obj>(CONTROLLER_REVISIONS).list(NS, { labelSelector: `app=${app}` })).items.sort((a, b) => a.revision! - b.revision!);
  const body = (name: string, replicas: number, extra: Record<string, unknown> = {}, labels: Record<string, string> = {}): Obj => ({
    metadata: { name, namespace: NS },
    spec: { replicas, serviceName: `${name}-svc`, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name, ...labels } }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } }, ...extra },
  });
  const setImage = (name: string, image: string) => sets().patch(NS, name, 'json', [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: image }]);
  const settled = (name: string) =>
    eventually(async () => {
      const s = await sets().get(NS, name);
      const st = s.status ?? {};
      return st.observedGeneration === s.metadata.generation && st.readyReplicas === s.spec.replicas && st.replicas === s.spec.replicas && st.currentRevision === st.updateRevision ? s : undefined;
    }, `statefulset ${name} to settle`);

  beforeAll(async () => {
    cp = await startTestControlPlane();
    const manager = new ControllerManager({ client: cp.controller, clock: systemClock, log: silentLogger(), controllers: builtinControllers({ rootCaPem: cp.serverCaPem }), enabled: ['statefulset', 'garbage-collector'] });
    runs.push(manager.run(abort.signal));
    runs.push(runSimulatedKubelet({ client: cp.admin, clock: systemClock, accept: (p) => p.metadata.labels?.manual !== 'true' }, abort.signal));
    await cp.admin.resource(RESOURCES.namespaces).create({ metadata: { name: NS } });
  });
  afterAll(async () => {
    abort.abort();
    await Promise.all(runs);
    await cp?.stop();
  });

  it('creates pods one ordinal at a time (OrderedReady) with stable identities and claims', async () => {
    const claim = { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
    const created = await sets().create(body('web', 3, { volumeClaimTemplates: [claim] }, { manual: 'true' }));
    for (let i = 0; i < 3; i++) {
      await eventually(async () => (await names('web')).length === i + 1, `pod web-${i}`);
      // Once the controller counted the new pod (and, it being unready, made nothing more), check.
      await eventually(async () => (await sets().get(NS, 'web')).status?.replicas === i + 1, `status to count ${i + 1} pods`);
      expect(await names('web')).toEqual(Array.from({ length: i + 1 }, (_, k) => `web-${k}`));
      await markPodReady(cp.admin, NS, `web-${i}`);
    }
    const pods = await podsOf('web');
    const [p0] = pods;
    expect(p0!.metadata.labels).toMatchObject({ app: 'web', 'statefulset.kubernetes.io/pod-name': 'web-0', 'apps.kubernetes.io/pod-index': '0' });
    expect(p0!.metadata.labels!['controller-revision-hash']).toMatch(/^web-[a-z0-9]+$/);
    expect(p0!.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: created.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(p0!.spec).toMatchObject({ hostname: 'web-0', subdomain: 'web-svc' });
    expect(p0!.spec.volumes[0]).toEqual({ name: 'data', persistentVolumeClaim: { claimName: 'data-web-0' } });
    const claims = (await cp.admin.resource<Obj>(PVCS).list(NS)).items.map((c) => c.metadata.name).sort();
    expect(claims).toEqual(['data-web-0', 'data-web-1', 'data-web-2']);
    const st = (await settled('web')).status;
    expect(st).toMatchObject({ replicas: 3, readyReplicas: 3, availableReplicas: 3, currentReplicas: 3, updatedReplicas: 3, observedGeneration: 1 });
    const [rev] = await revisionsOf('web');
    expect(rev!.metadata.name).toBe(st.currentRevision);
    expect(rev!.revision).toBe(1);
    expect(rev!.metadata.labels!['controller.kubernetes.io/hash']).toBe(rev!.metadata.name!.slice('web-'.length));
  });

  it('scales down from the highest ordinal, one at a time', async () => {
    await sets().patch(NS, 'web', 'merge', { spec: { replicas: 1 } });
    const seen: (string | undefined)[][] = [];
    await eventually(async () => {
      const n = await names('web');
      if (JSON.stringify(seen[seen.length - 1]) !== JSON.stringify(n)) seen.push(n);
      return n.length === 1;
    }, 'one pod left');
    expect(seen[seen.length - 1]).toEqual(['web-0']);
    expect(seen.some((n) => JSON.stringify(n) === JSON.stringify(['web-1']))).toBe(false);
    // Claims are kept (whenScaled: Retain).
    expect((await cp.admin.resource<Obj>(PVCS).list(NS)).items).toHaveLength(3);
  });

  it('creates all pods at once with Parallel', async () => {
    await sets().create(body('par', 3, { podManagementPolicy: 'Parallel' }, { manual: 'true' }));
    await eventually(async () => (await names('par')).length === 3, 'three pods before any is ready');
  });

  it('rolls out from the highest ordinal down to the partition, then the rest', async () => {
    await sets().create(body('roll', 3, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } }));
    const first = await settled('roll');
    await setImage('roll', 'busybox:2');
    const partial = await eventually(async () => {
      const s = await sets().get(NS, 'roll');
      return s.status?.updatedReplicas === 2 && s.status?.readyReplicas === 3 ? s : undefined;
    }, 'two pods updated');
    const images = async () => (await podsOf('roll')).map((p) => p.spec.containers[0].image);
    expect(await images()).toEqual(['busybox:1', 'busybox:2', 'busybox:2']);
    expect(partial.status.currentRevision).toBe(first.status.currentRevision);
    expect(partial.status.updateRevision).not.toBe(first.status.updateRevision);
    await sets().patch(NS, 'roll', 'merge', { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } });
    const done = await settled('roll');
    expect(await images()).toEqual(['busybox:2', 'busybox:2', 'busybox:2']);
    expect(done.status.currentRevision).toBe(partial.status.updateRevision);
    // Back to the first template: its revision is reused and renumbered.
    await setImage('roll', 'busybox:1');
    const back = await settled('roll');
    expect(back.status.currentRevision).toBe(first.status.currentRevision);
    expect((await revisionsOf('roll')).map((r) => [r.metadata.name, r.revision])).toEqual([
      [partial.status.updateRevision, 2],
      [first.status.currentRevision, 3],
    ]);
  });

  it('updates pods only when they are deleted with OnDelete', async () => {
    await sets().create(body('ondel', 2, { updateStrategy: { type: 'OnDelete' } }));
    await settled('ondel');
    await setImage('ondel', 'busybox:2');
    // The sync that observed the new template (and deleted nothing) wrote this status.
    await eventually(async () => (await sets().get(NS, 'ondel')).status?.observedGeneration === 2, 'the new template to be observed');
    expect((await podsOf('ondel')).map((p) => p.spec.containers[0].image)).toEqual(['busybox:1', 'busybox:1']);
    await podApi().delete(NS, 'ondel-1');
    await eventually(async () => (await podsOf('ondel')).find((p) => p.metadata.name === 'ondel-1')?.spec.containers[0].image === 'busybox:2', 'ondel-1 recreated at the new revision');
    expect((await podApi().get(NS, 'ondel-0')).spec.containers[0].image).toBe('busybox:1');
  });

  it('recreates a failed pod under the same name', async () => {
    await sets().create(body('heal', 1));
    const [pod] = await eventually(async () => ((await podsOf('heal')).length === 1 ? podsOf('heal') : undefined), 'the pod');
    await eventually(async () => (await sets().get(NS, 'heal')).status?.readyReplicas === 1, 'it to be ready');
    await finishPod(cp.admin, NS, 'heal-0', { phase: 'Failed' });
    await eventually(async () => {
      const p = await podApi().get(NS, 'heal-0');
      return p.metadata.uid !== pod!.metadata.uid && p.status?.phase === 'Running';
    }, 'a new heal-0');
  });

  it('deletes claims with the set when whenDeleted is Delete', async () => {
    const claim = { metadata: { name: 'vol' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
    const s = await sets().create(body('tmp', 1, { volumeClaimTemplates: [claim], persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' } }));
    await settled('tmp');
    const pvc = await cp.admin.resource<Obj>(PVCS).get(NS, 'vol-tmp-0');
    expect(pvc.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'tmp', uid: s.metadata.uid }]);
    expect(pvc.metadata.labels).toEqual({ app: 'tmp' });
    await sets().delete(NS, 'tmp');
    await eventually(async () => cp.admin.resource(PVCS).get(NS, 'vol-tmp-0').then(() => false, (e: unknown) => isNotFound(e)), 'the claim to be deleted');
  });

  it('deletes the claims of removed ordinals when whenScaled is Delete', async () => {
    const claim = { metadata: { name: 'vol' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
    await sets().create(body('shrink', 2, { volumeClaimTemplates: [claim], persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' } }));
    await settled('shrink');
    await sets().patch(NS, 'shrink', 'merge', { spec: { replicas: 1 } });
    await eventually(async () => cp.admin.resource(PVCS).get(NS, 'vol-shrink-1').then(() => false, (e: unknown) => isNotFound(e)), 'the claim of shrink-1 to be deleted');
    expect((await cp.admin.resource<Obj>(PVCS).get(NS, 'vol-shrink-0')).metadata.ownerReferences).toBeUndefined();
  });
});
