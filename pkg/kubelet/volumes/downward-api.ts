// downwardAPI volume files: pod metadata (name, namespace, uid, labels, annotations) and container
// resources rendered the way upstream's kubelet writes them. Whole label/annotation maps become one
// `key="value"` line per entry, sorted by key.
import { KubeletError } from '../errors';
import type { Pod } from '../pod-types';
import { containerResourceValue, metadataFieldValue } from '../pod-field-refs';
import type { DownwardApiFile } from './volume-types';

export interface DownwardContext {
  /** Node allocatable: a resourceFieldRef of a limit the container does not set reports this. */
  readonly allocatable: { readonly cpuMilli: number; readonly memoryBytes: number };
}

function formatMap(m: Readonly<Record<string, string>> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m![k])}`)
    .join('\n');
}

export function downwardFieldValue(pod: Pod, fieldPath: string): string {
  const meta = metadataFieldValue(pod, fieldPath);
  if (meta !== undefined) return meta;
  switch (fieldPath) {
    case 'metadata.labels':
      return formatMap(pod.metadata.labels);
    case 'metadata.annotations':
      return formatMap(pod.metadata.annotations);
  }
  throw new KubeletError('invalid-pod', `unsupported downwardAPI volume fieldRef "${fieldPath}" (metadata.name, metadata.namespace, metadata.uid, metadata.labels, metadata.annotations are)`, { reason: 'CreateContainerConfigError' });
}

export function downwardResourceValue(pod: Pod, ref: NonNullable<DownwardApiFile['resourceFieldRef']>, ctx: DownwardContext): string {
  const all = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])];
  const c = all.find((x) => x.name === ref.containerName);
  if (!c) throw new KubeletError('invalid-pod', `resourceFieldRef names container "${ref.containerName ?? ''}", which the pod does not have`, { reason: 'CreateContainerConfigError' });
  return containerResourceValue(c, ref.resource, ref.divisor, ctx.allocatable);
}

/** The files of a downwardAPI volume (or projection): path → content and mode. */
export function downwardApiFiles(pod: Pod, items: readonly DownwardApiFile[], defaultMode: number, ctx: DownwardContext): Map<string, { data: string; mode: number }> {
  const out = new Map<string, { data: string; mode: number }>();
  for (const it of items) {
    let data: string;
    if (it.fieldRef?.fieldPath) data = downwardFieldValue(pod, it.fieldRef.fieldPath);
    else if (it.resourceFieldRef) data = downwardResourceValue(pod, it.resourceFieldRef, ctx);
    else throw new KubeletError('invalid-pod', `downwardAPI item "${it.path}" has neither fieldRef nor resourceFieldRef`, { reason: 'CreateContainerConfigError' });
    out.set(it.path, { data, mode: it.mode ?? defaultMode });
  }
  return out;
}
