import * as crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_MODULES } from '../../api/catalog';
import type { ResourceDef } from '../../api/resource-def';
import type { KubeObject } from '../../api/types';
import { eventually } from '../../controllers/testing/eventually';
import { silentLogger } from '../../log/logger';
import { MemoryBackend } from '../../storage/drivers/memory';
import type { AdmissionPlugin, AdmissionRequest } from '../authorization';
import { Store } from '../registry/store';
import { admissionPluginArgs, withoutDisabled } from './admission-plugin-args';
import { DEFAULT_INGRESS_CLASS, DEFAULT_STORAGE_CLASS, DefaultClassAdmission, pickDefaultClass } from './default-class';
import { defaultClassAdmission } from './default-class-admission';

const resources = BUILTIN_MODULES.flat();
const defOf = (group: string, resource: string): ResourceDef => resources.find((d) => d.group === group && d.resource === resource && d.version === 'v1' && !d.storageResource)!;
const pvcs = defOf('', 'persistentvolumeclaims');
const ingresses = defOf('networking.k8s.io', 'ingresses');

const cls = (name: string, created: string, isDefault: string | undefined, key = DEFAULT_STORAGE_CLASS.defaultAnnotations[0]!): KubeObject => ({
  metadata: { name, creationTimestamp: created, ...(isDefault !== undefined ? { annotations: { [key]: isDefault } } : {}) },
});
const req = (def: ResourceDef, object: KubeObject, extra: Partial<AdmissionRequest> = {}): AdmissionRequest => ({ user: { username: 'u', groups: [] }, operation: 'create', def, namespace: 'ns', object, dryRun: false, ...extra });
const pvc = (spec: Record<string, unknown> = {}, annotations?: Record<string, string>): KubeObject & { spec: Record<string, unknown> } => ({
  metadata: { name: 'c', namespace: 'ns', ...(annotations ? { annotations } : {}) },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});
const fixed = (classes: KubeObject[]) => ({ synced: Promise.resolve(), values: () => classes });

describe('pickDefaultClass', () => {
  const anns = DEFAULT_STORAGE_CLASS.defaultAnnotations;
  it('takes only classes annotated "true", the newest first, then the smallest name', () => {
    expect(pickDefaultClass([cls('a', '2026-01-01T00:00:00Z', 'false'), cls('b', '2026-01-01T00:00:00Z', undefined)], anns)).toBeUndefined();
    const picked = pickDefaultClass([cls('old', '2026-01-01T00:00:00Z', 'true'), cls('new', '2026-01-02T00:00:00Z', 'true'), cls('off', '2026-01-03T00:00:00Z', 'false')], anns);
    expect(picked?.metadata.name).toBe('new');
    const tie = pickDefaultClass([cls('zeta', '2026-01-02T00:00:00Z', 'true'), cls('alpha', '2026-01-02T00:00:00Z', 'true'), cls('mid', '2026-01-01T00:00:00Z', 'true')], anns);
    expect(tie?.metadata.name).toBe('alpha');
    expect(pickDefaultClass([cls('beta', '2026-01-01T00:00:00Z', 'true', 'storageclass.beta.kubernetes.io/is-default-class')], anns)?.metadata.name).toBe('beta');
  });
});

describe('DefaultStorageClass admission', () => {
  const plugin = new DefaultClassAdmission(DEFAULT_STORAGE_CLASS, fixed([cls('local-path', '2026-01-01T00:00:00Z', 'true'), cls('fast', '2026-01-01T00:00:00Z', 'false')]));

  it('sets the default class on a claim created without storageClassName', async () => {
    const c = pvc();
    await plugin.admit(req(pvcs, c));
    expect(c.spec.storageClassName).toBe('local-path');
  });

  it('keeps an explicit class, the empty string, the beta annotation; ignores updates and subresources', async () => {
    for (const [spec, ann] of [[{ storageClassName: 'fast' }], [{ storageClassName: '' }], [{}, { 'volume.beta.kubernetes.io/storage-class': 'x' }]] as const) {
      const c = pvc(spec, ann);
      const before = JSON.stringify(c);
      await plugin.admit(req(pvcs, c));
      expect(JSON.stringify(c)).toBe(before);
    }
    const upd = pvc();
    await plugin.admit(req(pvcs, upd, { operation: 'update' }));
    expect(upd.spec.storageClassName).toBeUndefined();
    const status = pvc();
    await plugin.admit(req(pvcs, status, { subresource: 'status' }));
    expect(status.spec.storageClassName).toBeUndefined();
  });

  it('leaves the claim alone when no class is the default, and other resources alone', async () => {
    const none = new DefaultClassAdmission(DEFAULT_STORAGE_CLASS, fixed([cls('fast', '2026-01-01T00:00:00Z', 'false')]));
    const c = pvc();
    await none.admit(req(pvcs, c));
    expect(c.spec.storageClassName).toBeUndefined();
    const ing: KubeObject & { spec: Record<string, unknown> } = { metadata: { name: 'i' }, spec: {} };
    await plugin.admit(req(ingresses, ing));
    expect(ing.spec).toEqual({});
  });
});

