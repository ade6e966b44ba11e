// autoscaling horizontalpodautoscalers (v2 shape, and the v1 shape with its single CPU target).
import type { TableDef } from '../resource-def';
import type { KubeObject } from '../types';
import { age, ageColumn, at, col, list, name, nameColumn, optInt, record, str } from './internal/read';

const MAX_SHOWN = 2;

function current(statuses: unknown[], i: number, source: string, field: string): string | undefined {
  const v = at(statuses[i], source, 'current', field);
  if (v === undefined || v === null) return undefined;
  return field === 'averageUtilization' ? `${String(v)}%` : String(v);
}

function formatMetric(spec: unknown, statuses: unknown[], i: number): string {
  const unknown = '<unknown>';
  switch (str(spec, 'type')) {
    case 'External':
    case 'Object': {
      const source = str(spec, 'type') === 'External' ? 'external' : 'object';
      const avg = at(spec, source, 'target', 'averageValue');
      if (avg !== undefined && avg !== null) return `${current(statuses, i, source, 'averageValue') ?? unknown}/${String(avg)} (avg)`;
      return `${current(statuses, i, source, 'value') ?? unknown}/${str(spec, source, 'target', 'value')}`;
    }
    case 'Pods':
      return `${current(statuses, i, 'pods', 'averageValue') ?? unknown}/${str(spec, 'pods', 'target', 'averageValue')}`;
    case 'Resource':
    case 'ContainerResource': {
      const source = str(spec, 'type') === 'Resource' ? 'resource' : 'containerResource';
      const resource = str(spec, source, 'name');
      const avg = at(spec, source, 'target', 'averageValue');
      if (avg !== undefined && avg !== null) return `${resource}: ${current(statuses, i, source, 'averageValue') ?? unknown}/${String(avg)}`;
      const utilization = optInt(spec, source, 'target', 'averageUtilization');
      return `${resource}: ${current(statuses, i, source, 'averageUtilization') ?? unknown}/${utilization === undefined ? '<auto>' : `${utilization}%`}`;
    }
    default:
      return '<unknown type>';
  }
}

/** The TARGETS cell: up to two metrics as `current/target`, then `+ N more...`. */
export function formatHpaTargets(o: KubeObject): string {
  const v1Target = optInt(o, 'spec', 'targetCPUUtilizationPercentage');
  if (v1Target !== undefined) {
    const now = optInt(o, 'status', 'currentCPUUtilizationPercentage');
    return `cpu: ${now === undefined ? '<unknown>' : `${now}%`}/${v1Target}%`;
  }
  const specs = list(o, 'spec', 'metrics');
  if (specs.length === 0) return '<none>';
  const statuses = list(o, 'status', 'currentMetrics');
  const cells = specs.map((s, i) => formatMetric(s, statuses, i));
  if (cells.length <= MAX_SHOWN) return cells.join(', ');
  return `${cells.slice(0, MAX_SHOWN).join(', ')} + ${cells.length - MAX_SHOWN} more...`;
}

export const horizontalPodAutoscalerTable: TableDef = {
  columns: [nameColumn, col('Reference'), col('Targets'), col('MinPods'), col('MaxPods', 'integer'), col('Replicas', 'integer'), ageColumn],
  row: (o, now) => {
    const min = optInt(o, 'spec', 'minReplicas');
    const ref = record(o, 'spec', 'scaleTargetRef');
    return [name(o), `${str(ref, 'kind')}/${str(ref, 'name')}`, formatHpaTargets(o), min === undefined ? '<unset>' : String(min), optInt(o, 'spec', 'maxReplicas') ?? 0, optInt(o, 'status', 'currentReplicas') ?? 0, age(o, now)];
  },
};
