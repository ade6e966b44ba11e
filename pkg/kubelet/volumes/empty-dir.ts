// emptyDir: a directory under the pod's volumes dir; with `medium: Memory` a tmpfs mounted there,
// unmounted when the pod is torn down. Its size is the smallest of sizeLimit and the pod's memory
// limit (the sum of its containers' limits when every container has one), else node allocatable
// memory, as upstream sizes memory-backed volumes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { unitValue } from '../resources';
import type { Mounter } from './mounts';
import type { Pod } from '../pod-types';
import type { VolumeSpec } from './volume-types';

/** Bytes of a memory-backed emptyDir (undefined: the tmpfs default). */
export function tmpfsSize(pod: Pod, sizeLimit: string | number | undefined, allocatableMemory: number | undefined): number | undefined {
  const limits = pod.spec.containers.map((c) => unitValue(c.resources?.limits?.memory));
  const podLimit = limits.length > 0 && limits.every((l) => l !== undefined && l > 0) ? limits.reduce((a, b) => a! + b!, 0) : allocatableMemory || undefined;
  const asked = sizeLimit !== undefined ? unitValue(sizeLimit) : undefined;
  const sizes = [asked, podLimit].filter((n): n is number => n !== undefined && n > 0);
  return sizes.length > 0 ? Math.min(...sizes) : undefined;
}

export const EMPTY_DIR_PLUGIN = 'kubernetes.io~empty-dir';

export function setUpEmptyDir(pod: Pod, v: VolumeSpec & { emptyDir: NonNullable<VolumeSpec['emptyDir']> }, base: string, mounter: Mounter, allocatableMemory?: number): string {
  const dir = path.join(base, EMPTY_DIR_PLUGIN, v.name);
  fs.mkdirSync(dir, { recursive: true, mode: 0o777 });
  if (v.emptyDir.medium === 'Memory') {
    ensureTmpfs(dir, mounter, tmpfsSize(pod, v.emptyDir.sizeLimit, allocatableMemory));
  } else {
    fs.chmodSync(dir, 0o777);
  }
  return dir;
}

/** Mounts a tmpfs at `dir` (created if needed) unless one is mounted there already. */
export function ensureTmpfs(dir: string, mounter: Mounter, sizeBytes: number | undefined): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  if (!mounter.isMountPoint(dir)) mounter.mountTmpfs(dir, sizeBytes);
}
