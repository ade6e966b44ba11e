// StorageVersionMigration through the built binary with the real kubectl: a CustomResourceDefinition
// with two versions whose storage version moves from v1 to v2 after objects were created; a
// migration of it runs (Running → Succeeded, the starting resourceVersion recorded), the objects
// read back in v2 with v2's defaults, and the CRD's storedVersions shrink to v2; a migration of a
// resource nobody serves fails with its reason; `kubectl get` prints upstream's columns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twoVersionWidgetCrd } from '../pkg/controllers/storageversionmigration/testing/two-version-crd';
import { eventually, startTestServer, type TestServer } from './helpers/cluster';

const GROUP = 'svm.e2e.k3ts.io';
const NS = 'svm';

const crd = (storage: 'v1' | 'v2'): string => JSON.stringify(twoVersionWidgetCrd(GROUP, storage));

describe('storage version migration (kubectl, built binary)', () => {
  let s: TestServer;
  const ok = async (args: string[], input?: string) => {
    const r = await s.kubectl(args, { input });
    if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.exitCode}):\n${r.stderr}\n${r.stdout}`);
    return r.stdout;
  };
  const json = async (args: string[]) => JSON.parse(await ok([...args, '-o', 'json'])) as Record<string, any>;
  const finished = (name: string) =>
    eventually(async () => {
      const svm = await json(['get', 'storageversionmigration', name]);
      return svm.status?.conditions?.some((c: Record<string, any>) => (c.type === 'Succeeded' || c.type === 'Failed') && c.status === 'True') ? svm : undefined;
    }, `migration ${name} to finish`);

  beforeAll(async () => {
    s = await startTestServer();
    await ok(['create', 'namespace', NS]);
  }, 120_000);
  afterAll(async () => s?.stop());

  it('migrates custom objects after the storage version moved from v1 to v2', async () => {
    await ok(['apply', '-f', '-'], crd('v1'));
    await eventually(async () => (await s.kubectl(['get', `widgets.v1.${GROUP}`, '-n', NS])).exitCode === 0, 'the widgets resource to be served');
    for (const name of ['a', 'b', 'c']) await ok(['create', '-f', '-'], JSON.stringify({ apiVersion: `${GROUP}/v1`, kind: 'Widget', metadata: { name, namespace: NS }, spec: { size: 3 } }));
    await ok(['replace', '-f', '-'], crd('v2'));
    expect((await json(['get', 'crd', `widgets.${GROUP}`])).status.storedVersions).toEqual(['v1', 'v2']);

    await ok(['create', '-f', '-'], JSON.stringify({ apiVersion: 'storagemigration.k8s.io/v1beta1', kind: 'StorageVersionMigration', metadata: { name: 'widgets' }, spec: { resource: { group: GROUP, resource: 'widgets' } } }));
    const svm = await finished('widgets');
    const byType = Object.fromEntries(svm.status.conditions.map((c: Record<string, any>) => [c.type, c]));
    expect(byType.Succeeded).toMatchObject({ status: 'True', reason: 'StorageVersionMigrationSucceeded' });
    expect(byType.Running).toMatchObject({ status: 'False', reason: 'MigrationCompleted' });
    expect(svm.status.resourceVersion).toMatch(/^[0-9]+$/);

    const objects = (await json(['get', `widgets.v2.${GROUP}`, '-n', NS])).items;
    expect(objects.map((o: Record<string, any>) => [o.apiVersion, o.metadata.name, o.spec])).toEqual(['a', 'b', 'c'].map((n) => [`${GROUP}/v2`, n, { size: 3, tier: 'standard' }]));
    const after = await json(['get', 'crd', `widgets.${GROUP}`]);
    expect(after.status.storedVersions).toEqual(['v2']);
    expect(after.status.conditions.find((c: Record<string, any>) => c.type === 'StorageMigrating')).toMatchObject({ status: 'False', reason: 'MigrationSucceeded' });

    const table = (await ok(['get', 'storageversionmigrations', 'widgets'])).trim().split('\n').map((l) => l.trim().split(/\s+/));
    expect(table).toEqual([
      ['NAME', 'RESOURCE'],
      ['widgets', `widgets.${GROUP}`],
    ]);
  });

  it('fails a migration of a resource the API does not serve, and keeps its spec', async () => {
    await ok(['create', '-f', '-'], JSON.stringify({ apiVersion: 'storagemigration.k8s.io/v1beta1', kind: 'StorageVersionMigration', metadata: { name: 'gadgets' }, spec: { resource: { group: 'nowhere.k3ts.io', resource: 'gadgets' } } }));
    const svm = await finished('gadgets');
    expect(svm.status.conditions).toMatchObject([{ type: 'Failed', status: 'True', reason: 'StorageVersionMigrationFailed', message: 'resource does not exist in discovery' }]);
    const changed = await s.kubectl(['patch', 'storageversionmigration', 'gadgets', '--type=merge', '-p', '{"spec":{"resource":{"resource":"pods","group":""}}}']);
    expect(changed.exitCode).not.toBe(0);
    expect(changed.stderr).toContain('field is immutable');
    const bad = await s.kubectl(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'storagemigration.k8s.io/v1beta1', kind: 'StorageVersionMigration', metadata: { name: 'bad' }, spec: { resource: { group: 'x.k3ts.io' } } }) });
    expect(bad.stderr).toContain('spec.resource.resource: Required value: resource is required to be set');
  });

  it('migrates a built-in resource and lists StorageVersions with upstream columns', async () => {
    await ok(['create', 'configmap', 'cm', '-n', NS, '--from-literal=k=v']);
    await ok(['create', '-f', '-'], JSON.stringify({ apiVersion: 'storagemigration.k8s.io/v1beta1', kind: 'StorageVersionMigration', metadata: { name: 'secrets' }, spec: { resource: { resource: 'secrets' } } }));
    const svm = await finished('secrets');
    expect(svm.status.conditions.find((c: Record<string, any>) => c.type === 'Succeeded')?.status).toBe('True');
    await ok(['create', '-f', '-'], JSON.stringify({ apiVersion: 'internal.apiserver.k8s.io/v1alpha1', kind: 'StorageVersion', metadata: { name: 'apps.deployments' } }));
    const status = { storageVersions: [{ apiServerID: 'server-1', encodingVersion: 'apps/v1', decodableVersions: ['apps/v1', 'apps/v1beta2'] }], commonEncodingVersion: 'apps/v1' };
    await ok(['patch', 'storageversion', 'apps.deployments', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
    const table = (await ok(['get', 'storageversions', 'apps.deployments'])).trim().split('\n').map((l) => l.trim().split(/\s{2,}/));
    expect(table[0]).toEqual(['NAME', 'COMMONENCODINGVERSION', 'STORAGEVERSIONS', 'AGE']);
    expect(table[1]!.slice(0, 3)).toEqual(['apps.deployments', 'apps/v1', 'server-1=apps/v1']);
    const wrong = await s.kubectl(['patch', 'storageversion', 'apps.deployments', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { commonEncodingVersion: 'apps/v2' } })]);
    expect(wrong.stderr).toContain('status.commonEncodingVersion: Invalid value: "apps/v2": the actual common encoding version is apps/v1');
    const badName = await s.kubectl(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'internal.apiserver.k8s.io/v1alpha1', kind: 'StorageVersion', metadata: { name: 'nodots' } }) });
    expect(badName.stderr).toContain('name must be in the form of <group>.<resource>');
  });
});
