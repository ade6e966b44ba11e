// The REST client against the real API server (in process, HTTPS, memory datastore).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/types';
import { startTestControlPlane, type TestControlPlane } from '../server/test-control-plane';
import { isAlreadyExists, isConflict, isGone, isNotFound, StatusError } from './errors';
import { RESOURCES } from './resource-ref';
import type { WatchEvent } from './watch-stream';

const cm = (name: string, data: Record<string, string> = {}, ns = 'default'): KubeObject => ({ metadata: { name, namespace: ns }, data });

describe('RestClient', () => {
  let cp: TestControlPlane;
  beforeAll(async () => {
    cp = await startTestControlPlane();
  });
  afterAll(async () => cp?.stop());

  it('creates, gets, lists and updates with optimistic concurrency', async () => {
    const cms = cp.admin.resource(RESOURCES.configmaps);
    const created = await cms.create(cm('a', { k: 'v' }));
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.kind).toBe('ConfigMap');
    const got = await cms.get('default', 'a');
    expect(got.data).toEqual({ k: 'v' });
    const list = await cms.list('default');
    expect(list.items.map((i) => i.metadata.name)).toContain('a');
    expect(Number(list.metadata.resourceVersion)).toBeGreaterThan(0);
    const updated = await cms.update({ ...got, data: { k: 'w' } });
    expect(updated.metadata.resourceVersion).not.toBe(got.metadata.resourceVersion);
    const stale = await cms.update({ ...got, data: { k: 'x' } }).catch((e: unknown) => e);
    expect(isConflict(stale)).toBe(true);
    expect((stale as StatusError).reason).toBe('Conflict');
  });

  it('turns Status failures into typed errors', async () => {
    const cms = cp.admin.resource(RESOURCES.configmaps);
    const missing = await cms.get('default', 'nope').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(StatusError);
    expect(isNotFound(missing)).toBe(true);
    expect((missing as StatusError).details?.name).toBe('nope');
    await cms.create(cm('dup'));
    expect(isAlreadyExists(await cms.create(cm('dup')).catch((e: unknown) => e))).toBe(true);
    const bad = await cms.create(cm('Not_Valid')).catch((e: unknown) => e);
    expect((bad as StatusError).status).toBe(422);
    expect((bad as StatusError).details?.causes?.length).toBeGreaterThan(0);
  });

  it('patches with merge, strategic, json and apply', async () => {
    const cms = cp.admin.resource(RESOURCES.configmaps);
    await cms.create(cm('p', { a: '1' }));
    expect((await cms.patch('default', 'p', 'merge', { data: { b: '2' } })).data).toEqual({ a: '1', b: '2' });
    expect((await cms.patch('default', 'p', 'strategic', { data: { c: '3' } })).data).toEqual({ a: '1', b: '2', c: '3' });
    expect((await cms.patch('default', 'p', 'json', [{ op: 'remove', path: '/data/a' }])).data).toEqual({ b: '2', c: '3' });
    const applied = await cms.patch('default', 'q', 'apply', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'q' }, data: { z: '9' } }, { fieldManager: 'tester' });
    expect(applied.data).toEqual({ z: '9' });
    expect(applied.metadata.managedFields?.[0]?.manager).toBe('tester');
  });

  it('updates status through the status subresource only', async () => {
    const ns = cp.admin.resource(RESOURCES.namespaces);
    const created = await ns.create({ metadata: { name: 'status-test' } });
    const withStatus = await ns.updateStatus({ ...created, status: { phase: 'Active', conditions: [] } });
    expect((withStatus.status as { phase: string }).phase).toBe('Active');
  });

  it('deletes with propagation policies and preconditions', async () => {
    const rs = cp.admin.resource(RESOURCES.replicasets);
    const body = (name: string): KubeObject => ({
      metadata: { name, namespace: 'default' },
      spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
    });
    const a = await rs.create(body('fg'));
    const marked = await rs.delete('default', 'fg', { propagationPolicy: 'Foreground', preconditions: { uid: a.metadata.uid } });
    expect(marked.metadata.finalizers).toContain('foregroundDeletion');
    expect(marked.metadata.deletionTimestamp).toBeTruthy();
    await rs.create(body('bg'));
    const wrongUid = await rs.delete('default', 'bg', { preconditions: { uid: 'other' } }).catch((e: unknown) => e);
    expect(isConflict(wrongUid)).toBe(true);
    await rs.delete('default', 'bg');
    expect(isNotFound(await rs.get('default', 'bg').catch((e: unknown) => e))).toBe(true);
  });

  it('watches from a version and closes cleanly', async () => {
    const cms = cp.admin.resource(RESOURCES.configmaps);
    const list = await cms.list('default');
    const stream = await cms.watch('default', { resourceVersion: list.metadata.resourceVersion, allowWatchBookmarks: true });
    const seen: WatchEvent[] = [];
    const reading = (async () => {
      for await (const ev of stream) {
        seen.push(ev);
        if (seen.length === 3) stream.close();
      }
    })();
    await cms.create(cm('w1'));
    await cms.patch('default', 'w1', 'merge', { data: { x: 'y' } });
    await cms.delete('default', 'w1');
    await reading;
    expect(seen.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect(seen.every((e) => e.type !== 'ERROR' && e.object.metadata.name === 'w1')).toBe(true);
  });

  it('reports a compacted watch version as a 410 ERROR event', async () => {
    const cms = cp.admin.resource(RESOURCES.configmaps);
    const old = (await cms.list('default')).metadata.resourceVersion!;
    await cms.create(cm('c1'));
    await cms.create(cm('c2'));
    await cp.backend.compact(await cp.backend.currentRevision());
    const stream = await cms.watch('default', { resourceVersion: old });
    const first = await stream[Symbol.asyncIterator]().next();
    stream.close();
    expect(first.done).toBe(false);
    const ev = first.value as WatchEvent;
    expect(ev.type).toBe('ERROR');
    expect(ev.type === 'ERROR' && isGone(ev.error)).toBe(true);
  });

  it('lists metadata only', async () => {
    const cms = cp.admin.resource(RESOURCES.configmaps);
    await cms.create(cm('meta', { big: 'x'.repeat(1000) }));
    const list = await cms.list('default', { metadataOnly: true });
    const item = list.items.find((i) => i.metadata.name === 'meta')!;
    expect(item.data).toBeUndefined();
    expect(item.metadata.uid).toBeTruthy();
  });
});