describe('DefaultIngressClass admission', () => {
  const key = DEFAULT_INGRESS_CLASS.defaultAnnotations[0]!;
  const plugin = new DefaultClassAdmission(DEFAULT_INGRESS_CLASS, fixed([cls('traefik', '2026-01-01T00:00:00Z', 'true', key), cls('nginx', '2026-01-05T00:00:00Z', 'true', key)]));
  it('sets the newest default IngressClass unless a class is named by field or legacy annotation', async () => {
    const ing: KubeObject & { spec?: Record<string, unknown> } = { metadata: { name: 'i', namespace: 'ns' }, spec: { rules: [] } };
    await plugin.admit(req(ingresses, ing));
    expect(ing.spec?.ingressClassName).toBe('nginx');
    const bare: KubeObject & { spec?: Record<string, unknown> } = { metadata: { name: 'j', namespace: 'ns' } };
    await plugin.admit(req(ingresses, bare));
    expect(bare.spec).toEqual({ ingressClassName: 'nginx' });
    const legacy: KubeObject & { spec?: Record<string, unknown> } = { metadata: { name: 'k', namespace: 'ns', annotations: { 'kubernetes.io/ingress.class': 'x' } }, spec: {} };
    await plugin.admit(req(ingresses, legacy));
    expect(legacy.spec).toEqual({});
    const own: KubeObject & { spec?: Record<string, unknown> } = { metadata: { name: 'l', namespace: 'ns' }, spec: { ingressClassName: 'traefik' } };
    await plugin.admit(req(ingresses, own));
    expect(own.spec?.ingressClassName).toBe('traefik');
  });
});

describe('defaultClassAdmission (watched class caches)', () => {
  const backend = new MemoryBackend();
  const stop = new AbortController();
  let plugins: AdmissionPlugin[];
  const ctx = { backend, now: () => new Date(), newUid: () => crypto.randomUUID(), random: Math.random };
  beforeAll(async () => {
    await backend.start();
    plugins = defaultClassAdmission({ backend, resources, signal: stop.signal, log: silentLogger() });
  });
  afterAll(async () => {
    stop.abort();
    await backend.close();
  });

  it('follows StorageClass and IngressClass writes', async () => {
    expect(plugins.map((p) => p.name)).toEqual(['DefaultStorageClass', 'DefaultIngressClass']);
    const admitPvc = async () => {
      const c = pvc();
      for (const p of plugins) await p.admit(req(pvcs, c));
      return c.spec.storageClassName as string | undefined;
    };
    expect(await admitPvc()).toBeUndefined();
    const scStore = new Store(defOf('storage.k8s.io', 'storageclasses'), ctx);
    await scStore.create(undefined, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'gold', annotations: { [DEFAULT_STORAGE_CLASS.defaultAnnotations[0]!]: 'true' } }, provisioner: 'x' });
    await eventually(async () => (await admitPvc()) === 'gold', 'the new default StorageClass to be used', 5000, 10);
    await scStore.delete(undefined, 'gold');
    await eventually(async () => (await admitPvc()) === undefined, 'the deleted class to be forgotten', 5000, 10);
    const icStore = new Store(defOf('networking.k8s.io', 'ingressclasses'), ctx);
    await icStore.create(undefined, { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'edge', annotations: { [DEFAULT_INGRESS_CLASS.defaultAnnotations[0]!]: 'true' } }, spec: { controller: 'x/y' } });
    await eventually(async () => {
      const ing: KubeObject & { spec: Record<string, unknown> } = { metadata: { name: 'i', namespace: 'ns' }, spec: {} };
      for (const p of plugins) await p.admit(req(ingresses, ing));
      return ing.spec.ingressClassName === 'edge';
    }, 'the default IngressClass to be used', 5000, 10);
  });
});

describe('admission plugin args', () => {
  it('reads disable-/enable-admission-plugins among --kube-apiserver-arg values and filters plugins by name', () => {
    const args = admissionPluginArgs(['--disable-admission-plugins=DefaultStorageClass, DefaultIngressClass', 'enable-admission-plugins=NodeRestriction', 'audit-log-maxage=3']);
    expect([...args.disabled]).toEqual(['DefaultStorageClass', 'DefaultIngressClass']);
    expect([...args.enabled]).toEqual(['NodeRestriction']);
    const plugins = [{ name: 'ServiceAccount' }, { name: 'DefaultStorageClass' }, { name: 'DefaultIngressClass' }].map((p) => ({ ...p, admit: async () => undefined }));
    expect(withoutDisabled(plugins, args).map((p) => p.name)).toEqual(['ServiceAccount']);
  });
});
