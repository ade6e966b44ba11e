import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/types';
import { FakeClock } from '../../client/clock';
import { StatusError } from '../../client/errors';
import type { ResourceClient } from '../../client/rest-client';
import { silentLogger } from '../../log/logger';
import { StaticPods } from './static-pod-manager';
import { CONFIG_MIRROR_ANNOTATION, mirrorPodFor, scanStaticPods, staticPodFromManifest } from './static-pod-manifest';

const MANIFEST = `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: kube-system
  labels: { app: web }
spec:
  containers:
  - name: c
    image: k3ts.local/busybox:1
    command: [sleep, "1000"]
`;

describe('static pod manifests', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-static-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('names the pod <name>-<node>, binds it, and hashes content and node into the UID', () => {
    const p = staticPodFromManifest(MANIFEST, 'web.yaml', 'n1');
    expect(p.metadata).toMatchObject({ name: 'web-n1', namespace: 'kube-system', labels: { app: 'web' }, annotations: { 'kubernetes.io/config.source': 'file', 'kubernetes.io/config.hash': p.metadata.uid } });
    expect(p.metadata.uid).toMatch(/^[0-9a-f]{32}$/);
    expect(p.spec.nodeName).toBe('n1');
    expect(staticPodFromManifest(MANIFEST, 'web.yaml', 'n1').metadata.uid).toBe(p.metadata.uid);
    expect(staticPodFromManifest(MANIFEST, 'web.yaml', 'n2').metadata.uid).not.toBe(p.metadata.uid);
    expect(staticPodFromManifest(MANIFEST.replace('"1000"', '"2000"'), 'web.yaml', 'n1').metadata.uid).not.toBe(p.metadata.uid);
    expect(staticPodFromManifest(MANIFEST.replace('  namespace: kube-system\n', ''), 'web.yaml', 'n1').metadata.namespace).toBe('default');
  });

  it('reports bad files and skips hidden and other files', () => {
    fs.writeFileSync(path.join(dir, 'web.yaml'), MANIFEST);
    fs.writeFileSync(path.join(dir, 'dup.yml'), MANIFEST);
    fs.writeFileSync(path.join(dir, 'bad.yaml'), 'kind: Deployment\napiVersion: apps/v1\n');
    fs.writeFileSync(path.join(dir, 'two.yaml'), `${MANIFEST}---\n${MANIFEST}`);
    fs.writeFileSync(path.join(dir, '.hidden.yaml'), MANIFEST);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'x');
    const scan = scanStaticPods(dir, 'n1');
    expect([...scan.pods.values()].map((p) => p.metadata.name)).toEqual(['web-n1']);
    expect(scan.errors.map((e) => [path.basename(e.file), e.message.replace(/^.*?: /, '')])).toEqual([
      ['bad.yaml', 'expected a v1 Pod (kind: Pod, apiVersion: v1)'],
      ['two.yaml', 'expected exactly one Pod manifest, found 2 documents'],
      ['web.yaml', 'pod kube-system/web-n1 is already defined by another manifest'],
    ]);
    expect(scanStaticPods(path.join(dir, 'absent'), 'n1').pods.size).toBe(0);
  });

  it('builds the mirror pod with the mirror annotation and the Node as owner', () => {
    const p = staticPodFromManifest(MANIFEST, 'web.yaml', 'n1');
    const m = mirrorPodFor(p, { name: 'n1', uid: 'node-uid' });
    expect(m.metadata.uid).toBeUndefined();
    expect(m.metadata.annotations?.[CONFIG_MIRROR_ANNOTATION]).toBe(p.metadata.uid);
    expect(m.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'node-uid', controller: true }]);
    expect(m.spec).toEqual(p.spec);
  });
});

