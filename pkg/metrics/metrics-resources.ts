// metrics.k8s.io/v1beta1 as metrics-server serves it: NodeMetrics (cluster) and PodMetrics
// (namespaced), get and list only. Never stored: the API server answers them from its scraper.
import type { ResourceDef } from '../api/resource-def';
import { defineResource } from '../api/catalog/define';

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';

export const metricsV1beta1: readonly ResourceDef[] = Object.freeze([
  defineResource({ group: METRICS_GROUP, version: METRICS_VERSION, kind: 'NodeMetrics', resource: 'nodes', singular: '', namespaced: false, verbs: ['get', 'list'], strategy: {} }),
  defineResource({ group: METRICS_GROUP, version: METRICS_VERSION, kind: 'PodMetrics', resource: 'pods', singular: '', namespaced: true, verbs: ['get', 'list'], strategy: {} }),
]);
