// ImageLocality: nodes that already have the pod's images score higher, by image size scaled by
// how many nodes share the image (an image everywhere says little), clamped between 23 MB and
// 1000 MB per container (upstream's thresholds).
import type { CycleState } from '../../framework/cycle-state';
import type { Handle, PreScorePlugin, ScorePlugin } from '../../framework/interfaces';
import { Status } from '../../framework/status';
import { MAX_NODE_SCORE } from '../../framework/interfaces';
import type { NodeInfo } from '../../framework/node-info';
import type { PodInfo } from '../../framework/pod-info';

export const IMAGE_LOCALITY = 'ImageLocality';

const MB = 1024 * 1024;
const MIN_THRESHOLD = 23 * MB;
const MAX_CONTAINER_THRESHOLD = 1000 * MB;

export function imageLocalityScore(sumScores: number, containers: number): number {
  const maxThreshold = MAX_CONTAINER_THRESHOLD * containers;
  let s = sumScores;
  if (s < MIN_THRESHOLD) s = MIN_THRESHOLD;
  else if (s > maxThreshold) s = maxThreshold;
  return Math.trunc((MAX_NODE_SCORE * (s - MIN_THRESHOLD)) / (maxThreshold - MIN_THRESHOLD));
}

export class ImageLocality implements PreScorePlugin, ScorePlugin {
  readonly name = IMAGE_LOCALITY;

  constructor(private readonly handle: Pick<Handle, 'snapshot'>) {}

  /** No node has any of the pod's images: every node scores 0, skipping changes no choice. */
  preScore(_state: CycleState, pod: PodInfo): Status {
    for (const image of pod.images) if (this.handle.snapshot.imageNodeCount(image) > 0) return Status.SUCCESS;
    return Status.SKIP;
  }

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    if (node.images.size === 0 || pod.images.length === 0) return 0;
    const total = this.handle.snapshot.nodes().length;
    let sum = 0;
    for (const image of pod.images) {
      const size = node.images.get(image);
      if (size === undefined) continue;
      sum += Math.trunc(size * (this.handle.snapshot.imageNodeCount(image) / total));
    }
    return imageLocalityScore(sum, pod.containerCount);
  }
}
