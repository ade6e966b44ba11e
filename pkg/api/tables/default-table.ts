// The table upstream serves for kinds without a printer of their own (roles, limitranges, CRDs and
// custom resources without additionalPrinterColumns): NAME and CREATED AT.
import type { TableDef } from '../resource-def';
import { parseTimestamp } from './human-duration';
import { name, nameColumn } from './internal/read';

/** RFC 3339 in UTC with whole seconds, as Go's time.RFC3339 prints it; the zero time when absent. */
export function rfc3339(timestamp: unknown): string {
  const t = parseTimestamp(timestamp);
  if (t === undefined) return '0001-01-01T00:00:00Z';
  return new Date(Math.floor(t / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export const defaultTable: TableDef = {
  columns: [
    nameColumn,
    { name: 'Created At', type: 'date', priority: 0, description: 'Time the object was created (metadata.creationTimestamp).' },
  ],
  row: (o) => [name(o), rfc3339(o.metadata?.creationTimestamp)],
};
