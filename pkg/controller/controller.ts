// What a controller is to the manager, what it gets to work with, and a base for the usual shape:
// informer events → keys in a rate-limited queue → reconcile(key) on N workers.
import type { KubeObject } from '../api/types';
import type { Clock } from '../client/clock';
import type { ServedResource } from '../client/discovery';
import { objectKey } from '../client/indexer';
import type { SharedInformerFactory } from '../client/informer-factory';
import type { RestClient } from '../client/rest-client';
import type { SharedInformer } from '../client/shared-informer';
import type { Logger } from '../log/logger';
import { runController, type Reconcile } from './controller-runner';
import { defaultControllerRateLimiter } from './rate-limiter';
import { WorkQueue } from './work-queue';

export interface ControllerContext {
  readonly client: RestClient;
  readonly informers: SharedInformerFactory;
  readonly clock: Clock;
  readonly log: Logger;
  /** Everything the API serves, from discovery at start. */
  readonly resources: readonly ServedResource[];
}

export interface Controller {
  readonly name: string;
  /** Runs until `signal` aborts; resolves once stopped. Informers are started by the manager. */
  run(signal: AbortSignal): Promise<void>;
}

export type ControllerFactory = (ctx: ControllerContext) => Controller;

/** Waits for informers to fill; false when `signal` aborted first. */
export async function waitForCaches(signal: AbortSignal, informers: readonly SharedInformer<KubeObject>[]): Promise<boolean> {
  const results = await Promise.all(informers.map((i) => i.waitForSync(signal)));
  return results.every(Boolean);
}

export interface QueueControllerConfig {
  readonly name: string;
  readonly workers: number;
  readonly ctx: Pick<ControllerContext, 'clock' | 'log'>;
  readonly reconcile: Reconcile;
  /** Informers that must be synced before the first reconcile. */
  readonly informers: readonly SharedInformer<KubeObject>[];
}

/** A controller driven by one work queue of string keys. */
export class QueueController implements Controller {
  readonly name: string;
  readonly queue: WorkQueue<string>;

  constructor(private readonly cfg: QueueControllerConfig) {
    this.name = cfg.name;
    this.queue = new WorkQueue<string>(cfg.ctx.clock, defaultControllerRateLimiter<string>(cfg.ctx.clock));
  }

  /** Enqueues the object's `namespace/name` key. */
  enqueue(obj: Pick<KubeObject, 'metadata'>): void {
    this.queue.add(objectKey(obj));
  }

  async run(signal: AbortSignal): Promise<void> {
    if (!(await waitForCaches(signal, this.cfg.informers))) return;
    this.cfg.ctx.log.info('controller started', { controller: this.name, workers: this.cfg.workers });
    await runController({ name: this.name, queue: this.queue, reconcile: this.cfg.reconcile, workers: this.cfg.workers, log: this.cfg.ctx.log }, signal);
  }
}
