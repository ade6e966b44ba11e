// One shared informer per (resource, namespace, metadata-only) for every controller in a process,
// so each resource is listed and watched once however many controllers read it.
import type { KubeObject } from '../api/types';
import type { Logger } from '../log/logger';
import type { Clock } from './clock';
import { apiVersionOf, type ResourceRef } from './resource-ref';
import type { RestClient } from './rest-client';
import { SharedInformer } from './shared-informer';

export interface InformerFactoryConfig {
  readonly client: RestClient;
  readonly clock: Clock;
  readonly log: Logger;
  /** Default resync period of the informers made here (0 = none). */
  readonly resyncPeriodMs?: number;
  readonly minWatchTimeoutSeconds?: number;
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
}

export interface InformerOptions {
  readonly namespace?: string;
  readonly metadataOnly?: boolean;
  readonly fieldSelector?: string;
  readonly labelSelector?: string;
}

export class SharedInformerFactory {
  readonly #informers = new Map<string, SharedInformer>();
  readonly #started = new Set<string>();
  readonly #runs: Promise<void>[] = [];

  constructor(private readonly cfg: InformerFactoryConfig) {}

  informerFor<T extends KubeObject = KubeObject>(ref: ResourceRef, opts: InformerOptions = {}): SharedInformer<T> {
    const key = `${apiVersionOf(ref)}/${ref.resource}|${opts.namespace ?? ''}|${opts.metadataOnly ? 'meta' : 'full'}|${opts.fieldSelector ?? ''}|${opts.labelSelector ?? ''}`;
    let inf = this.#informers.get(key);
    if (!inf) {
      inf = new SharedInformer<KubeObject>({
        client: this.cfg.client.resource(ref),
        clock: this.cfg.clock,
        log: this.cfg.log,
        namespace: opts.namespace,
        metadataOnly: opts.metadataOnly,
        fieldSelector: opts.fieldSelector,
        labelSelector: opts.labelSelector,
        resyncPeriodMs: this.cfg.resyncPeriodMs,
        minWatchTimeoutSeconds: this.cfg.minWatchTimeoutSeconds,
        backoff: this.cfg.backoff,
      });
      this.#informers.set(key, inf);
    }
    return inf as unknown as SharedInformer<T>;
  }

  /** Starts every informer not yet started (call again after adding informers). */
  start(signal: AbortSignal): void {
    for (const [key, inf] of this.#informers) {
      if (this.#started.has(key)) continue;
      this.#started.add(key);
      this.#runs.push(inf.run(signal));
    }
  }

  /** Resolves true when every started informer has synced, false when `signal` aborts first. */
  async waitForCacheSync(signal: AbortSignal): Promise<boolean> {
    const results = await Promise.all([...this.#informers].filter(([k]) => this.#started.has(k)).map(([, inf]) => inf.waitForSync(signal)));
    return results.every(Boolean);
  }

  /** Resolves once every started informer has stopped (after the start signal aborted). */
  async stopped(): Promise<void> {
    await Promise.all(this.#runs);
  }
}
