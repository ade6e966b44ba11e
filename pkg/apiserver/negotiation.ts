// Content negotiation: what the request body is, and what shape the client wants back (plain
// object, Table, PartialObjectMetadata, aggregated discovery).

export type BodyFormat = 'json' | 'yaml' | 'protobuf' | 'json-patch' | 'merge-patch' | 'strategic-merge-patch' | 'apply-patch';

export const BODY_MEDIA_TYPES: Readonly<Record<string, BodyFormat>> = {
  'application/json': 'json',
  'application/yaml': 'yaml',
  'application/vnd.kubernetes.protobuf': 'protobuf',
  'application/json-patch+json': 'json-patch',
  'application/merge-patch+json': 'merge-patch',
  'application/strategic-merge-patch+json': 'strategic-merge-patch',
  'application/apply-patch+yaml': 'apply-patch',
};

export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

export interface MediaRange {
  readonly type: string;
  readonly params: Readonly<Record<string, string>>;
}

export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [{ type: '*/*', params: {} }];
  return header.split(',').map((part) => {
    const [type, ...params] = part.split(';').map((s) => s.trim());
    return {
      type: (type ?? '').toLowerCase(),
      params: Object.fromEntries(params.map((p) => p.split('=').map((s) => s.trim()) as [string, string]).filter(([k]) => k)),
    };
  });
}

export type ResponseShape = 'object' | 'table' | 'metadata';

export interface ResponseTarget {
  readonly shape: ResponseShape;
  /** For tables: v1 or v1beta1 of meta.k8s.io. */
  readonly metaVersion: string;
}

/** The first acceptable representation in the client's order; JSON objects are always possible. */
export function responseTarget(accept: string | undefined): ResponseTarget | undefined {
  for (const r of parseAccept(accept)) {
    const isJson = r.type === 'application/json' || r.type === 'application/yaml' || r.type === '*/*' || r.type === 'application/*';
    if (r.type === 'application/vnd.kubernetes.protobuf') {
      // We answer protobuf-preferring clients in JSON unless they asked for a Table/metadata form.
      if (r.params.as) continue;
      return { shape: 'object', metaVersion: 'v1' };
    }
    if (!isJson) continue;
    if (r.params.as === 'Table' && r.params.g === 'meta.k8s.io' && (r.params.v === 'v1' || r.params.v === 'v1beta1')) return { shape: 'table', metaVersion: r.params.v };
    if ((r.params.as === 'PartialObjectMetadata' || r.params.as === 'PartialObjectMetadataList') && r.params.g === 'meta.k8s.io') return { shape: 'metadata', metaVersion: r.params.v ?? 'v1' };
    if (r.params.as) continue;
    return { shape: 'object', metaVersion: 'v1' };
  }
  return undefined;
}

/** The aggregated discovery version the client accepts (`v2` / `v2beta1`), if any. */
export function aggregatedDiscoveryVersion(accept: string | undefined): string | undefined {
  for (const r of parseAccept(accept)) {
    if (r.type === 'application/json' && r.params.g === 'apidiscovery.k8s.io' && r.params.as === 'APIGroupDiscoveryList' && (r.params.v === 'v2' || r.params.v === 'v2beta1')) return r.params.v;
    if (r.type === 'application/json' && !r.params.as) return undefined;
  }
  return undefined;
}

/** Whether the client wants YAML back (kubectl never does; curl users may). */
export function wantsYaml(accept: string | undefined): boolean {
  const first = parseAccept(accept)[0];
  return first?.type === 'application/yaml';
}
