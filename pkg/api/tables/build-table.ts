// Builds the meta.k8s.io Table that `kubectl get` asks for (Accept: application/json;as=Table;…).
// Every column is always computed; kubectl hides priority-1 columns unless `-o wide`. Each row
// carries the object as PartialObjectMetadata by default (for --show-labels and -L), the full
// object for includeObject=Object (--sort-by), or null for includeObject=None.
import type { TableColumn, TableDef } from '../resource-def';
import type { KubeObject } from '../types';
import { IncludeObjectError } from './errors';

export type IncludeObject = 'None' | 'Object' | 'Metadata';

export type TableApiVersion = 'meta.k8s.io/v1' | 'meta.k8s.io/v1beta1';

export interface BuildTableOptions {
  /** Default Metadata, as upstream. */
  readonly includeObject?: IncludeObject;
  /** Leave out the column definitions. */
  readonly noHeaders?: boolean;
  /** metadata.resourceVersion of the list (or of the object for a single GET). */
  readonly resourceVersion?: string;
  /** metadata.continue of a chunked list. */
  readonly continue?: string;
  readonly remainingItemCount?: number;
  /** Which Table version the client negotiated; default meta.k8s.io/v1. */
  readonly apiVersion?: TableApiVersion;
}

export interface TableColumnDefinitionJson {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface PartialObjectMetadataJson {
  kind: 'PartialObjectMetadata';
  apiVersion: TableApiVersion;
  metadata: KubeObject['metadata'];
}

export interface TableRowJson {
  cells: unknown[];
  object: KubeObject | PartialObjectMetadataJson | null;
}

export interface TableJson {
  kind: 'Table';
  apiVersion: TableApiVersion;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: TableColumnDefinitionJson[];
  rows: TableRowJson[];
}

function columnJson(c: TableColumn): TableColumnDefinitionJson {
  return { name: c.name, type: c.type, format: c.format ?? '', description: c.description ?? '', priority: c.priority };
}

/** Reads the `includeObject` query parameter ('' or absent → Metadata); throws IncludeObjectError (400). */
export function parseIncludeObject(value: string | null | undefined): IncludeObject {
  if (value === null || value === undefined || value === '') return 'Metadata';
  if (value === 'None' || value === 'Object' || value === 'Metadata') return value;
  throw new IncludeObjectError(value);
}

export function buildTable(def: TableDef, objects: readonly KubeObject[], now: Date, options: BuildTableOptions = {}): TableJson {
  const apiVersion = options.apiVersion ?? 'meta.k8s.io/v1';
  const include = options.includeObject ?? 'Metadata';
  const metadata: TableJson['metadata'] = {};
  if (options.resourceVersion) metadata.resourceVersion = options.resourceVersion;
  if (options.continue) metadata.continue = options.continue;
  if (options.remainingItemCount !== undefined) metadata.remainingItemCount = options.remainingItemCount;
  const rows = objects.map((obj): TableRowJson => {
    let object: TableRowJson['object'];
    switch (include) {
      case 'None':
        object = null;
        break;
      case 'Object':
        object = obj;
        break;
      default:
        object = { kind: 'PartialObjectMetadata', apiVersion, metadata: obj.metadata };
    }
    return { cells: def.row(obj, now), object };
  });
  return {
    kind: 'Table',
    apiVersion,
    metadata,
    columnDefinitions: options.noHeaders ? [] : def.columns.map(columnJson),
    rows,
  };
}
