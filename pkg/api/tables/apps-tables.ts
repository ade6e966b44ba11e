// apps/v1: deployments, replicasets, statefulsets, daemonsets, controllerrevisions.
import type { TableDef } from '../resource-def';
import { formatLabels, fromLabelSelector, type LabelSelectorJson } from '../selectors/label-selector';
import type { KubeObject } from '../types';
import { isObject } from '../types';
import { age, ageColumn, col, containerCells, int, name, nameColumn, optInt, record, stringMap, wide } from './internal/read';

function selectorJson(v: unknown): LabelSelectorJson | null {
  return isObject(v) ? (v as LabelSelectorJson) : null;
}

/** A metav1.LabelSelector in query form: `<none>` when it selects everything or nothing, `<error>` when invalid. */
export function formatLabelSelector(selector: unknown): string {
  try {
    return fromLabelSelector(selectorJson(selector)).toString() || '<none>';
  } catch {
    return '<error>';
  }
}

/** Deployments print the selector bare: '' when empty, `<invalid>` when it does not parse. */
function deploymentSelector(selector: unknown): string {
  try {
    return fromLabelSelector(selectorJson(selector)).toString();
  } catch {
    return '<invalid>';
  }
}

/** spec.replicas, which defaults to 1. */
function desiredReplicas(o: KubeObject): number {
  return optInt(o, 'spec', 'replicas') ?? 1;
}

const containersColumns = [wide('Containers'), wide('Images')];

export const deploymentTable: TableDef = {
  columns: [nameColumn, col('Ready'), col('Up-to-date'), col('Available'), ageColumn, ...containersColumns, wide('Selector')],
  row: (o, now) => [
    name(o),
    `${int(o, 'status', 'readyReplicas')}/${desiredReplicas(o)}`,
    int(o, 'status', 'updatedReplicas'),
    int(o, 'status', 'availableReplicas'),
    age(o, now),
    ...containerCells(record(o, 'spec', 'template', 'spec')),
    deploymentSelector(record(o, 'spec').selector),
  ],
};

export const replicaSetTable: TableDef = {
  columns: [nameColumn, col('Desired', 'integer'), col('Current', 'integer'), col('Ready', 'integer'), ageColumn, ...containersColumns, wide('Selector')],
  row: (o, now) => [
    name(o),
    desiredReplicas(o),
    int(o, 'status', 'replicas'),
    int(o, 'status', 'readyReplicas'),
    age(o, now),
    ...containerCells(record(o, 'spec', 'template', 'spec')),
    formatLabelSelector(record(o, 'spec').selector),
  ],
};

export const statefulSetTable: TableDef = {
  columns: [nameColumn, col('Ready'), ageColumn, ...containersColumns],
  row: (o, now) => [
    name(o),
    `${int(o, 'status', 'readyReplicas')}/${desiredReplicas(o)}`,
    age(o, now),
    ...containerCells(record(o, 'spec', 'template', 'spec')),
  ],
};

export const daemonSetTable: TableDef = {
  columns: [
    nameColumn,
    col('Desired', 'integer'),
    col('Current', 'integer'),
    col('Ready', 'integer'),
    col('Up-to-date', 'integer'),
    col('Available', 'integer'),
    col('Node Selector'),
    ageColumn,
    ...containersColumns,
    wide('Selector'),
  ],
  row: (o, now) => [
    name(o),
    int(o, 'status', 'desiredNumberScheduled'),
    int(o, 'status', 'currentNumberScheduled'),
    int(o, 'status', 'numberReady'),
    int(o, 'status', 'updatedNumberScheduled'),
    int(o, 'status', 'numberAvailable'),
    formatLabels(stringMap(o, 'spec', 'template', 'spec', 'nodeSelector')),
    age(o, now),
    ...containerCells(record(o, 'spec', 'template', 'spec')),
    formatLabelSelector(record(o, 'spec').selector),
  ],
};

/** The controlling owner as `kind.group/name` in lower case (`statefulset.apps/web`), or `<none>`. */
export function controllerOf(o: KubeObject): string {
  const owner = (o.metadata?.ownerReferences ?? []).find((r) => r.controller === true);
  if (owner === undefined) return '<none>';
  const apiVersion = owner.apiVersion ?? '';
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const kind = owner.kind ?? '';
  if (kind === '' && group === '') return owner.name;
  return `${(group === '' ? kind : `${kind}.${group}`).toLowerCase()}/${owner.name}`;
}

export const controllerRevisionTable: TableDef = {
  columns: [nameColumn, col('Controller'), col('Revision'), ageColumn],
  row: (o, now) => [name(o), controllerOf(o), int(o, 'revision'), age(o, now)],
};
