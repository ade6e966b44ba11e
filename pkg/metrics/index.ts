// The metrics API (metrics.k8s.io/v1beta1) built into k3ts's API server, as K3s ships
// metrics-server: its resources for the catalog, their handlers for the API server's routing, and
// start() which installs the reader ClusterRole and begins scraping the kubelets.
import type { ResourceDef } from '../api/resource-def';
import type { SubresourceHandler } from '../apiserver/api-server';
import type { Store } from '../apiserver/registry/store';
import type { Clock } from '../client/clock';
import type { CredentialSource } from '../kubelet/proxy/kubelet-proxy';
import type { Logger } from '../log/logger';
import { messageOf } from './errors';
import { kubeletFetch } from './kubelet-fetch';
import { metricsResourceHandler } from './metrics-handler';
import { ensureMetricsReaderRole } from './metrics-rbac';
import { METRICS_GROUP, metricsV1beta1 } from './metrics-resources';
import { MetricsScraper } from './metrics-scraper';

export { METRICS_GROUP, METRICS_VERSION, metricsV1beta1 } from './metrics-resources';
export { AGGREGATED_METRICS_READER, aggregatedMetricsReader } from './metrics-rbac';
export { MetricsScraper, SCRAPE_INTERVAL_MS } from './metrics-scraper';
export { parseResourceMetrics } from './resource-metrics-parse';

export interface MetricsApi {
  readonly resources: readonly ResourceDef[];
  /** Handlers of whole resources, keyed `<group>/<resource>` as the API server looks them up. */
  readonly handlers: ReadonlyMap<string, SubresourceHandler>;
  /** Installs the reader ClusterRole and scrapes every 15 s until `signal` aborts. */
  start(stores: ReadonlyMap<ResourceDef, Store>, signal: AbortSignal): Promise<void>;
}

function storeOf(stores: ReadonlyMap<ResourceDef, Store>, group: string, resource: string): Store | undefined {
  for (const [d, s] of stores) if (d.group === group && d.resource === resource && !d.storageResource) return s;
  return undefined;
}

export function createMetricsApi(deps: { readonly credentials: CredentialSource; readonly clock: Clock; readonly log: Logger }): MetricsApi {
  const scraper = new MetricsScraper({ fetch: kubeletFetch(deps.credentials), now: () => deps.clock.now(), log: deps.log });
  const handler = metricsResourceHandler(scraper);
  return {
    resources: metricsV1beta1,
    handlers: new Map(metricsV1beta1.map((d) => [`${d.group}/${d.resource}`, handler] as const)),
    async start(stores, signal) {
      const roles = storeOf(stores, 'rbac.authorization.k8s.io', 'clusterroles');
      if (roles && (await ensureMetricsReaderRole(roles).catch((e: unknown) => deps.log.warn('could not create the metrics reader ClusterRole', { error: messageOf(e) })))) deps.log.info('created ClusterRole', { name: 'system:aggregated-metrics-reader', group: METRICS_GROUP });
      const nodes = storeOf(stores, '', 'nodes');
      if (!nodes) return;
      const list = async () => (await nodes.backendList(nodes.prefix(), {})).kvs.map((kv) => nodes.decode(kv));
      scraper.run(list, signal, deps.clock);
    },
  };
}
