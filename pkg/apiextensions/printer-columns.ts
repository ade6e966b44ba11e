// additionalPrinterColumns: the TableDef of a custom resource version. Cells come from a JSONPath
// subset (`.spec.x`, `.a.b[0]`, `.status.conditions[?(@.type=="Ready")].status`); date columns
// print as ages, as upstream's table convertor does.
import type { TableColumn, TableDef } from '../api/resource-def';
import type { KubeObject } from '../api/types';
import { timeSince } from '../api/tables';
import type { PrinterColumn } from './types';

type Step = { readonly key: string } | { readonly index: number } | { readonly filter: { readonly path: readonly string[]; readonly value: string } } | { readonly all: true };

/** Parses a column's JSONPath (with or without `{}`) into steps; undefined when unsupported. */
export function parseColumnPath(jsonPath: string): Step[] | undefined {
  let p = jsonPath.trim();
  if (p.startsWith('{') && p.endsWith('}')) p = p.slice(1, -1);
  if (p.startsWith('$')) p = p.slice(1);
  const steps: Step[] = [];
  const re = /\.([A-Za-z0-9_\-$]+)|\['([^']*)'\]|\[(\d+)\]|\[\?\(@((?:\.[A-Za-z0-9_\-]+)+)\s*==\s*["']([^"']*)["']\)\]|\[\*\]/y;
  let i = 0;
  while (i < p.length) {
    re.lastIndex = i;
    const m = re.exec(p);
    if (!m) return undefined;
    if (m[1] !== undefined || m[2] !== undefined) steps.push({ key: (m[1] ?? m[2])! });
    else if (m[3] !== undefined) steps.push({ index: Number(m[3]) });
    else if (m[4] !== undefined) steps.push({ filter: { path: m[4].split('.').filter(Boolean), value: m[5]! } });
    else steps.push({ all: true });
    i = re.lastIndex;
  }
  return steps;
}

function evaluate(steps: readonly Step[], obj: unknown): unknown[] {
  let current: unknown[] = [obj];
  for (const s of steps) {
    const next: unknown[] = [];
    for (const v of current) {
      if (v === null || v === undefined) continue;
      if ('key' in s) {
        if (typeof v === 'object' && !Array.isArray(v)) next.push((v as Record<string, unknown>)[s.key]);
      } else if ('index' in s) {
        if (Array.isArray(v)) next.push(v[s.index]);
      } else if ('all' in s) {
        if (Array.isArray(v)) next.push(...v);
      } else if (Array.isArray(v)) {
        for (const item of v) {
          let x: unknown = item;
          for (const k of s.filter.path) x = x !== null && typeof x === 'object' ? (x as Record<string, unknown>)[k] : undefined;
          if (x !== undefined && String(x) === s.filter.value) next.push(item);
        }
      }
    }
    current = next.filter((x) => x !== undefined);
  }
  return current;
}

function cell(col: PrinterColumn, values: unknown[], now: Date): unknown {
  if (values.length === 0 || values[0] === null) return null;
  const v = values.length === 1 ? values[0] : values;
  if (col.type === 'date' && typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? v : timeSince(v, now);
  }
  if ((col.type === 'integer' || col.type === 'number') && typeof v === 'number') return v;
  if (col.type === 'boolean' && typeof v === 'boolean') return v;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

const NAME: TableColumn = { name: 'Name', type: 'string', format: 'name', priority: 0, description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names' };
const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' };

/** The table of a custom resource version: Name, then its printer columns (Age when it declares none). */
export function printerColumnsTable(columns: readonly PrinterColumn[]): TableDef {
  const cols = columns.length ? columns : [AGE];
  const parsed = cols.map((c) => parseColumnPath(c.jsonPath));
  return {
    columns: [NAME, ...cols.map((c): TableColumn => ({ name: c.name, type: (['string', 'integer', 'number', 'boolean', 'date'].includes(c.type) ? c.type : 'string') as TableColumn['type'], ...(c.format ? { format: c.format } : {}), description: c.description ?? '', priority: (c.priority ?? 0) > 0 ? 1 : 0 }))],
    row(obj: KubeObject, now: Date) {
      return [obj.metadata.name ?? '', ...cols.map((c, i) => cell(c, parsed[i] ? evaluate(parsed[i]!, obj) : [], now))];
    },
  };
}
