// The scoring strategies of NodeResourcesFit over per-resource (requested, allocatable) pairs,
// integer arithmetic as upstream: LeastAllocated favours free room (spreading), MostAllocated
// favours full nodes (bin packing), RequestedToCapacityRatio follows a piecewise-linear curve.
import { MAX_NODE_SCORE as MAX_SCORE } from '../../framework/interfaces';

const MAX_NODE_SCORE = MAX_SCORE;
import type { ResourceSpec, ScoringStrategyType, UtilizationShapePoint } from './fit-args';

/** requested[i] / allocatable[i] for resources[i]; allocatable 0 means "skip this resource". */
export type ResourceScorer = (requested: readonly number[], allocatable: readonly number[]) => number;

const MAX_UTILIZATION = 100;
const MAX_CUSTOM_PRIORITY_SCORE = 10;

function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

function mostRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0) return 0;
  // A node over its allocatable (an assumed pod's race) counts as full.
  if (requested > capacity) requested = capacity;
  return Math.trunc((requested * MAX_NODE_SCORE) / capacity);
}

function weighted(resources: readonly ResourceSpec[], per: (requested: number, capacity: number) => number): ResourceScorer {
  return (requested, allocatable) => {
    let score = 0;
    let weights = 0;
    for (let i = 0; i < requested.length; i++) {
      if (allocatable[i] === 0) continue;
      const w = resources[i]!.weight;
      score += per(requested[i]!, allocatable[i]!) * w;
      weights += w;
    }
    return weights === 0 ? 0 : Math.trunc(score / weights);
  };
}

/** The shape scaled to node scores (0-10 → 0-100), as a function of utilization percent. */
export function brokenLinear(shape: readonly UtilizationShapePoint[]): (p: number) => number {
  const pts = shape.map((s) => ({ u: s.utilization, s: s.score * (MAX_NODE_SCORE / MAX_CUSTOM_PRIORITY_SCORE) }));
  return (p) => {
    for (let i = 0; i < pts.length; i++) {
      if (p <= pts[i]!.u) {
        if (i === 0) return pts[0]!.s;
        const a = pts[i - 1]!;
        const b = pts[i]!;
        return a.s + Math.trunc(((b.s - a.s) * (p - a.u)) / (b.u - a.u));
      }
    }
    return pts[pts.length - 1]!.s;
  };
}

function requestedToCapacityRatio(resources: readonly ResourceSpec[], shape: readonly UtilizationShapePoint[]): ResourceScorer {
  const f = brokenLinear(shape);
  const resourceScore = (requested: number, capacity: number) => (capacity === 0 || requested > capacity ? f(MAX_UTILIZATION) : f(Math.trunc((requested * MAX_UTILIZATION) / capacity)));
  return (requested, allocatable) => {
    let score = 0;
    let weights = 0;
    for (let i = 0; i < requested.length; i++) {
      if (allocatable[i] === 0) continue;
      const s = resourceScore(requested[i]!, allocatable[i]!);
      if (s > 0) {
        const w = resources[i]!.weight;
        score += s * w;
        weights += w;
      }
    }
    return weights === 0 ? 0 : Math.round(score / weights);
  };
}

export function resourceScorer(type: ScoringStrategyType, resources: readonly ResourceSpec[], shape: readonly UtilizationShapePoint[]): ResourceScorer {
  switch (type) {
    case 'LeastAllocated':
      return weighted(resources, leastRequestedScore);
    case 'MostAllocated':
      return weighted(resources, mostRequestedScore);
    case 'RequestedToCapacityRatio':
      return requestedToCapacityRatio(resources, shape);
  }
}
