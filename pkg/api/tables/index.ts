// Server-side table printing for `kubectl get`: one TableDef per built-in resource, the default
// table for the rest, and the Table builder.
export { buildTable, parseIncludeObject } from './build-table';
export { IncludeObjectError, TableError, type TableErrorCode } from './errors';
export type { BuildTableOptions, IncludeObject, TableApiVersion, TableJson, TableRowJson, TableColumnDefinitionJson, PartialObjectMetadataJson } from './build-table';
export { defaultTable } from './default-table';
export { tableFor, tableKeys } from './table-registry';
export { humanDuration, timeSince } from './human-duration';
export { summarizePod } from './pod-table';
