// ServiceLB built into k3ts (K3s's klipper-lb without its per-Service DaemonSet of svclb pods): this
// controller only decides and publishes status.loadBalancer.ingress (servicelb-plan.ts); every
// agent's service proxy already serves a Service's ingress IPs like its ClusterIP, so a node whose
// IP is listed forwards <nodeIP>:<port> to the Service's endpoints with no extra pod, image or
// host port. A Service left pending by a port conflict gets a Warning event, once per conflict.
import type { KubeObject } from '../api/types';
import { isConflict, isNotFound } from '../client/errors';
import { RESOURCES } from '../client/resource-ref';
import type { RestClient } from '../client/rest-client';
import { QueueController, type Controller, type ControllerContext, type ControllerFactory } from '../controller/controller';
import { eligibleNodeIPs, isServiceLbService, nodeLbFingerprint, planLoadBalancersOn } from './servicelb-plan';

export const SERVICELB_CONTROLLER = 'servicelb';

export interface ServiceLbControllerConfig {
  /** Client allowed to write services/status and events (default: the manager's). */
  readonly writer?: RestClient;
}

type Json = Record<string, unknown>;

function ingressIPs(svc: KubeObject): string[] {
  const ingress = ((svc.status as Json | undefined)?.loadBalancer as Json | undefined)?.ingress;
  return Array.isArray(ingress) ? ingress.map((i) => String((i as Json).ip ?? '')).filter(Boolean) : [];
}

export function serviceLbController(cfg: ServiceLbControllerConfig = {}): ControllerFactory {
  return (ctx: ControllerContext): Controller => {
    const services = ctx.informers.informerFor(RESOURCES.services);
    const nodes = ctx.informers.informerFor(RESOURCES.nodes);
    const writer = cfg.writer ?? ctx.client;
    const svcApi = writer.resource(RESOURCES.services);
    const events = writer.resource(RESOURCES.events);
    const controller = new QueueController({ name: SERVICELB_CONTROLLER, workers: 1, ctx, informers: [services, nodes], reconcile });
    /** service key → the conflict already reported. */
    const reported = new Map<string, string>();
    const all = () => {
      for (const s of services.indexer.list()) if (isServiceLbService(s)) controller.enqueue(s);
    };
    /** The eligible node IPs, recomputed only after a node change that can alter them. */
    let ips: readonly string[] | undefined;
    const nodesChanged = () => {
      ips = undefined;
      all();
    };
    services.addEventHandler({ add: all, update: all, delete: all });
    // Node heartbeats and pod CIDRs change nodes often; only what decides eligibility matters.
    nodes.addEventHandler({ add: nodesChanged, update: (a, b) => nodeLbFingerprint(a) !== nodeLbFingerprint(b) && nodesChanged(), delete: nodesChanged });

    async function warn(svc: KubeObject, reason: string, message: string, signal: AbortSignal): Promise<void> {
      const now = new Date(ctx.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
      await events
        .create(
          {
            metadata: { generateName: `${svc.metadata.name}.`, namespace: svc.metadata.namespace },
            involvedObject: { apiVersion: 'v1', kind: 'Service', namespace: svc.metadata.namespace, name: svc.metadata.name, uid: svc.metadata.uid, resourceVersion: svc.metadata.resourceVersion },
            reason,
            message,
            type: 'Warning',
            count: 1,
            firstTimestamp: now,
            lastTimestamp: now,
            source: { component: 'service-lb-controller' },
            reportingComponent: 'service-lb-controller',
            reportingInstance: 'k3ts',
          } as KubeObject,
          { signal },
        )
        .catch((e: unknown) => ctx.log.warn('could not record an event', { service: `${svc.metadata.namespace}/${svc.metadata.name}`, error: (e as Error).message }));
    }

    async function reconcile(key: string, signal: AbortSignal) {
      const svc = services.indexer.get(key);
      if (!svc || !isServiceLbService(svc)) {
        reported.delete(key);
        return;
      }
      ips ??= eligibleNodeIPs(nodes.indexer.list());
      const decision = planLoadBalancersOn(services.indexer.list(), ips).get(key);
      if (!decision) return;
      if (decision.conflict) {
        const what = `${decision.conflict.port}@${decision.conflict.holder}`;
        if (reported.get(key) !== what) {
          reported.set(key, what);
          await warn(svc, 'PortInUse', `port ${decision.conflict.port} is already served for LoadBalancer service ${decision.conflict.holder} on every eligible node; this service stays pending until it is free`, signal);
          ctx.log.info('LoadBalancer service pending: port in use', { service: key, port: decision.conflict.port, holder: decision.conflict.holder });
        }
      } else reported.delete(key);
      const have = ingressIPs(svc);
      if (have.join(',') === decision.ips.join(',')) return;
      const status = { ...((svc.status as Json | undefined) ?? {}), loadBalancer: decision.ips.length ? { ingress: decision.ips.map((ip) => ({ ip })) } : {} };
      try {
        await svcApi.updateStatus({ ...svc, status } as KubeObject, { signal });
        ctx.log.info('updated LoadBalancer ingress', { service: key, ips: decision.ips.join(',') || 'none' });
      } catch (e) {
        if (isNotFound(e)) return;
        if (isConflict(e)) return { requeueAfterMs: 200 };
        throw e;
      }
    }

    return controller;
  };
}
