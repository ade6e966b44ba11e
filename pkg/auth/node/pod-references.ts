// What a pod makes its node need to read: the secrets, config maps, persistent volume claims and
// service account the pod refers to (image pull secrets, env, envFrom, volumes, projected volumes).
import type { KubeObject } from '../../api/types';

export interface PodReferences {
  /** The node the pod is bound to ('' when unscheduled). */
  readonly nodeName: string;
  readonly namespace: string;
  readonly secrets: readonly string[];
  readonly configMaps: readonly string[];
  readonly claims: readonly string[];
  readonly serviceAccount: string;
}

type Rec = Record<string, unknown>;

function rec(v: unknown): Rec | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Rec) : undefined;
}

function recs(v: unknown): Rec[] {
  return Array.isArray(v) ? v.map(rec).filter((r): r is Rec => r !== undefined) : [];
}

function name(v: unknown, field = 'name'): string | undefined {
  const n = rec(v)?.[field];
  return typeof n === 'string' && n !== '' ? n : undefined;
}

/** Volume sources that carry a `secretRef` naming a Secret of the pod's namespace. */
const SECRET_REF_VOLUMES = ['cephfs', 'cinder', 'flexVolume', 'iscsi', 'rbd', 'scaleIO', 'storageos'] as const;

export function podReferences(pod: KubeObject): PodReferences {
  const spec = rec(pod.spec) ?? {};
  const secrets = new Set<string>();
  const configMaps = new Set<string>();
  const claims = new Set<string>();
  const add = (set: Set<string>, n: string | undefined) => {
    if (n) set.add(n);
  };
  for (const s of recs(spec.imagePullSecrets)) add(secrets, name(s));
  for (const list of [spec.initContainers, spec.containers, spec.ephemeralContainers]) {
    for (const c of recs(list)) {
      for (const e of recs(c.env)) {
        const from = rec(e.valueFrom);
        add(secrets, name(from?.secretKeyRef));
        add(configMaps, name(from?.configMapKeyRef));
      }
      for (const e of recs(c.envFrom)) {
        add(secrets, name(e.secretRef));
        add(configMaps, name(e.configMapRef));
      }
    }
  }
  const podName = typeof pod.metadata.name === 'string' ? pod.metadata.name : '';
  for (const v of recs(spec.volumes)) {
    add(secrets, name(v.secret, 'secretName'));
    add(secrets, name(v.azureFile, 'secretName'));
    add(secrets, name(rec(v.csi)?.nodePublishSecretRef));
    for (const k of SECRET_REF_VOLUMES) add(secrets, name(rec(v[k])?.secretRef));
    add(configMaps, name(v.configMap));
    for (const src of recs(rec(v.projected)?.sources)) {
      add(secrets, name(src.secret));
      add(configMaps, name(src.configMap));
    }
    add(claims, name(v.persistentVolumeClaim, 'claimName'));
    // A generic ephemeral volume's claim is named <pod>-<volume>.
    if (rec(v.ephemeral) && typeof v.name === 'string') claims.add(`${podName}-${v.name}`);
  }
  return Object.freeze({
    nodeName: typeof spec.nodeName === 'string' ? spec.nodeName : '',
    namespace: typeof pod.metadata.namespace === 'string' ? pod.metadata.namespace : '',
    secrets: Object.freeze([...secrets]),
    configMaps: Object.freeze([...configMaps]),
    claims: Object.freeze([...claims]),
    serviceAccount: typeof spec.serviceAccountName === 'string' && spec.serviceAccountName !== '' ? spec.serviceAccountName : 'default',
  });
}

export interface VolumeReferences {
  /** `namespace/name` of the claim the volume is bound to ('' when unbound). */
  readonly claim: string;
  /** `namespace/name` of secrets the volume's driver needs on the node. */
  readonly secrets: readonly string[];
}

export function persistentVolumeReferences(pv: KubeObject): VolumeReferences {
  const spec = rec(pv.spec) ?? {};
  const claimRef = rec(spec.claimRef);
  const claim = claimRef && typeof claimRef.namespace === 'string' && typeof claimRef.name === 'string' ? `${claimRef.namespace}/${claimRef.name}` : '';
  const secrets = new Set<string>();
  const ref = (v: unknown, defaultNamespace = '') => {
    const r = rec(v);
    const n = name(r);
    const ns = typeof r?.namespace === 'string' && r.namespace !== '' ? r.namespace : defaultNamespace;
    if (n && ns) secrets.add(`${ns}/${n}`);
  };
  const claimNs = typeof claimRef?.namespace === 'string' ? claimRef.namespace : '';
  const csi = rec(spec.csi);
  for (const k of ['nodePublishSecretRef', 'nodeStageSecretRef', 'nodeExpandSecretRef', 'controllerPublishSecretRef', 'controllerExpandSecretRef']) ref(csi?.[k]);
  for (const k of SECRET_REF_VOLUMES) ref(rec(spec[k])?.secretRef, claimNs);
  const azure = rec(spec.azureFile);
  if (azure && typeof azure.secretName === 'string') {
    const ns = typeof azure.secretNamespace === 'string' && azure.secretNamespace !== '' ? azure.secretNamespace : claimNs;
    if (ns) secrets.add(`${ns}/${azure.secretName}`);
  }
  return Object.freeze({ claim, secrets: Object.freeze([...secrets]) });
}
