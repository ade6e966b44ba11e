// Conversion between the versions of served CRDs: strategy None shares the stored objects as they
// are (the Store relabels apiVersion); strategy Webhook gives each served version's Store a
// ConvertingBackend calling the CRD's webhook. Service references are resolved the way the
// aggregator resolves APIService backends (a ready EndpointSlice address, else the ClusterIP), and
// connections to webhooks are kept alive until stop().
import * as https from 'node:https';
import type { ResourceDef } from '../api/resource-def';
import type { WebhookEndpoints } from '../admission/webhook-client';
import { resolveService } from '../apiserver/aggregation/resolve-service';
import type { Store, StoreContext } from '../apiserver/registry/store';
import { ConversionWebhook, type ConversionWebhookConfig } from './conversion-webhook';
import { ConvertingBackend } from './converting-backend';
import type { CustomResourceDefinition } from './types';

export interface CrdConversionsDeps {
  /** The server's store map (Services and EndpointSlices are looked up in it). */
  readonly stores: ReadonlyMap<ResourceDef, Store>;
  readonly newUid: () => string;
  /** Seconds per webhook call; upstream's 30 when absent. */
  readonly timeoutSeconds?: number;
}

export class CrdConversions {
  private readonly agent = new https.Agent({ keepAlive: true, maxSockets: 32 });
  private readonly endpoints: WebhookEndpoints;

  constructor(private readonly deps: CrdConversionsDeps) {
    this.endpoints = { webhookAgent: this.agent, serviceAddress: (ns, name, port) => this.serviceAddress(ns, name, port) };
  }

  private store(group: string, resource: string): Store | undefined {
    for (const [d, s] of this.deps.stores) if (d.group === group && d.version === 'v1' && d.resource === resource && !d.storageResource) return s;
    return undefined;
  }

  private async serviceAddress(namespace: string, name: string, port: number): Promise<{ host: string; port: number }> {
    const services = this.store('', 'services');
    if (!services) throw new Error(`service "${name}" not found`);
    const r = await resolveService({ namespace, name, port }, services, this.store('discovery.k8s.io', 'endpointslices'));
    if (!r.ok) throw new Error(r.message);
    return { host: r.host, port: r.port };
  }

  /** The client of `crd`'s conversion webhook (undefined under strategy None): one per CRD generation. */
  webhookFor(crd: CustomResourceDefinition): ConversionWebhook | undefined {
    const conv = crd.spec.conversion;
    if (conv?.strategy !== 'Webhook' || !conv.webhook?.clientConfig) return undefined;
    const cfg: ConversionWebhookConfig = {
      clientConfig: conv.webhook.clientConfig,
      conversionReviewVersions: conv.webhook.conversionReviewVersions ?? [],
      ...(this.deps.timeoutSeconds !== undefined ? { timeoutSeconds: this.deps.timeoutSeconds } : {}),
    };
    return new ConversionWebhook(cfg, this.endpoints, this.deps.newUid);
  }

  /** The Store context for `def`, one served version of `crd`: `base` without a webhook, else one converting through it. */
  storeContext(crd: CustomResourceDefinition, def: ResourceDef, base: StoreContext, webhook: ConversionWebhook | undefined): StoreContext {
    const storage = crd.spec.versions.find((v) => v.storage)?.name;
    if (!webhook || !storage) return base;
    const backend = new ConvertingBackend(base.backend, { group: def.group, kind: def.kind, listKind: def.listKind ?? `${def.kind}List`, served: def.version, storage }, webhook);
    return { ...base, backend };
  }

  /** Closes the kept-alive connections to webhooks. */
  stop(): void {
    this.agent.destroy();
  }
}
