// autoscaling/v2 (preferred, stored) and autoscaling/v1 HorizontalPodAutoscalers: one key space,
// the v1 form converted to and from v2.
import type { ResourceDef } from '../resource-def';
import { defineResource, statusSubresource } from './define';
import { horizontalPodAutoscalerStatusStrategy, horizontalPodAutoscalerStrategy } from './strategies/horizontal-pod-autoscaler';
import { horizontalPodAutoscalerV1StatusStrategy, horizontalPodAutoscalerV1Strategy } from './strategies/hpa-v1-conversion';

const common = { group: 'autoscaling', kind: 'HorizontalPodAutoscaler', resource: 'horizontalpodautoscalers', singular: 'horizontalpodautoscaler', namespaced: true, shortNames: ['hpa'], categories: ['all'] } as const;

export const autoscalingV2: readonly ResourceDef[] = Object.freeze([
  defineResource({ ...common, version: 'v2', strategy: horizontalPodAutoscalerStrategy, subresources: [statusSubresource('HorizontalPodAutoscaler', horizontalPodAutoscalerStatusStrategy)] }),
]);

export const autoscalingV1: readonly ResourceDef[] = Object.freeze([
  defineResource({
    ...common,
    version: 'v1',
    strategy: horizontalPodAutoscalerV1Strategy,
    storageResource: 'horizontalpodautoscalers',
    subresources: [statusSubresource('HorizontalPodAutoscaler', horizontalPodAutoscalerV1StatusStrategy)],
  }),
]);
