// The PersistentVolume controller and the built-in local-path provisioner against the real API
// server in process (memory datastore); the node half of local-path with a fake file system.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/types';
import { systemClock } from '../../client/clock';
import { isNotFound } from '../../client/errors';
import { RESOURCES } from '../../client/resource-ref';
import { ControllerManager } from '../../controller/controller-manager';
import { createLogger, silentLogger } from '../../log/logger';
import { startTestControlPlane, type TestControlPlane } from '../../server/test-control-plane';
import { builtinControllers } from '../index';
import { LocalPathNodeAgent } from '../localpath/local-path-node-agent';
import { eventually } from '../testing/eventually';
import { STORAGE_RESOURCES } from './persistent-volume-controller';

type Obj = KubeObject & { spec?: any; status?: any; data?: any };
const NS = 'pv-test';

describe('PersistentVolume controller and local-path provisioner', () => {
  let cp: TestControlPlane;
  const abort = new AbortController();
  const runs: Promise<void>[] = [];
  const claims = () => cp.admin.resource<Obj>(STORAGE_RESOURCES.persistentvolumeclaims);
  const volumes = () => cp.admin.resource<Obj>(STORAGE_RESOURCES.persistentvolumes);
  const classes = () => cp.admin.resource<Obj>(STORAGE_RESOURCES.storageclasses);
  const dirs = new Set<string>();
  const fakeFs = { mkdir: (d: string) => void dirs.add(d), remove: (d: string) => void dirs.delete(d), exists: (d: string) => dirs.has(d) };
  const claim = (name: string, size: string, extra: Record<string, unknown> = {}): Obj => ({
    metadata: { name, namespace: NS },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, ...extra },
  });
  const eventsFor = async (name: string) => (await cp.admin.resource<Obj>(RESOURCES.events).list(NS)).items.filter((e) => (e as any).involvedObject?.name === name).map((e) => `${(e as any).reason}: ${(e as any).message}`);
  const phase = async (name: string) => (await claims().get(NS, name)).status?.phase;

  beforeAll(async () => {
    cp = await startTestControlPlane();
    const manager = new ControllerManager({
      client: cp.controller,
      clock: systemClock,
      log: process.env.PV_DEBUG ? createLogger({ level: 'debug' }) : silentLogger(),
      controllers: builtinControllers({ rootCaPem: cp.serverCaPem, localStorage: { defaultPath: '/var/lib/k3ts-test/storage' } }),
      enabled: ['persistentvolume-binder', 'local-path-provisioner'],
    });
    runs.push(manager.run(abort.signal));
    const agent = new LocalPathNodeAgent({ client: cp.admin, clock: systemClock, log: silentLogger(), nodeName: 'node-a', fs: fakeFs });
    agent.start(abort.signal);
    runs.push(agent.done);
    await cp.admin.resource(RESOURCES.namespaces).create({ metadata: { name: NS } });
    for (const name of ['node-a', 'node-b']) await cp.admin.resource(RESOURCES.nodes).create({ metadata: { name, labels: { 'kubernetes.io/hostname': name } } });
  });
  afterAll(async () => {
    abort.abort();
    await Promise.all(runs);
    await cp?.stop();
  });

  it('creates the default local-path StorageClass and its config map', async () => {
    const sc = await eventually(async () => classes().get(undefined, 'local-path').catch(() => undefined), 'the local-path class');
    expect(sc).toMatchObject({ provisioner: 'rancher.io/local-path', volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy: 'Delete', metadata: { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } });
    const cm = await cp.admin.resource<Obj>(RESOURCES.configmaps).get('kube-system', 'local-path-config');
    expect(JSON.parse(cm.data['config.json'])).toEqual({ nodePathMap: [{ node: 'DEFAULT_PATH_FOR_NON_LISTED_NODES', paths: ['/var/lib/k3ts-test/storage'] }] });
  });

  it('binds a claim to the smallest fitting Available volume (Immediate class), both sides Bound', async () => {
    await classes().create({ metadata: { name: 'manual' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'Immediate', reclaimPolicy: 'Retain' } as Obj);
    for (const [name, size] of [['pv-1g', '1Gi'], ['pv-5g', '5Gi'], ['pv-10g', '10Gi']] as const) {
      await volumes().create({ metadata: { name }, spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce'], storageClassName: 'manual', persistentVolumeReclaimPolicy: 'Retain', hostPath: { path: `/tmp/${name}` } } });
    }
    await claims().create(claim('two-gig', '2Gi', { storageClassName: 'manual' }));
    const bound = await eventually(async () => ((await phase('two-gig')) === 'Bound' ? claims().get(NS, 'two-gig') : undefined), 'the claim to bind');
    expect(bound.spec.volumeName).toBe('pv-5g');
    expect(bound.status.capacity).toEqual({ storage: '5Gi' });
    expect(bound.metadata.finalizers).toContain('kubernetes.io/pvc-protection');
    const pv = await eventually(async () => {
      const v = await volumes().get(undefined, 'pv-5g');
      return v.status?.phase === 'Bound' ? v : undefined;
    }, 'the volume to be Bound');
    expect(pv.spec.claimRef).toMatchObject({ namespace: NS, name: 'two-gig', uid: bound.metadata.uid });
    expect(pv.metadata.finalizers).toContain('kubernetes.io/pv-protection');
    expect((await volumes().get(undefined, 'pv-1g')).status?.phase).toBe('Available');
  });

  it('keeps a claim while a pod uses it; Retain leaves the volume Released', async () => {
    const pods = cp.admin.resource<Obj>(RESOURCES.pods);
    await pods.create({ metadata: { name: 'user', namespace: NS }, spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'x' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'two-gig' } }] } });
    await claims().create(claim('probe', '1Gi', { storageClassName: 'none-such' }));
    await eventually(async () => (await claims().get(NS, 'probe')).metadata.finalizers?.includes('kubernetes.io/pvc-protection'), 'the probe claim to be protected');
    await claims().delete(NS, 'two-gig');
    await claims().delete(NS, 'probe');
    // The unused probe goes (the controller has handled the deletions); the used claim stays.
    await eventually(async () => claims().get(NS, 'probe').then(() => false, (e) => isNotFound(e)), 'the unused claim to go');
    expect((await claims().get(NS, 'two-gig')).metadata.deletionTimestamp).toBeDefined();
    await pods.delete(NS, 'user', { gracePeriodSeconds: 0 });
    await eventually(async () => claims().get(NS, 'two-gig').then(() => false, (e) => isNotFound(e)), 'the claim to go once its pod is gone');
    await eventually(async () => (await volumes().get(undefined, 'pv-5g')).status?.phase === 'Released', 'the volume to be Released');
  });

  it('a claim without a class gets the default class and waits for its first consumer', async () => {
    await claims().create(claim('later', '1Gi'));
    await eventually(async () => (await claims().get(NS, 'later')).spec.storageClassName === 'local-path', 'the default class to be filled in');
    await eventually(async () => (await eventsFor('later')).includes('WaitForFirstConsumer: waiting for first consumer to be created before binding'), 'the WaitForFirstConsumer event');
    expect(await phase('later')).toBe('Pending');
    expect((await volumes().list(undefined)).items.filter((v) => v.spec.claimRef?.name === 'later')).toEqual([]);
  });

  it('provisions a local-path volume on the selected node, bound to the claim, and the node makes its directory', async () => {
    await claims().patch(NS, 'later', 'merge', { metadata: { annotations: { 'volume.kubernetes.io/selected-node': 'node-a' } } });
    const c = await eventually(async () => ((await phase('later')) === 'Bound' ? claims().get(NS, 'later') : undefined), 'the claim to be provisioned and bound');
    const pv = await volumes().get(undefined, c.spec.volumeName);
    expect(pv.metadata.name).toBe(`pvc-${c.metadata.uid}`);
    expect(pv.spec).toMatchObject({
      storageClassName: 'local-path',
      persistentVolumeReclaimPolicy: 'Delete',
      capacity: { storage: '1Gi' },
      hostPath: { path: `/var/lib/k3ts-test/storage/pvc-${c.metadata.uid}_${NS}_later`, type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-a'] }] }] } },
    });
    expect(await eventsFor('later')).toEqual(expect.arrayContaining([`ProvisioningSucceeded: Successfully provisioned volume ${pv.metadata.name}`]));
    await eventually(async () => dirs.has(pv.spec.hostPath.path), 'node-a to create the directory');
  });

  it('deleting the claim of a Delete volume removes the directory and then the volume', async () => {
    const c = await claims().get(NS, 'later');
    const pvName = c.spec.volumeName as string;
    const dir = (await volumes().get(undefined, pvName)).spec.hostPath.path as string;
    await claims().delete(NS, 'later');
    await eventually(async () => volumes().get(undefined, pvName).then(() => false, (e) => isNotFound(e)), 'the volume to be deleted');
    expect(dirs.has(dir)).toBe(false);
  });

  it('a claim for a node without local paths stays Pending with a clear event', async () => {
    const cms = cp.admin.resource<Obj>(RESOURCES.configmaps);
    const cm = await cms.get('kube-system', 'local-path-config');
    const config = JSON.parse(cm.data['config.json']);
    config.nodePathMap.push({ node: 'node-b', paths: [] });
    await cms.patch('kube-system', 'local-path-config', 'merge', { data: { 'config.json': JSON.stringify(config) } });
    await claims().create(claim('nospace', '1Gi', { storageClassName: 'local-path' }));
    await claims().patch(NS, 'nospace', 'merge', { metadata: { annotations: { 'volume.kubernetes.io/selected-node': 'node-b' } } });
    await eventually(
      async () => (await eventsFor('nospace')).includes('ProvisioningFailed: failed to provision volume with StorageClass "local-path": no local path is configured for node "node-b" in ConfigMap kube-system/local-path-config'),
      'the ProvisioningFailed event',
    );
    expect(await phase('nospace')).toBe('Pending');
  });
});
