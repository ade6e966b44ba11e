// NodeResourcesFitArgs (pluginConfig of NodeResourcesFit): which scoring strategy ranks the nodes
// that fit, over which resources with which weights, and for RequestedToCapacityRatio the shape
// (utilization % → score 0-10) of the curve. Defaults and checks as upstream's.
import { SchedulerError } from '../../errors';

export const SCORING_STRATEGIES = ['LeastAllocated', 'MostAllocated', 'RequestedToCapacityRatio'] as const;
export type ScoringStrategyType = (typeof SCORING_STRATEGIES)[number];

export interface ResourceSpec {
  readonly name: string;
  readonly weight: number;
}

export interface UtilizationShapePoint {
  readonly utilization: number;
  readonly score: number;
}

export interface FitArgs {
  readonly ignoredResources: ReadonlySet<string>;
  readonly ignoredResourceGroups: ReadonlySet<string>;
  readonly scoringStrategy: {
    readonly type: ScoringStrategyType;
    readonly resources: readonly ResourceSpec[];
    readonly shape: readonly UtilizationShapePoint[];
  };
}

export const DEFAULT_RESOURCES: readonly ResourceSpec[] = Object.freeze([
  { name: 'cpu', weight: 1 },
  { name: 'memory', weight: 1 },
]);

type Json = Record<string, unknown>;

function obj(v: unknown): Json | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}

function bad(field: string, msg: string): SchedulerError {
  return new SchedulerError('invalid-config', `NodeResourcesFitArgs ${field}: ${msg}`);
}

function stringSet(v: unknown, field: string): Set<string> {
  if (v === undefined || v === null) return new Set();
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw bad(field, 'expected a list of names');
  return new Set(v as string[]);
}

export function fitArgs(raw: unknown): FitArgs {
  const a = obj(raw) ?? {};
  const s = obj(a.scoringStrategy) ?? {};
  const type = (s.type ?? 'LeastAllocated') as ScoringStrategyType;
  if (!SCORING_STRATEGIES.includes(type)) throw bad('scoringStrategy.type', `${JSON.stringify(s.type)} is not supported; expected one of ${SCORING_STRATEGIES.join(', ')}`);
  let resources: ResourceSpec[] = [...DEFAULT_RESOURCES];
  if (s.resources !== undefined && s.resources !== null) {
    if (!Array.isArray(s.resources)) throw bad('scoringStrategy.resources', 'expected a list of {name, weight}');
    resources = s.resources.map((r, i) => {
      const o = obj(r) ?? {};
      if (typeof o.name !== 'string' || !o.name) throw bad(`scoringStrategy.resources[${i}].name`, 'required');
      const weight = o.weight ?? 1;
      if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 1 || weight > 100) throw bad(`scoringStrategy.resources[${i}].weight`, `${JSON.stringify(weight)} must be an integer in the range [1, 100]`);
      return { name: o.name, weight };
    });
  }
  let shape: UtilizationShapePoint[] = [];
  if (type === 'RequestedToCapacityRatio') {
    const r = obj(s.requestedToCapacityRatio) ?? {};
    if (!Array.isArray(r.shape) || r.shape.length === 0) throw bad('scoringStrategy.requestedToCapacityRatio.shape', 'at least one point is required');
    shape = r.shape.map((p, i) => {
      const o = obj(p) ?? {};
      const u = o.utilization;
      const sc = o.score;
      if (typeof u !== 'number' || !Number.isInteger(u) || u < 0 || u > 100) throw bad(`shape[${i}].utilization`, 'must be an integer in the range [0, 100]');
      if (typeof sc !== 'number' || !Number.isInteger(sc) || sc < 0 || sc > 10) throw bad(`shape[${i}].score`, 'must be an integer in the range [0, 10]');
      return { utilization: u, score: sc };
    });
    for (let i = 1; i < shape.length; i++) {
      if (shape[i]!.utilization <= shape[i - 1]!.utilization) throw bad(`shape[${i}].utilization`, 'utilization values must be sorted in increasing order');
    }
  }
  return {
    ignoredResources: stringSet(a.ignoredResources, 'ignoredResources'),
    ignoredResourceGroups: stringSet(a.ignoredResourceGroups, 'ignoredResourceGroups'),
    scoringStrategy: { type, resources, shape },
  };
}
