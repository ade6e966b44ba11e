// Pod volumes on the node, under `<kubelet dir>/pods/<uid>/volumes/<plugin>/<name>` as upstream lays
// them out. emptyDir (a directory, or a tmpfs for medium Memory), hostPath and persistentVolumeClaim
// (host paths), and configMap, secret, downwardAPI and projected (files in the atomic writer layout,
// rewritten at every sync when their content changed, so updates reach running containers; secret
// and projected volumes on a tmpfs). The runtime then bind-mounts these paths into the containers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Mount } from '../cri/types';
import { KubeletError } from '../errors';
import type { ContainerSpec, Pod } from '../pod-types';
import { writePayloadAtomically } from './atomic-writer';
import type { DownwardContext } from './downward-api';
import { downwardApiFiles } from './downward-api';
import { ensureTmpfs, setUpEmptyDir, tmpfsSize } from './empty-dir';
import { setUpHostPath } from './host-path';
import { systemMounter, type Mounter } from './mounts';
import { setUpClaim } from './persistent-volume-claim';
import { configMapFiles, DEFAULT_MODE, projectedFiles, secretFiles } from './projections';
import type { VolumeSources } from './volume-sources';
import type { VolumeSpec } from './volume-types';

export type { VolumeSources } from './volume-sources';
export { ServiceAccountTokens, tokenRequester } from './service-account-tokens';
export { systemMounter, type Mounter } from './mounts';

export function podDir(kubeletDir: string, uid: string): string {
  return path.join(kubeletDir, 'pods', uid);
}

export interface VolumeOptions extends Partial<DownwardContext> {
  readonly mounter?: Mounter;
  /** Wall clock for the atomic writer's directory names. */
  readonly nowMs?: number;
}

/** Makes every volume of the pod ready; returns volume name → host path. */
export async function prepareVolumes(pod: Pod, kubeletDir: string, refs: VolumeSources, opts: VolumeOptions = {}): Promise<Map<string, string>> {
  const base = path.join(podDir(kubeletDir, String(pod.metadata.uid)), 'volumes');
  const out = new Map<string, string>();
  for (const v of (pod.spec.volumes ?? []) as readonly VolumeSpec[]) {
    const dir = await prepareVolume(pod, v, base, refs, opts);
    if (dir) out.set(v.name, dir);
  }
  return out;
}

async function prepareVolume(pod: Pod, v: VolumeSpec, base: string, refs: VolumeSources, opts: VolumeOptions): Promise<string | undefined> {
  const ns = String(pod.metadata.namespace);
  const now = opts.nowMs ?? Date.now();
  const ctx: DownwardContext = { allocatable: opts.allocatable ?? { cpuMilli: 0, memoryBytes: 0 } };
  const atomic = (plugin: string, files: ReadonlyMap<string, { data: string | Buffer; mode: number }>, inMemory = false) => {
    const dir = path.join(base, plugin, v.name);
    // Secrets and tokens never touch the disk: their volumes are tmpfs, as upstream's.
    if (inMemory) ensureTmpfs(dir, opts.mounter ?? systemMounter, tmpfsSize(pod, undefined, opts.allocatable?.memoryBytes));
    writePayloadAtomically(dir, files, now);
    return dir;
  };
  if (v.emptyDir) return setUpEmptyDir(pod, { ...v, emptyDir: v.emptyDir }, base, opts.mounter ?? systemMounter, opts.allocatable?.memoryBytes);
  if (v.hostPath) return setUpHostPath(v.hostPath.path, v.hostPath.type);
  if (v.persistentVolumeClaim) return setUpClaim(ns, v.persistentVolumeClaim.claimName, refs);
  if (v.configMap) {
    const m = v.configMap.defaultMode ?? DEFAULT_MODE;
    return atomic('kubernetes.io~configmap', await configMapFiles(ns, v.configMap, m, refs));
  }
  if (v.secret) {
    const m = v.secret.defaultMode ?? DEFAULT_MODE;
    return atomic('kubernetes.io~secret', await secretFiles(ns, { ...v.secret, name: v.secret.secretName }, m, refs), true);
  }
  if (v.downwardAPI) return atomic('kubernetes.io~downward-api', downwardApiFiles(pod, v.downwardAPI.items ?? [], v.downwardAPI.defaultMode ?? DEFAULT_MODE, ctx));
  if (v.projected) return atomic('kubernetes.io~projected', await projectedFiles(pod, v.projected.sources ?? [], v.projected.defaultMode ?? DEFAULT_MODE, refs, ctx), true);
  return undefined;
}

/**
 * Removes the pod's directory after unmounting what volumes mounted there (tmpfs). A mount that
 * cannot be removed keeps the directory (never recurse into a mounted file system).
 */
export function removePodDir(kubeletDir: string, uid: string, mounter: Mounter = systemMounter): void {
  const dir = podDir(kubeletDir, uid);
  if (!fs.existsSync(dir)) return;
  for (const m of mounter.mountsUnder(dir)) {
    try {
      mounter.unmount(m);
    } catch {
      // reported below: the directory stays
    }
  }
  if (mounter.mountsUnder(dir).length > 0) throw new KubeletError('io', `mounts remain under ${dir}; not removing it`);
  fs.rmSync(dir, { recursive: true, force: true });
}

/** CRI mounts of a container (unknown volume types are reported, not skipped silently). */
export function containerMounts(c: ContainerSpec, volumes: ReadonlyMap<string, string>): Mount[] {
  const out: Mount[] = [];
  for (const m of c.volumeMounts ?? []) {
    const host = volumes.get(m.name);
    if (!host) throw new KubeletError('invalid-pod', `volume "${m.name}" of container ${c.name} has a type this kubelet does not support (emptyDir, hostPath, configMap, secret, downwardAPI, projected and persistentVolumeClaim are)`, { reason: 'CreateContainerConfigError' });
    let source = host;
    if (m.subPath) {
      if (m.subPath.split('/').includes('..')) throw new KubeletError('invalid-pod', `subPath "${m.subPath}" must not contain ".."`, { reason: 'CreateContainerConfigError' });
      source = path.join(host, m.subPath);
      if (!fs.existsSync(source)) fs.mkdirSync(source, { recursive: true });
    }
    out.push({ container_path: m.mountPath, host_path: source, readonly: !!m.readOnly });
  }
  return out;
}

/** The file mounted at terminationMessagePath, created empty for each new container. */
export function terminationLogFile(kubeletDir: string, uid: string, container: string, attempt: number): string {
  const file = path.join(podDir(kubeletDir, uid), 'containers', container, `termination-${attempt}`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '', { mode: 0o666 });
  return file;
}

export function readTerminationMessage(kubeletDir: string, uid: string, container: string, attempt: number): string | undefined {
  try {
    const text = fs.readFileSync(path.join(podDir(kubeletDir, uid), 'containers', container, `termination-${attempt}`), 'utf8');
    return text ? text.slice(0, 4096) : undefined;
  } catch {
    return undefined;
  }
}
