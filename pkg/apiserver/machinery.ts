// The API machinery the handlers use, as one narrow seam: body decoding, schema-driven field
// validation, selectors, tables, patches and field ownership. pkg/apiserver/machinery-impl.ts
// wires the implementations from pkg/api/*; tests may pass simpler ones.
import type { ResourceDef } from '../api/resource-def';
import type { KubeObject } from '../api/types';

export type PatchFormat = 'json-patch' | 'merge-patch' | 'strategic-merge-patch';
export type IncludeObject = 'None' | 'Object' | 'Metadata';

export interface TableColumnJson {
  readonly name: string;
  readonly type: string;
  readonly format: string;
  readonly description: string;
  readonly priority: number;
}

export interface TableParts {
  readonly columnDefinitions: readonly TableColumnJson[];
  readonly rows: ReadonlyArray<{ cells: unknown[]; object?: unknown }>;
}

export interface ApiMachinery {
  /** kubectl's `application/vnd.kubernetes.protobuf` body → the JSON object it stands for. */
  decodeProtobuf(body: Uint8Array): unknown;
  /** Paths of fields the schema does not know (`spec.foo`), for fieldValidation Strict/Warn. */
  unknownFields(def: ResourceDef, obj: unknown): string[];
  /** Removes, in place, the fields the schema does not know (what decoding into the typed object drops). */
  pruneUnknownFields(def: ResourceDef, obj: unknown): void;
  /** Throws ApiError 400 on a malformed selector. */
  labelFilter(selector: string): (labels: Readonly<Record<string, string>>) => boolean;
  fieldFilter(def: ResourceDef, selector: string): (obj: KubeObject) => boolean;
  table(def: ResourceDef, objects: readonly KubeObject[], now: Date, includeObject: IncludeObject): TableParts;
  /** Apply a json/merge/strategic patch document to `current`. Throws ApiError on bad patches. */
  patch(format: PatchFormat, def: ResourceDef, current: KubeObject, patch: unknown): KubeObject;
  /** Server-side apply of `applied` by `manager` onto `current`; throws ApiError 409 on conflicts unless force. */
  apply(def: ResourceDef, current: KubeObject | undefined, applied: KubeObject, manager: string, force: boolean, now: Date): KubeObject;
  /** Record `manager`'s ownership of what it changed between `old` and `next` (operation Update). */
  trackUpdate(def: ResourceDef, old: KubeObject | undefined, next: KubeObject, manager: string, now: Date, subresource?: string): KubeObject;
}
