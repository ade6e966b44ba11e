// Stored form of an object: its JSON without resourceVersion (the revision is the version, as in
// upstream's etcd3 store, and is set back on every read).
import type { ResourceDef } from '../../api/resource-def';
import type { KubeObject } from '../../api/types';
import type { KeyValue } from '../../storage/backend';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Stored bytes: `{"metadata":{…},…}` with metadata first and no apiVersion/kind/resourceVersion
 * (implied by the store and the revision), so reads can add them without parsing (rawObjectJson).
 */
export function encodeObject(obj: KubeObject): Uint8Array {
  const { apiVersion: _a, kind: _k, metadata, ...rest } = obj;
  const { resourceVersion: _rv, ...meta } = metadata;
  return encoder.encode(JSON.stringify({ metadata: meta, ...rest }));
}

const STORED_PREFIX = '{"metadata":{"';

/**
 * The JSON text of a stored object with its resourceVersion (and, if asked, apiVersion/kind) spliced
 * in, without a parse/serialize round trip: the hot path of GET and LIST. Undefined when the stored
 * form needs conversion (fromStorage) or does not have the expected shape.
 */
export function rawObjectJson(kv: KeyValue, def: Pick<ResourceDef, 'group' | 'version' | 'kind' | 'strategy'>, withTypeMeta: boolean): string | undefined {
  if (def.strategy.fromStorage) return undefined;
  const text = decoder.decode(kv.value);
  if (!text.startsWith(STORED_PREFIX)) return undefined;
  const head = withTypeMeta ? `{"apiVersion":${JSON.stringify(apiVersionOf(def))},"kind":${JSON.stringify(def.kind)},` : '{';
  return `${head}"metadata":{"resourceVersion":"${kv.modRevision}",${text.slice(STORED_PREFIX.length - 1)}`;
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
