// Pod volumes on the node, under `<kubelet dir>/pods/<uid>/volumes/<plugin>/<name>` as upstream lays
// them out: emptyDir (a directory), hostPath (the host's path, created for *OrCreate types),
// configMap and secret (files written from the object's data, rewritten at every sync so updates
// propagate). Container mounts then bind these paths.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ReferenceReader } from './container-env';
import type { Mount } from './cri/types';
import { KubeletError } from './errors';
import type { ContainerSpec, Pod, Volume } from './pod-types';

export function podDir(kubeletDir: string, uid: string): string {
  return path.join(kubeletDir, 'pods', uid);
}

function writeIfChanged(file: string, data: string, mode: number): void {
  try {
    if (fs.readFileSync(file, 'utf8') === data) return;
  } catch {
    // new file
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.k3ts-tmp`;
  fs.writeFileSync(tmp, data, { mode });
  fs.renameSync(tmp, file);
}

async function projectData(dir: string, data: Readonly<Record<string, string>>, items: readonly { key: string; path: string; mode?: number }[] | undefined, defaultMode: number, what: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const wanted: readonly { key: string; path: string; mode?: number }[] = items ?? Object.keys(data).map((key) => ({ key, path: key }));
  const keep = new Set<string>();
  for (const it of wanted) {
    const value = data[it.key];
    if (value === undefined) throw new KubeletError('missing-reference', `configmap/secret ${what} has no key "${it.key}"`, { reason: 'CreateContainerConfigError' });
    if (it.path.split('/').includes('..')) throw new KubeletError('invalid-pod', `volume item path "${it.path}" must not contain ".."`);
    writeIfChanged(path.join(dir, it.path), value, it.mode ?? defaultMode);
    keep.add(it.path.split('/')[0]!);
  }
  for (const name of fs.readdirSync(dir)) if (!keep.has(name)) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
}

/** Makes every volume of the pod ready; returns volume name → host path. */
export async function prepareVolumes(pod: Pod, kubeletDir: string, refs: ReferenceReader): Promise<Map<string, string>> {
  const base = path.join(podDir(kubeletDir, String(pod.metadata.uid)), 'volumes');
  const ns = String(pod.metadata.namespace);
  const out = new Map<string, string>();
  for (const v of pod.spec.volumes ?? []) {
    const dir = await prepareVolume(v, base, ns, refs);
    if (dir) out.set(v.name, dir);
  }
  return out;
}

async function prepareVolume(v: Volume, base: string, ns: string, refs: ReferenceReader): Promise<string | undefined> {
  if (v.emptyDir) {
    const dir = path.join(base, 'kubernetes.io~empty-dir', v.name);
    fs.mkdirSync(dir, { recursive: true, mode: 0o777 });
    fs.chmodSync(dir, 0o777);
    return dir;
  }
  if (v.hostPath) {
    const t = v.hostPath.type ?? '';
    if (t === 'DirectoryOrCreate') fs.mkdirSync(v.hostPath.path, { recursive: true, mode: 0o755 });
    else if (t === 'FileOrCreate' && !fs.existsSync(v.hostPath.path)) {
      fs.mkdirSync(path.dirname(v.hostPath.path), { recursive: true });
      fs.writeFileSync(v.hostPath.path, '', { mode: 0o644 });
    } else if (t && !fs.existsSync(v.hostPath.path)) {
      throw new KubeletError('invalid-pod', `hostPath type check failed: ${v.hostPath.path} does not exist`, { reason: 'CreateContainerConfigError' });
    }
    return v.hostPath.path;
  }
  if (v.configMap) {
    const name = v.configMap.name ?? '';
    const dir = path.join(base, 'kubernetes.io~configmap', v.name);
    const data = await refs.configMap(ns, name);
    if (!data && !v.configMap.optional) throw new KubeletError('missing-reference', `configmap "${name}" not found`, { reason: 'CreateContainerConfigError' });
    await projectData(dir, data ?? {}, data ? v.configMap.items : [], v.configMap.defaultMode ?? 0o644, `${ns}/${name}`);
    return dir;
  }
  if (v.secret) {
    const name = v.secret.secretName ?? '';
    const dir = path.join(base, 'kubernetes.io~secret', v.name);
    const data = await refs.secret(ns, name);
    if (!data && !v.secret.optional) throw new KubeletError('missing-reference', `secret "${name}" not found`, { reason: 'CreateContainerConfigError' });
    await projectData(dir, data ?? {}, data ? v.secret.items : [], v.secret.defaultMode ?? 0o644, `${ns}/${name}`);
    return dir;
  }
  return undefined;
}

/** CRI mounts of a container (unknown volume types are reported, not skipped silently). */
export function containerMounts(c: ContainerSpec, volumes: ReadonlyMap<string, string>): Mount[] {
  const out: Mount[] = [];
  for (const m of c.volumeMounts ?? []) {
    const host = volumes.get(m.name);
    if (!host) throw new KubeletError('invalid-pod', `volume "${m.name}" of container ${c.name} has a type this kubelet does not support yet (emptyDir, hostPath, configMap and secret are)`, { reason: 'CreateContainerConfigError' });
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
