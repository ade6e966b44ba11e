// The payloads of the volumes written with the atomic writer: configMap, secret, downwardAPI and
// projected (whose sources are the same three plus a service account token).
import { KubeletError } from '../errors';
import type { Pod } from '../pod-types';
import type { FileProjection } from './atomic-writer';
import { downwardApiFiles, type DownwardContext } from './downward-api';
import type { VolumeSources } from './volume-sources';
import type { KeyToPath, VolumeProjection } from './volume-types';

export const DEFAULT_MODE = 0o644;
/** Lifetime of a projected token whose source names none (upstream's default). */
export const DEFAULT_TOKEN_SECONDS = 3600;

type Files = Map<string, FileProjection>;

/** Projects the keys of a ConfigMap or Secret: all keys, or only `items` (each must exist unless optional). */
export function keyFiles(kind: 'configmap' | 'secret', ref: string, data: Readonly<Record<string, string | Buffer>> | undefined, items: readonly KeyToPath[] | undefined, optional: boolean, defaultMode: number, out: Files): void {
  if (!data) {
    if (optional) return;
    throw new KubeletError('missing-reference', `${kind} "${ref}" not found`, { reason: 'CreateContainerConfigError' });
  }
  const wanted = items && items.length > 0 ? items : Object.keys(data).map((key) => ({ key, path: key }) as KeyToPath);
  for (const it of wanted) {
    const value = data[it.key];
    if (value === undefined) {
      if (optional) continue;
      throw new KubeletError('missing-reference', `configmap/secret ${ref} has no key "${it.key}"`, { reason: 'CreateContainerConfigError' });
    }
    out.set(it.path, { data: value, mode: it.mode ?? defaultMode });
  }
}

export async function configMapFiles(ns: string, src: { name?: string; items?: readonly KeyToPath[]; optional?: boolean }, defaultMode: number, refs: VolumeSources, out: Files = new Map()): Promise<Files> {
  const name = src.name ?? '';
  const data = refs.configMapData ? await refs.configMapData(ns, name) : await refs.configMap(ns, name);
  keyFiles('configmap', `${ns}/${name}`, data, src.items, !!src.optional, defaultMode, out);
  return out;
}

export async function secretFiles(ns: string, src: { name?: string; items?: readonly KeyToPath[]; optional?: boolean }, defaultMode: number, refs: VolumeSources, out: Files = new Map()): Promise<Files> {
  const name = src.name ?? '';
  const data = refs.secretData ? await refs.secretData(ns, name) : await refs.secret(ns, name);
  keyFiles('secret', `${ns}/${name}`, data, src.items, !!src.optional, defaultMode, out);
  return out;
}

export async function projectedFiles(pod: Pod, sources: readonly VolumeProjection[], defaultMode: number, refs: VolumeSources, ctx: DownwardContext): Promise<Files> {
  const ns = String(pod.metadata.namespace);
  const out: Files = new Map();
  for (const s of sources) {
    if (s.configMap) await configMapFiles(ns, s.configMap, defaultMode, refs, out);
    else if (s.secret) await secretFiles(ns, s.secret, defaultMode, refs, out);
    else if (s.downwardAPI) for (const [p, f] of downwardApiFiles(pod, s.downwardAPI.items ?? [], defaultMode, ctx)) out.set(p, f);
    else if (s.serviceAccountToken) {
      if (!refs.serviceAccountToken) throw new KubeletError('invalid-pod', 'this kubelet cannot request service account tokens', { reason: 'CreateContainerConfigError' });
      const token = await refs.serviceAccountToken({
        namespace: ns,
        serviceAccountName: pod.spec.serviceAccountName || 'default',
        audience: s.serviceAccountToken.audience || undefined,
        expirationSeconds: s.serviceAccountToken.expirationSeconds ?? DEFAULT_TOKEN_SECONDS,
        pod: { name: String(pod.metadata.name), uid: String(pod.metadata.uid) },
      });
      out.set(s.serviceAccountToken.path, { data: token, mode: defaultMode });
    }
  }
  return out;
}
