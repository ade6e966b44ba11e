// Static pods: Pod manifests in a directory (`<data-dir>/agent/pod-manifests/*.yaml|yml|json`) that
// the kubelet runs without any API object. As upstream's file source does, each pod is named
// `<name>-<nodeName>`, bound to the node, and gets a UID that is a hash of its content and node,
// so an edit of the file is a new pod (the old one is stopped) and an unchanged file keeps its pod
// across kubelet restarts.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../api/types';
import { KubeletError } from '../errors';
import { asPod, type Pod } from '../pod-types';

export const CONFIG_HASH_ANNOTATION = 'kubernetes.io/config.hash';
export const CONFIG_SOURCE_ANNOTATION = 'kubernetes.io/config.source';
export const CONFIG_MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

const MANIFEST = /\.(ya?ml|json)$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Turns the text of one manifest file into the static pod the kubelet runs. */
export function staticPodFromManifest(text: string, file: string, nodeName: string): Pod {
  const docs = parseAllDocuments(text).filter((d) => d.contents !== null);
  if (docs.length !== 1) throw new KubeletError('invalid-pod', `${file}: expected exactly one Pod manifest, found ${docs.length} documents`);
  const doc = docs[0]!;
  if (doc.errors.length > 0) throw new KubeletError('invalid-pod', `${file}: not valid YAML: ${doc.errors[0]!.message}`);
  const obj: unknown = doc.toJS();
  if (!isRecord(obj) || obj.kind !== 'Pod' || obj.apiVersion !== 'v1') throw new KubeletError('invalid-pod', `${file}: expected a v1 Pod (kind: Pod, apiVersion: v1)`);
  const meta = isRecord(obj.metadata) ? obj.metadata : {};
  const spec = isRecord(obj.spec) ? obj.spec : undefined;
  if (typeof meta.name !== 'string' || !meta.name) throw new KubeletError('invalid-pod', `${file}: metadata.name is required`);
  if (!spec || !Array.isArray(spec.containers) || spec.containers.length === 0) throw new KubeletError('invalid-pod', `${file}: spec.containers must list at least one container`);
  const namespace = typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : 'default';
  const name = `${meta.name}-${nodeName}`;
  const fullSpec = { ...spec, nodeName };
  const hash = createHash('md5')
    .update(JSON.stringify({ metadata: { name, namespace, labels: meta.labels ?? {}, annotations: meta.annotations ?? {} }, spec: fullSpec }))
    .update(nodeName)
    .digest('hex');
  const annotations = { ...(isRecord(meta.annotations) ? (meta.annotations as Record<string, string>) : {}), [CONFIG_HASH_ANNOTATION]: hash, [CONFIG_SOURCE_ANNOTATION]: 'file' };
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...(meta as KubeObject['metadata']), name, namespace, uid: hash, annotations },
    spec: fullSpec,
  };
  return asPod(pod);
}

export interface StaticPodScan {
  readonly pods: ReadonlyMap<string, Pod>;
  readonly errors: readonly { readonly file: string; readonly message: string }[];
}

/** Every static pod of `dir` by UID (a missing directory has none); bad files are reported, not fatal. */
export function scanStaticPods(dir: string, nodeName: string): StaticPodScan {
  const pods = new Map<string, Pod>();
  const errors: { file: string; message: string }[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => !n.startsWith('.') && MANIFEST.test(n)).sort();
  } catch {
    return { pods, errors };
  }
  const seen = new Set<string>();
  for (const n of names) {
    const file = path.join(dir, n);
    try {
      if (!fs.statSync(file).isFile()) continue;
      const pod = staticPodFromManifest(fs.readFileSync(file, 'utf8'), file, nodeName);
      const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
      if (seen.has(key)) throw new KubeletError('invalid-pod', `${file}: pod ${key} is already defined by another manifest`);
      seen.add(key);
      pods.set(String(pod.metadata.uid), pod);
    } catch (e) {
      errors.push({ file, message: (e as Error).message });
    }
  }
  return { pods, errors };
}

/** The mirror pod of a static pod: its API representation, owned by the Node, marked with the hash. */
export function mirrorPodFor(pod: Pod, node: { readonly name: string; readonly uid?: string }): KubeObject {
  const { uid: _uid, resourceVersion: _rv, creationTimestamp: _ct, ...meta } = pod.metadata as Record<string, unknown>;
  const annotations = { ...((meta.annotations as Record<string, string> | undefined) ?? {}), [CONFIG_MIRROR_ANNOTATION]: String(pod.metadata.uid) };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...(meta as KubeObject['metadata']),
      annotations,
      ...(node.uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.name, uid: node.uid, controller: true }] } : {}),
    },
    spec: pod.spec as unknown as Record<string, unknown>,
  };
}

export function isMirrorPod(obj: KubeObject): boolean {
  return obj.metadata.annotations?.[CONFIG_MIRROR_ANNOTATION] !== undefined;
}
