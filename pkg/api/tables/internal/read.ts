// Narrow readers over object JSON for the printers: each returns Go's zero value ('' / 0 / [] / {})
// where the object lacks the field, which is what upstream's printers see after decoding.
import type { TableColumn } from '../../resource-def';
import type { KubeObject } from '../../types';
import { isObject } from '../../types';
import { timeSince } from '../human-duration';

export type Path = readonly (string | number)[];

export function at(obj: unknown, ...path: Path): unknown {
  let cur = obj;
  for (const p of path) {
    if (typeof p === 'number') {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[p];
    } else {
      if (!isObject(cur)) return undefined;
      cur = cur[p];
    }
  }
  return cur;
}

export function str(obj: unknown, ...path: Path): string {
  const v = at(obj, ...path);
  return typeof v === 'string' ? v : '';
}

/** Integer field (Go int32/int64); missing or non-numeric reads 0. */
export function int(obj: unknown, ...path: Path): number {
  const v = at(obj, ...path);
  return typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0;
}

/** Integer field that is a pointer upstream: undefined when absent or null. */
export function optInt(obj: unknown, ...path: Path): number | undefined {
  const v = at(obj, ...path);
  return typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : undefined;
}

export function list(obj: unknown, ...path: Path): unknown[] {
  const v = at(obj, ...path);
  return Array.isArray(v) ? v : [];
}

export function record(obj: unknown, ...path: Path): Record<string, unknown> {
  const v = at(obj, ...path);
  return isObject(v) ? v : {};
}

/** A string map (labels, selectors, node selectors); non-string values are dropped. */
export function stringMap(obj: unknown, ...path: Path): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(record(obj, ...path))) if (typeof v === 'string') out[k] = v;
  return out;
}

export function name(obj: KubeObject): string {
  return typeof obj.metadata?.name === 'string' ? obj.metadata.name : '';
}

export function age(obj: KubeObject, now: Date): string {
  return timeSince(obj.metadata?.creationTimestamp, now);
}

export function isDeleting(obj: KubeObject): boolean {
  return typeof obj.metadata?.deletionTimestamp === 'string' && obj.metadata.deletionTimestamp !== '';
}

/** Comma-joined container names and images of a pod spec (`-o wide` CONTAINERS / IMAGES). */
export function containerCells(podSpec: unknown): [string, string] {
  const containers = list(podSpec, 'containers');
  return [containers.map((c) => str(c, 'name')).join(','), containers.map((c) => str(c, 'image')).join(',')];
}

/** A Kubernetes quantity as written (`1Gi`); a missing one prints like Go's zero Quantity. */
export function quantity(obj: unknown, ...path: Path): string {
  const v = at(obj, ...path);
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number') return String(v);
  return '0';
}

/** IntOrString as upstream prints it: the number, or the string (`50%`). */
export function intOrString(v: unknown): string {
  return typeof v === 'number' ? String(Math.trunc(v)) : typeof v === 'string' ? v : '';
}

const NAME_DESCRIPTION = 'Name must be unique within a namespace.';
const AGE_DESCRIPTION = 'Time since the object was created (metadata.creationTimestamp).';

export const nameColumn: TableColumn = Object.freeze({ name: 'Name', type: 'string', format: 'name', priority: 0, description: NAME_DESCRIPTION });
export const ageColumn: TableColumn = Object.freeze({ name: 'Age', type: 'string', priority: 0, description: AGE_DESCRIPTION });

/** A column with upstream's name and type; priority 1 shows only with `-o wide`. */
export function col(columnName: string, type: TableColumn['type'] = 'string', priority: 0 | 1 = 0): TableColumn {
  return Object.freeze({ name: columnName, type, priority });
}

export const wide = (columnName: string, type: TableColumn['type'] = 'string'): TableColumn => col(columnName, type, 1);
