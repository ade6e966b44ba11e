// What a fieldRef or resourceFieldRef resolves to, shared by environment variables
// (container-env.ts) and downwardAPI volume files (volumes/downward-api.ts).
import { KubeletError } from './errors';
import type { ContainerSpec, Pod } from './pod-types';
import { milliValue, unitValue } from './resources';

/** metadata.name/namespace/uid and metadata.labels['k'] / annotations['k']; undefined for other paths. */
export function metadataFieldValue(pod: Pod, path: string): string | undefined {
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) return (m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[m[2]!] ?? '';
  switch (path) {
    case 'metadata.name':
      return String(pod.metadata.name ?? '');
    case 'metadata.namespace':
      return String(pod.metadata.namespace ?? '');
    case 'metadata.uid':
      return String(pod.metadata.uid ?? '');
  }
  return undefined;
}

export interface NodeAllocatable {
  readonly cpuMilli: number;
  readonly memoryBytes: number;
}

/**
 * `limits.cpu`, `requests.memory`… of a container, divided by the divisor and rounded up; an unset
 * limit is the node's allocatable (as upstream), an unset request 0.
 */
export function containerResourceValue(c: ContainerSpec, resource: string | undefined, divisor: string | number | undefined, allocatable: NodeAllocatable): string {
  const [kind, res] = (resource ?? '').split('.') as [string, string | undefined];
  const list = kind === 'limits' ? c.resources?.limits : kind === 'requests' ? c.resources?.requests : undefined;
  if (list !== undefined || kind === 'limits' || kind === 'requests') {
    if (res === 'cpu') {
      const milli = milliValue(list?.cpu) ?? (kind === 'limits' ? allocatable.cpuMilli : 0);
      return String(Math.ceil(milli / (milliValue(divisor ?? '1') || 1000)));
    }
    if (res === 'memory' || res === 'ephemeral-storage') {
      const bytes = unitValue(list?.[res]) ?? (kind === 'limits' && res === 'memory' ? allocatable.memoryBytes : 0);
      return String(Math.ceil(bytes / (unitValue(divisor ?? '1') || 1)));
    }
  }
  throw new KubeletError('invalid-pod', `unsupported resourceFieldRef "${resource ?? ''}" (limits|requests.cpu|memory|ephemeral-storage are)`, { reason: 'CreateContainerConfigError' });
}
