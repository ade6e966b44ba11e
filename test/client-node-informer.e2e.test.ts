// The official JavaScript client (@kubernetes/client-node, its ListWatch informer) against the
// built dist/k3ts with the admin kubeconfig: it sees adds, updates and deletes; and when its
// resourceVersion has been compacted away (a real etcd datastore, compacted while the server was
// restarted) the server answers its watch with 410 Expired and the informer relists and carries on.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, loadAdminCredentials, type ApiClient } from './helpers/api-client';
import { eventually, startTestServer, type TestServer } from './helpers/cluster';
import { etcdAvailable, startEtcd, type TestEtcd } from './helpers/etcd';

const NS = 'informer';
const PATH = `/api/v1/namespaces/${NS}/configmaps`;
/** The informer watches only what this test makes (the server publishes kube-root-ca.crt in every namespace). */
const SELECTOR = 'test=informer';

interface Seen {
  readonly verb: 'add' | 'update' | 'delete';
  readonly name: string;
  readonly data?: Record<string, string>;
}

describe.skipIf(!etcdAvailable())('@kubernetes/client-node informer', () => {
  let etcd: TestEtcd;
  let s: TestServer;
  let api: ApiClient;
  let informer: k8s.ListWatch<k8s.V1ConfigMap> | undefined;

  const seen: Seen[] = [];
  const errors: unknown[] = [];
  /** Every event the informer's watch delivered: type, Status code for ERROR, and the resourceVersion it watched from. */
  const watchEvents: Array<{ type: string; code?: number; from: string }> = [];
  let lists = 0;

  const write = async (method: string, path: string, body?: unknown, contentType = 'application/json') => {
    const r = await api.request({ method, path, body: body === undefined ? undefined : JSON.stringify(body), headers: body === undefined ? {} : { 'Content-Type': contentType } });
    if (r.status >= 300) throw new Error(`${method} ${path} answered ${r.status}: ${r.text}`);
    return r.json as { metadata: { resourceVersion: string } };
  };
  const cm = (name: string, data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS, labels: { test: 'informer' } }, data });
  const has = (verb: Seen['verb'], name: string, data?: Record<string, string>) => () =>
    Promise.resolve(seen.some((e) => e.verb === verb && e.name === name && (data === undefined || JSON.stringify(e.data) === JSON.stringify(data))));
  const cached = () => informer!.list(NS).map((o) => o.metadata!.name!).sort();

  beforeAll(async () => {
    etcd = await startEtcd();
    s = await startTestServer({ extraArgs: ['--datastore-endpoint', etcd.endpoint] });
    api = createApiClient(loadAdminCredentials(s.kubeconfig));
    await write('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await write('POST', PATH, cm('pre', { v: '0' }));
    await write('POST', PATH, cm('doomed', { v: '0' }));
  }, 120_000);

  afterAll(async () => {
    await informer?.stop();
    api?.close();
    await s?.stop();
    await etcd?.stop();
  });

  it('lists, then sees adds, updates and deletes', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(s.kubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const realWatch = new k8s.Watch(kc);
    // makeInformer() is `new ListWatch(path, new Watch(kc), list, false)`; the same with a Watch that
    // also records what the server streamed, so the test can tell a relist after 410 from a resume.
    const recordingWatch = {
      watch: (path: string, query: Record<string, string>, cb: (type: string, obj: unknown, raw: unknown) => void, done: (err: unknown) => void) =>
        realWatch.watch(
          path,
          query,
          (type, obj, raw) => {
            watchEvents.push({ type, code: (obj as { code?: number } | undefined)?.code, from: String(query.resourceVersion ?? '') });
            cb(type, obj, raw);
          },
          done,
        ),
    } as unknown as k8s.Watch;
    const list = () => {
      lists++;
      return core.listNamespacedConfigMap({ namespace: NS, labelSelector: SELECTOR });
    };
    informer = new k8s.ListWatch<k8s.V1ConfigMap>(PATH, recordingWatch, list, false, SELECTOR);
    for (const verb of ['add', 'update', 'delete'] as const) informer.on(verb, (o) => seen.push({ verb, name: o.metadata!.name!, data: o.data }));
    informer.on('error', (e) => errors.push(e));
    await informer.start();

    await eventually(has('add', 'pre'), 'the listed configmap "pre" as an add');
    await write('POST', PATH, cm('a', { v: '1' }));
    await eventually(has('add', 'a', { v: '1' }), 'add of "a"');
    await write('PATCH', `${PATH}/a`, { data: { v: '2' } }, 'application/merge-patch+json');
    await eventually(has('update', 'a', { v: '2' }), 'update of "a"');
    await write('DELETE', `${PATH}/pre`);
    await eventually(has('delete', 'pre'), 'delete of "pre"');
    expect(cached()).toEqual(['a', 'doomed']);
    expect(lists).toBe(1);
    expect(errors).toEqual([]);
    expect(watchEvents.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
  });

  it('relists after a 410 for a compacted resourceVersion and keeps delivering events', async () => {
    const informerRv = informer!.latestResourceVersion();
    expect(Number(informerRv)).toBeGreaterThan(0);
    // Take the server away: the informer's watch ends, its reconnect fails and it stops with an error
    // (client-node leaves restarting to the caller, which is done below, after the compaction).
    await s.process.stop();
    await eventually(() => Promise.resolve(errors.length > 0), 'the informer to report the lost server');
    await s.restart();

    // Changes the informer cannot see from a watch: its revision is compacted right after them.
    await write('POST', PATH, cm('born', { v: '1' }));
    await write('PATCH', `${PATH}/a`, { data: { v: '3' } }, 'application/merge-patch+json');
    await write('DELETE', `${PATH}/doomed`);
    await write('POST', '/api/v1/namespaces/default/configmaps', { ...cm('elsewhere', {}), metadata: { name: 'elsewhere', labels: { test: 'informer' } } });
    await etcd.compact(await etcd.revision());
    const stale = await api.request({ path: `${PATH}?watch=true&resourceVersion=${informerRv}&timeoutSeconds=5` });
    expect(stale.text).toContain('"code":410');

    const before = seen.length;
    const listsBefore = lists;
    errors.length = 0;
    await informer!.start();
    await eventually(has('add', 'born', { v: '1' }), 'add of "born" from the relist');
    await eventually(has('update', 'a', { v: '3' }), 'update of "a" from the relist');
    await eventually(has('delete', 'doomed'), 'delete of "doomed" from the relist');
    // The server said 410 to the watch from the old resourceVersion, and the informer listed again.
    expect(watchEvents).toContainEqual({ type: 'ERROR', code: 410, from: informerRv });
    expect(lists).toBe(listsBefore + 1);
    expect(seen.slice(before).map((e) => `${e.verb} ${e.name}`).sort()).toEqual(['add born', 'delete doomed', 'update a']);
    expect(cached()).toEqual(['a', 'born']);

    // …and its new watch delivers as before.
    await write('POST', PATH, cm('after', { v: '1' }));
    await eventually(has('add', 'after'), 'add of "after" after the relist');
    await write('PUT', `${PATH}/after`, cm('after', { v: '2' }));
    await eventually(has('update', 'after', { v: '2' }), 'update of "after" after the relist');
    await write('DELETE', `${PATH}/after`);
    await eventually(has('delete', 'after'), 'delete of "after" after the relist');
    expect(cached()).toEqual(['a', 'born']);
    expect(errors).toEqual([]);
    expect(Number(informer!.latestResourceVersion())).toBeGreaterThan(Number(informerRv));
  }, 90_000);
});
