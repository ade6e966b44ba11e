// The server side of the built-in cluster DNS (provider `builtin`): the Service kube-system/kube-dns
// at --cluster-dns with the ports CoreDNS's Service has (53/UDP, 53/TCP, 9153/TCP), no selector and
// internalTrafficPolicy Local, plus one EndpointSlice per node pointing at that node's address,
// where its agent serves DNS. Each pod thus asks the DNS server of its own node, and a node that
// goes away takes only its own slice with it.
import { createHash } from 'node:crypto';
import type { KubeObject } from '../api/types';
import { isAlreadyExists, isNotFound } from '../client/errors';
import { RESOURCES } from '../client/resource-ref';
import type { RestClient } from '../client/rest-client';
import { QueueController, type Controller, type ControllerContext, type ControllerFactory } from '../controller/controller';
import { NODE_DNS_METRICS_PORT, NODE_DNS_PORT } from './cluster-dns';

export const CLUSTER_DNS_CONTROLLER = 'cluster-dns';
export const DNS_NAMESPACE = 'kube-system';
export const DNS_SERVICE = 'kube-dns';
export const DNS_MANAGED_BY = 'k3ts-cluster-dns';
const KEY = `${DNS_NAMESPACE}/${DNS_SERVICE}`;

export interface ClusterDnsControllerConfig {
  /** --cluster-dns. */
  readonly clusterDnsIP: string;
  /** Client allowed to write Services and EndpointSlices (the controller manager's identity may not). */
  readonly writer?: RestClient;
}

type Json = Record<string, unknown>;

const SERVICE_PORTS = [
  { name: 'dns', port: 53, protocol: 'UDP', targetPort: NODE_DNS_PORT },
  { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: NODE_DNS_PORT },
  { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: NODE_DNS_METRICS_PORT },
];

export function dnsService(clusterDnsIP: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: DNS_SERVICE,
      namespace: DNS_NAMESPACE,
      labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'k3ts-dns', 'app.kubernetes.io/managed-by': DNS_MANAGED_BY },
      annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' },
    },
    spec: { type: 'ClusterIP', clusterIP: clusterDnsIP, clusterIPs: [clusterDnsIP], ports: SERVICE_PORTS, internalTrafficPolicy: 'Local', sessionAffinity: 'None' },
  } as KubeObject;
}

/** The slice of one node (name `kube-dns-<node>`, hashed when the node name is long). */
export function nodeDnsSlice(node: KubeObject, owner: KubeObject): KubeObject | undefined {
  const status = (node.status ?? {}) as Json;
  const addresses = Array.isArray(status.addresses) ? (status.addresses as Json[]) : [];
  const ip = addresses.find((a) => a.type === 'InternalIP' && typeof a.address === 'string' && /^\d+\.\d+\.\d+\.\d+$/.test(a.address))?.address as string | undefined;
  if (!ip) return undefined;
  const nodeName = String(node.metadata.name);
  const conditions = Array.isArray(status.conditions) ? (status.conditions as Json[]) : [];
  const ready = conditions.find((c) => c.type === 'Ready')?.status === 'True';
  const base = `${DNS_SERVICE}-${nodeName}`;
  const name = base.length <= 63 ? base : `${DNS_SERVICE}-${createHash('sha256').update(nodeName).digest('hex').slice(0, 16)}`;
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name,
      namespace: DNS_NAMESPACE,
      labels: { 'kubernetes.io/service-name': DNS_SERVICE, 'endpointslice.kubernetes.io/managed-by': DNS_MANAGED_BY },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: DNS_SERVICE, uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true }],
    },
    addressType: 'IPv4',
    endpoints: [{ addresses: [ip], nodeName, conditions: { ready, serving: ready, terminating: false } }],
    ports: SERVICE_PORTS.map((p) => ({ name: p.name, port: p.targetPort, protocol: p.protocol })),
  } as KubeObject;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function clusterDnsController(cfg: ClusterDnsControllerConfig): ControllerFactory {
  return (ctx: ControllerContext): Controller => {
    const nodes = ctx.informers.informerFor(RESOURCES.nodes);
    const services = ctx.informers.informerFor(RESOURCES.services, { namespace: DNS_NAMESPACE });
    const slices = ctx.informers.informerFor(RESOURCES.endpointslices, { namespace: DNS_NAMESPACE, labelSelector: `endpointslice.kubernetes.io/managed-by=${DNS_MANAGED_BY}` });
    const writer = cfg.writer ?? ctx.client;
    const svcApi = writer.resource(RESOURCES.services);
    const sliceApi = writer.resource(RESOURCES.endpointslices);
    const controller = new QueueController({ name: CLUSTER_DNS_CONTROLLER, workers: 1, ctx, informers: [nodes, services, slices], reconcile });
    const kick = () => controller.queue.add(KEY);
    const handler = { add: kick, update: kick, delete: kick };
    // A node's slice depends on its name, InternalIP and readiness only; heartbeats and pod CIDRs do not count.
    const sliceInput = (n: KubeObject) => JSON.stringify(nodeDnsSlice(n, { metadata: {} } as KubeObject)?.endpoints ?? null);
    nodes.addEventHandler({ add: kick, update: (a, b) => sliceInput(a) !== sliceInput(b) && kick(), delete: kick });
    services.addEventHandler(handler);
    slices.addEventHandler(handler);
    kick();

    async function reconcile(_key: string, signal: AbortSignal) {
      let svc = services.indexer.get(KEY);
      if (!svc) {
        try {
          svc = await svcApi.create(dnsService(cfg.clusterDnsIP), { signal });
          ctx.log.info('created the cluster DNS service', { service: KEY, clusterIP: cfg.clusterDnsIP });
        } catch (e) {
          if (!isAlreadyExists(e)) throw e;
          return { requeueAfterMs: 1000 };
        }
      }
      const spec = (svc.spec ?? {}) as Json;
      // A kube-dns Service that selects pods is CoreDNS's own (deployed by hand): leave DNS to it.
      const selectsPods = !!spec.selector && Object.keys(spec.selector as Json).length > 0;
      if (selectsPods && slices.indexer.list().length > 0) ctx.log.warn('kube-system/kube-dns selects pods (CoreDNS?); removing the built-in DNS endpoints', {});
      const want = new Map<string, KubeObject>();
      for (const n of selectsPods ? [] : nodes.indexer.list()) {
        const s = nodeDnsSlice(n, svc);
        if (s) want.set(String(s.metadata.name), s);
      }
      for (const [name, s] of want) {
        const have = slices.indexer.getByName(DNS_NAMESPACE, name) as (KubeObject & Json) | undefined;
        if (!have) {
          await sliceApi.create(s, { signal }).catch((e: unknown) => {
            if (!isAlreadyExists(e)) throw e;
          });
        } else if (!same(have.endpoints, (s as Json).endpoints) || !same(have.ports, (s as Json).ports)) {
          await sliceApi.update({ ...s, metadata: { ...s.metadata, resourceVersion: have.metadata.resourceVersion } }, { signal });
        }
      }
      for (const have of slices.indexer.list()) {
        if (want.has(String(have.metadata.name))) continue;
        await sliceApi.delete(DNS_NAMESPACE, String(have.metadata.name), { signal }).catch((e: unknown) => {
          if (!isNotFound(e)) throw e;
        });
      }
    }

    return controller;
  };
}
