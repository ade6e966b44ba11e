// The local-path provisioner's settings, in the ConfigMap K3s users know
// (kube-system/local-path-config, key config.json):
//   {"nodePathMap":[{"node":"DEFAULT_PATH_FOR_NON_LISTED_NODES","paths":["/var/lib/rancher/k3ts/storage"]},
//                   {"node":"node-2","paths":["/mnt/disk1","/mnt/disk2"]}]}
// A node listed with an empty path list has no local storage; unlisted nodes use the default entry.
import type { KubeObject } from '../../api/types';
import { asArray, asObject, asString } from '../../api/validation/json';

export const LOCAL_PATH_PROVISIONER = 'rancher.io/local-path';
export const LOCAL_PATH_CLASS = 'local-path';
export const LOCAL_PATH_CONFIGMAP = 'local-path-config';
export const DEFAULT_NODE_KEY = 'DEFAULT_PATH_FOR_NON_LISTED_NODES';
export const ANN_LOCAL_PATH_NODE = 'local.path.provisioner/selected-node';

export type NodePathMap = ReadonlyMap<string, readonly string[]>;

/** Parses config.json; throws with a message naming what is wrong. */
export function parseLocalPathConfig(text: string): NodePathMap {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`config.json is not JSON: ${(e as Error).message}`);
  }
  const entries = asArray(asObject(doc)?.nodePathMap);
  if (!entries) throw new Error('config.json has no nodePathMap list');
  const map = new Map<string, string[]>();
  for (const [i, raw] of entries.entries()) {
    const e = asObject(raw);
    const node = asString(e?.node);
    if (!node) throw new Error(`nodePathMap[${i}].node is missing`);
    if (map.has(node)) throw new Error(`nodePathMap lists node "${node}" twice`);
    const paths = (asArray(e?.paths) ?? []).map((p, j) => {
      const s = asString(p);
      if (!s || !s.startsWith('/')) throw new Error(`nodePathMap[${i}].paths[${j}] must be an absolute path`);
      return s.replace(/\/+$/, '') || '/';
    });
    map.set(node, paths);
  }
  return map;
}

export function localPathConfigFromConfigMap(cm: KubeObject | undefined): NodePathMap {
  const text = asString(asObject(cm?.data)?.['config.json']);
  if (!text) throw new Error(`ConfigMap kube-system/${LOCAL_PATH_CONFIGMAP} has no config.json`);
  return parseLocalPathConfig(text);
}

/** The paths volumes for `node` may go to (the node's own entry, else the default entry). */
export function pathsForNode(map: NodePathMap, node: string): readonly string[] {
  return map.get(node) ?? map.get(DEFAULT_NODE_KEY) ?? [];
}

/** `<base>/<pvName>_<namespace>_<claim>`, as the upstream provisioner names its directories. */
export function volumeDirectory(base: string, pvName: string, namespace: string, claim: string): string {
  return `${base === '/' ? '' : base}/${pvName}_${namespace}_${claim}`;
}

export function defaultLocalPathConfig(defaultPath: string): string {
  return `${JSON.stringify({ nodePathMap: [{ node: DEFAULT_NODE_KEY, paths: [defaultPath] }] }, null, 2)}\n`;
}

/** Whether `dir` is a volume directory directly under one of `bases` (the cleaner deletes nothing else). */
export function isVolumeDirectoryUnder(dir: string, bases: readonly string[]): boolean {
  const slash = dir.lastIndexOf('/');
  if (slash <= 0) return false;
  const parent = dir.slice(0, slash);
  const leaf = dir.slice(slash + 1);
  return bases.includes(parent) && /^[a-z0-9.-]+_[a-z0-9-]+_[a-z0-9.-]+$/.test(leaf);
}
