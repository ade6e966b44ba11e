// The ServiceAccount admission plugin for pod creates, as upstream's: the pod runs as
// spec.serviceAccountName (default "default"), and unless the pod or its service account turns
// automountServiceAccountToken off, it gets the projected `kube-api-access-<suffix>` volume (a bound
// token from the TokenRequest API, the cluster CA from kube-root-ca.crt, the namespace) mounted
// read-only at /var/run/secrets/kubernetes.io/serviceaccount in every container.
//
// One deviation: upstream refuses a pod whose service account does not exist yet; here the pod is
// admitted and the kubelet's token request waits for the account (the service account controller
// creates `default` moments after the namespace), so a pod created right after its namespace
// does not fail.
import * as crypto from 'node:crypto';
import type { ResourceDef } from '../../api/resource-def';
import type { KubeObject } from '../../api/types';
import { asArray, asObject, asString, type JsonRecord } from '../../api/validation/json';
import type { Backend } from '../../storage/backend';
import type { AdmissionPlugin, AdmissionRequest } from '../authorization';
import { Store } from '../registry/store';

export const SERVICE_ACCOUNT_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';
/** Upstream's suffix alphabet (no vowels, no look-alike digits). */
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export interface ServiceAccountAdmissionDeps {
  /** The service account, or undefined when it does not exist. */
  getServiceAccount(namespace: string, name: string): Promise<KubeObject | undefined>;
  readonly random?: () => number;
}

export function apiAccessVolume(name: string): JsonRecord {
  return {
    name,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

export class ServiceAccountAdmission implements AdmissionPlugin {
  readonly name = 'ServiceAccount';

  constructor(private readonly deps: ServiceAccountAdmissionDeps) {}

  async admit(req: AdmissionRequest): Promise<void> {
    if (req.operation !== 'create' || req.subresource || req.def.group !== '' || req.def.resource !== 'pods' || !req.object) return;
    const pod = req.object;
    if (pod.metadata.annotations?.[MIRROR_ANNOTATION] !== undefined) return;
    const spec = asObject(pod.spec);
    if (!spec) return;
    const account = asString(spec.serviceAccountName) || asString(spec.serviceAccount) || 'default';
    spec.serviceAccountName = account;
    spec.serviceAccount = account;
    let automount = typeof spec.automountServiceAccountToken === 'boolean' ? spec.automountServiceAccountToken : undefined;
    if (automount === undefined) {
      const sa = await this.deps.getServiceAccount(String(req.namespace ?? pod.metadata.namespace ?? ''), account);
      const fromSa = sa?.automountServiceAccountToken;
      automount = typeof fromSa === 'boolean' ? fromSa : true;
    }
    if (!automount) return;
    const volumes = asArray(spec.volumes) ?? [];
    const containers = ['initContainers', 'containers'].flatMap((k) => (asArray(spec[k]) ?? []).map((c) => asObject(c)).filter((c): c is JsonRecord => c !== undefined));
    const mountsTokenPath = (c: JsonRecord) => (asArray(c.volumeMounts) ?? []).some((m) => asString(asObject(m)?.mountPath) === SERVICE_ACCOUNT_MOUNT_PATH);
    // A pod that already mounts something there keeps it (upstream leaves such pods alone).
    if (containers.length > 0 && containers.every(mountsTokenPath)) return;
    const existing = volumes.map((v) => asString(asObject(v)?.name) ?? '').find((n) => n.startsWith('kube-api-access-'));
    const name = existing ?? `kube-api-access-${this.suffix()}`;
    if (!existing) spec.volumes = [...volumes, apiAccessVolume(name)];
    for (const c of containers) {
      if (mountsTokenPath(c)) continue;
      c.volumeMounts = [...(asArray(c.volumeMounts) ?? []), { name, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH }];
    }
  }

  private suffix(): string {
    const random = this.deps.random ?? Math.random;
    let s = '';
    for (let i = 0; i < 5; i++) s += ALPHABET[Math.floor(random() * ALPHABET.length)];
    return s;
  }
}

/** The plugin reading service accounts straight from the datastore. */
export function serviceAccountAdmission(deps: { readonly backend: Backend; readonly resources: readonly ResourceDef[] }): AdmissionPlugin[] {
  const def = deps.resources.find((d) => d.group === '' && d.version === 'v1' && d.resource === 'serviceaccounts' && !d.storageResource);
  if (!def) return [];
  const store = new Store(def, { backend: deps.backend, now: () => new Date(), newUid: () => crypto.randomUUID(), random: Math.random });
  return [
    new ServiceAccountAdmission({
      getServiceAccount: async (namespace, name) => {
        const kv = await store.getKv(namespace, name);
        return kv ? store.get(namespace, name).catch(() => undefined) : undefined;
      },
    }),
  ];
}
