// downwardAPI volume files: pod metadata (name, namespace, uid, labels, annotations) and container
// resources rendered the way upstream's kubelet writes them. Whole label/annotation maps become one
// `key="value"` line per entry, sorted by key.
import { KubeletError } from '../errors';
import type { Pod } from '../pod-types';
import { milliValue, unitValue } from '../resources';
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
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (m) return (m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[m[2]!] ?? '';
  switch (fieldPath) {
    case 'metadata.name':
      return String(pod.metadata.name ?? '');
    case 'metadata.namespace':
      return String(pod.metadata.namespace ?? '');
    case 'metadata.uid':
      return String(pod.metadata.uid ?? '');
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
  const [kind, res] = (ref.resource ?? '').split('.') as [string, string | undefined];
  const list = kind === 'limits' ? c.resources?.limits : kind === 'requests' ? c.resources?.requests : undefined;
  if (res === 'cpu') {
    const milli = milliValue(list?.cpu) ?? (kind === 'limits' ? ctx.allocatable.cpuMilli : 0);
    const divisor = milliValue(ref.divisor ?? '1') || 1000;
    return String(Math.ceil(milli / divisor));
  }
  if (res === 'memory' || res === 'ephemeral-storage') {
    const bytes = unitValue(list?.[res]) ?? (kind === 'limits' && res === 'memory' ? ctx.allocatable.memoryBytes : 0);
    const divisor = unitValue(ref.divisor ?? '1') || 1;
    return String(Math.ceil(bytes / divisor));
  }
  throw new KubeletError('invalid-pod', `unsupported resourceFieldRef "${ref.resource ?? ''}" (limits|requests.cpu|memory|ephemeral-storage are)`, { reason: 'CreateContainerConfigError' });
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
