// The storage version migrator against the real API server in process (memory datastore): a custom
// resource whose storage version moved from v1 to v2 is migrated (Running → Succeeded, the starting
// resourceVersion recorded) and the CRD's storedVersions shrink to v2; a built-in resource migrates too; an
// unknown resource fails the migration.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/types';
import { systemClock } from '../../client/clock';
import { RESOURCES, type ResourceRef } from '../../client/resource-ref';
import { ControllerManager } from '../../controller/controller-manager';
import { silentLogger } from '../../log/logger';
import { startTestControlPlane, type TestControlPlane } from '../../server/test-control-plane';
import { builtinControllers } from '../index';
import { eventually } from '../testing/eventually';
import { CRD_RESOURCE } from './crd-storage-state';
import { STORAGE_VERSION_MIGRATIONS, STORAGE_VERSION_MIGRATOR_CONTROLLER } from './storage-version-migration-controller';
import { twoVersionWidgetCrd } from './testing/two-version-crd';

type Obj = KubeObject & { spec?: any; status?: any };
const NS = 'svm-test';
const GROUP = 'svm.k3ts.io';
const widgets = (version: string): ResourceRef => ({ group: GROUP, version, resource: 'widgets', kind: 'Widget', namespaced: true });

const crd = (storage: 'v1' | 'v2'): Obj => twoVersionWidgetCrd(GROUP, storage);

describe('storage version migrator', () => {
  let cp: TestControlPlane;
  const abort = new AbortController();
  let run: Promise<void> | undefined;
  const svms = () => cp.admin.resource<Obj>(STORAGE_VERSION_MIGRATIONS);
  const finished = (name: string) =>
    eventually(async () => {
      const svm = await svms().get(undefined, name);
      return svm.status?.conditions?.some((c: any) => (c.type === 'Succeeded' || c.type === 'Failed') && c.status === 'True') ? svm : undefined;
    }, `migration ${name} to finish`);
  const stored = async (name: string) => new TextDecoder().decode((await cp.backend.get(`/registry/${GROUP}/widgets/${NS}/${name}`)).kv!.value);

  beforeAll(async () => {
    cp = await startTestControlPlane();
    const manager = new ControllerManager({
      client: cp.controller,
      clock: systemClock,
      log: silentLogger(),
      controllers: builtinControllers({ rootCaPem: cp.serverCaPem }),
      enabled: [STORAGE_VERSION_MIGRATOR_CONTROLLER],
    });
    run = manager.run(abort.signal);
    await cp.admin.resource(RESOURCES.namespaces).create({ metadata: { name: NS } });
  });
  afterAll(async () => {
    abort.abort();
    await run;
    await cp?.stop();
  });

  it('migrates the custom objects after the storage version moved to v2 and leaves only v2 in storedVersions', async () => {
    await cp.admin.resource(CRD_RESOURCE).create(crd('v1'));
    const v1 = cp.admin.resource<Obj>(widgets('v1'));
    await eventually(async () => v1.list(NS).catch(() => undefined), 'the widgets resource to be served');
    const before = new Map<string, string>();
    for (const name of ['a', 'b', 'c']) before.set(name, String((await v1.create({ metadata: { name, namespace: NS }, spec: { size: 1 } })).metadata.resourceVersion));
    expect(await stored('a')).not.toContain('tier');
    const current = await cp.admin.resource<Obj>(CRD_RESOURCE).get(undefined, `widgets.${GROUP}`);
    await cp.admin.resource<Obj>(CRD_RESOURCE).update({ ...crd('v2'), metadata: current.metadata });
    await eventually(async () => ((await cp.admin.resource<Obj>(CRD_RESOURCE).get(undefined, `widgets.${GROUP}`)).status?.storedVersions?.length === 2 ? true : undefined), 'v2 to join storedVersions');

    await svms().create({ metadata: { name: 'widgets' }, spec: { resource: { group: GROUP, resource: 'widgets' } } });
    const svm = await finished('widgets');
    const types = Object.fromEntries(svm.status.conditions.map((c: any) => [c.type, c]));
    expect(types.Succeeded).toMatchObject({ status: 'True', reason: 'StorageVersionMigrationSucceeded' });
    expect(types.Running).toMatchObject({ status: 'False', reason: 'MigrationCompleted' });
    expect(svm.status.resourceVersion).toMatch(/^[0-9]+$/);
    expect(Number(svm.status.resourceVersion)).toBeGreaterThanOrEqual(Math.max(...[...before.values()].map(Number)));

    for (const name of before.keys()) {
      const read = await cp.admin.resource<Obj>(widgets('v2')).get(NS, name);
      expect(read).toMatchObject({ apiVersion: `${GROUP}/v2`, spec: { size: 1, tier: 'standard' } });
    }
    const after = await cp.admin.resource<Obj>(CRD_RESOURCE).get(undefined, `widgets.${GROUP}`);
    expect(after.status.storedVersions).toEqual(['v2']);
    expect(after.status.conditions.find((c: any) => c.type === 'StorageMigrating')).toMatchObject({ status: 'False', reason: 'MigrationSucceeded' });
  });

  // The store writes an update whose encoded bytes differ even when the decoded objects are equal
  // (as upstream compares bytes), so the rewrite re-encodes objects with v2's defaults.
  it('the rewrite stores every object again with the storage version\'s schema defaults', async () => {
    const names = ['a', 'b', 'c'];
    for (const name of names) expect(await stored(name), name).toContain('"tier":"standard"');
  });

  it('migrates a built-in resource', async () => {
    await cp.admin.resource(RESOURCES.configmaps).create({ metadata: { name: 'cm', namespace: NS }, data: { k: 'v' } });
    await svms().create({ metadata: { name: 'configmaps' }, spec: { resource: { group: '', resource: 'configmaps' } } });
    const svm = await finished('configmaps');
    expect(svm.status.conditions.find((c: any) => c.type === 'Succeeded')).toMatchObject({ status: 'True' });
    expect(svm.status.resourceVersion).toMatch(/^[0-9]+$/);
  });

  it('migrates a kind served only in a version other than its group\'s preferred one', async () => {
    const rules: ResourceRef = { group: 'resource.k8s.io', version: 'v1beta2', resource: 'devicetaintrules', kind: 'DeviceTaintRule', namespaced: false };
    await cp.admin.resource(rules).create({ metadata: { name: 'drain' }, spec: { taint: { key: 'k', effect: 'NoSchedule' } } });
    await svms().create({ metadata: { name: 'devicetaintrules' }, spec: { resource: { group: 'resource.k8s.io', resource: 'devicetaintrules' } } });
    const svm = await finished('devicetaintrules');
    expect(svm.status.conditions.find((c: any) => c.type === 'Succeeded')).toMatchObject({ status: 'True' });
  });

  it('fails a migration of a resource the API does not serve', async () => {
    await svms().create({ metadata: { name: 'nothing' }, spec: { resource: { group: 'nowhere.k3ts.io', resource: 'gadgets' } } });
    const svm = await finished('nothing');
    expect(svm.status.conditions).toEqual([expect.objectContaining({ type: 'Failed', status: 'True', reason: 'StorageVersionMigrationFailed', message: 'resource does not exist in discovery' })]);
    // A finished migration is never picked up again, and its spec cannot change.
    await expect(svms().update({ ...svm, spec: { resource: { group: '', resource: 'pods' } } })).rejects.toThrow(/spec: Invalid value: .*field is immutable/);
  });
});