/** A pods API in memory: enough of ResourceClient for the manager. */
function fakePods() {
  const store = new Map<string, KubeObject>();
  const calls: string[] = [];
  let n = 0;
  const api = {
    async create(obj: KubeObject) {
      const k = `${obj.metadata.namespace}/${obj.metadata.name}`;
      calls.push(`create ${k}`);
      if (store.has(k)) throw new StatusError(409, 'AlreadyExists', `pods "${obj.metadata.name}" already exists`);
      const created = { ...obj, metadata: { ...obj.metadata, uid: `m${++n}` } };
      store.set(k, created);
      return created;
    },
    async delete(ns: string, name: string) {
      calls.push(`delete ${ns}/${name}`);
      const o = store.get(`${ns}/${name}`);
      store.delete(`${ns}/${name}`);
      return o;
    },
  };
  return { store, calls, api: api as unknown as ResourceClient };
}

describe('StaticPods', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-static-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('follows file edits and removal, and keeps one current mirror pod per static pod', async () => {
    const pods = fakePods();
    const changes: string[][] = [];
    const sp = new StaticPods({ dir, nodeName: 'n1' }, { pods: pods.api, clock: new FakeClock(), log: silentLogger(), nodeUid: () => 'nu', synced: () => true, onChange: (u) => changes.push([...u]) });
    const file = path.join(dir, 'web.yaml');
    fs.writeFileSync(file, MANIFEST);
    const [uid1] = sp.load();
    expect(sp.get(uid1!)?.metadata.name).toBe('web-n1');
    expect(sp.load()).toEqual([]);
    await sp.syncMirrors();
    expect(pods.calls).toEqual(['create kube-system/web-n1']);
    const mirror = pods.store.get('kube-system/web-n1')!;
    // The informer delivers the mirror: it is not a pod to run, and its status becomes the static pod's.
    expect(sp.observe({ ...mirror, status: { phase: 'Running' } })).toBe(true);
    expect(sp.get(uid1!)?.status).toEqual({ phase: 'Running' });
    expect(sp.observe({ metadata: { name: 'other', namespace: 'default' } })).toBe(false);
    await sp.syncMirrors();
    expect(pods.calls).toHaveLength(1);

    // An edit is a new pod (new UID); the stale mirror is replaced.
    fs.writeFileSync(file, MANIFEST.replace('"1000"', '"2000"'));
    const changed = sp.load();
    expect(changed).toHaveLength(2);
    expect(changed).toContain(uid1);
    const uid2 = changed.find((u) => u !== uid1)!;
    expect(sp.get(uid1!)).toBeUndefined();
    await sp.syncMirrors();
    expect(pods.calls.slice(1)).toEqual(['delete kube-system/web-n1', 'create kube-system/web-n1']);
    expect(pods.store.get('kube-system/web-n1')!.metadata.annotations?.[CONFIG_MIRROR_ANNOTATION]).toBe(uid2);

    // A user deleting the mirror gets it back.
    sp.observe(pods.store.get('kube-system/web-n1')!, true);
    pods.store.delete('kube-system/web-n1');
    await sp.syncMirrors();
    expect(pods.calls.at(-1)).toBe('create kube-system/web-n1');

    // Removing the file stops the pod and deletes its mirror.
    sp.observe(pods.store.get('kube-system/web-n1')!);
    fs.rmSync(file);
    expect(sp.load()).toEqual([uid2]);
    await sp.syncMirrors();
    expect(pods.calls.at(-1)).toBe('delete kube-system/web-n1');
    expect(pods.store.size).toBe(0);
    expect(changes.flat()).toContain(uid2);
  });

  it('leaves mirror pods alone until the informer has synced', async () => {
    const pods = fakePods();
    fs.writeFileSync(path.join(dir, 'web.yaml'), MANIFEST);
    const sp = new StaticPods({ dir, nodeName: 'n1' }, { pods: pods.api, clock: new FakeClock(), log: silentLogger(), nodeUid: () => undefined, synced: () => false, onChange: () => undefined });
    sp.load();
    await sp.syncMirrors();
    expect(pods.calls).toEqual([]);
  });
});
