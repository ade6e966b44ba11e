// Stored form of an object: its JSON without resourceVersion (the revision is the version, as in
// upstream's etcd3 store, and is set back on every read).
import type { ResourceDef } from '../../api/resource-def';
import type { KubeObject } from '../../api/types';
import type { KeyValue } from '../../storage/backend';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeObject(obj: KubeObject): Uint8Array {
  const { resourceVersion: _rv, ...meta } = obj.metadata;
  return encoder.encode(JSON.stringify({ ...obj, metadata: meta }));
}

export function apiVersionOf(def: Pick<ResourceDef, 'group' | 'version'>): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

export function decodeObject(kv: KeyValue, def: Pick<ResourceDef, 'group' | 'version' | 'kind' | 'strategy'>): KubeObject {
  const stored = JSON.parse(decoder.decode(kv.value)) as KubeObject;
  // Resources sharing another's key space (events.k8s.io events) convert from the stored form.
  const obj = def.strategy.fromStorage ? def.strategy.fromStorage(stored) : stored;
  obj.apiVersion = apiVersionOf(def);
  obj.kind = def.kind;
  obj.metadata = { ...obj.metadata, resourceVersion: String(kv.modRevision) };
  return obj;
}
