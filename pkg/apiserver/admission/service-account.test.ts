import { describe, expect, it } from 'vitest';
import type { ResourceDef } from '../../api/resource-def';
import type { KubeObject } from '../../api/types';
import type { AdmissionRequest } from '../authorization';
import { SERVICE_ACCOUNT_MOUNT_PATH, ServiceAccountAdmission } from './service-account';

const podsDef = { group: '', version: 'v1', resource: 'pods' } as unknown as ResourceDef;
const req = (pod: KubeObject, extra: Partial<AdmissionRequest> = {}): AdmissionRequest => ({ user: { username: 'u', groups: [] } as never, operation: 'create', def: podsDef, namespace: 'ns', object: pod, dryRun: false, ...extra });
const pod = (spec: Record<string, unknown> = {}, annotations: Record<string, string> = {}): KubeObject & { spec: any } => ({ metadata: { name: 'p', namespace: 'ns', annotations }, spec: { containers: [{ name: 'a', image: 'x' }], initContainers: [{ name: 'i', image: 'x' }], ...spec } });
const plugin = (accounts: Record<string, KubeObject> = {}) => new ServiceAccountAdmission({ getServiceAccount: async (ns, name) => accounts[`${ns}/${name}`], random: () => 0 });

describe('ServiceAccount admission', () => {
  it('defaults the account and mounts the kube-api-access volume in every container', async () => {
    const p = pod();
    await plugin().admit(req(p));
    expect(p.spec.serviceAccountName).toBe('default');
    expect(p.spec.volumes).toEqual([
      {
        name: 'kube-api-access-bbbbb',
        projected: {
          defaultMode: 420,
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
          ],
        },
      },
    ]);
    for (const c of [...p.spec.containers, ...p.spec.initContainers]) expect(c.volumeMounts).toEqual([{ name: 'kube-api-access-bbbbb', readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH }]);
  });

  it('honours automountServiceAccountToken on the pod first, then on the account', async () => {
    const off = pod({ automountServiceAccountToken: false, serviceAccountName: 'bot' });
    await plugin({ 'ns/bot': { metadata: { name: 'bot' }, automountServiceAccountToken: true } }).admit(req(off));
    expect(off.spec.volumes).toBeUndefined();
    const bySa = pod({ serviceAccountName: 'quiet' });
    await plugin({ 'ns/quiet': { metadata: { name: 'quiet' }, automountServiceAccountToken: false } }).admit(req(bySa));
    expect(bySa.spec.volumes).toBeUndefined();
    expect(bySa.spec.serviceAccount).toBe('quiet');
    const podWins = pod({ serviceAccountName: 'quiet', automountServiceAccountToken: true });
    await plugin({ 'ns/quiet': { metadata: { name: 'quiet' }, automountServiceAccountToken: false } }).admit(req(podWins));
    expect(podWins.spec.volumes).toHaveLength(1);
  });

  it('leaves mirror pods, updates, subresources and containers that already mount the path alone', async () => {
    const mirror = pod({}, { 'kubernetes.io/config.mirror': 'x' });
    await plugin().admit(req(mirror));
    expect(mirror.spec.serviceAccountName).toBeUndefined();
    const upd = pod();
    await plugin().admit(req(upd, { operation: 'update' }));
    expect(upd.spec.volumes).toBeUndefined();
    const own = pod({ containers: [{ name: 'a', image: 'x', volumeMounts: [{ name: 'mine', mountPath: SERVICE_ACCOUNT_MOUNT_PATH }] }], initContainers: [] });
    await plugin().admit(req(own));
    expect(own.spec.volumes).toBeUndefined();
    expect(own.spec.containers[0].volumeMounts).toEqual([{ name: 'mine', mountPath: SERVICE_ACCOUNT_MOUNT_PATH }]);
  });
});
