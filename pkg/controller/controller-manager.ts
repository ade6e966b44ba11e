// Runs the registered controllers (an explicit name → factory map) with one shared informer
// factory: discover what the API serves, build the controllers, start their informers, run them
// until the signal aborts. Each run builds fresh caches, so a manager that lost and regained
// leadership starts from the API's current state.
import { sleep, type Clock } from '../client/clock';
import { childSignal } from '../client/deadline';
import { discoverResources, type ServedResource } from '../client/discovery';
import { SharedInformerFactory } from '../client/informer-factory';
import type { RestClient } from '../client/rest-client';
import type { Logger } from '../log/logger';
import type { Controller, ControllerFactory } from './controller';
import { ControllerError } from './errors';

export interface ControllerManagerConfig {
  readonly client: RestClient;
  readonly clock: Clock;
  readonly log: Logger;
  readonly controllers: ReadonlyMap<string, ControllerFactory>;
  /** Names to run (default: all registered). */
  readonly enabled?: readonly string[];
  /** Informer resync period (default 10 min; 0 = none). */
  readonly resyncPeriodMs?: number;
  /** How often the served resources are discovered again (default 30 s), so resources added later (CRDs) are seen. */
  readonly rediscoverMs?: number;
}

export class ControllerManager {
  constructor(private readonly cfg: ControllerManagerConfig) {
    for (const name of cfg.enabled ?? []) {
      if (!cfg.controllers.has(name)) throw new ControllerError('unknown-controller', `controller ${JSON.stringify(name)} is not registered; known: ${[...cfg.controllers.keys()].join(', ')}`);
    }
  }

  /** Runs every enabled controller until `signal` aborts; resolves when all stopped. */
  async run(parent: AbortSignal): Promise<void> {
    // Every informer, queue and request of this run listens on one signal.
    const { controller: stop, dispose } = childSignal(parent);
    try {
      await this.#run(stop.signal);
    } finally {
      dispose();
    }
  }

  async #run(signal: AbortSignal): Promise<void> {
    const log = this.cfg.log;
    const found = await this.#discover(signal);
    if (!found) return;
    // One array for the whole run, refreshed in place: controllers that look resources up when they
    // need them (garbage collector owner lookups, namespace cleanup) see custom resources added later.
    const resources: ServedResource[] = [...found];
    const rediscover = async () => {
      while (!signal.aborted) {
        await sleep(this.cfg.clock, this.cfg.rediscoverMs ?? 30_000, signal);
        if (signal.aborted) return;
        const fresh = await discoverResources(this.cfg.client, signal).catch(() => undefined);
        if (fresh) resources.splice(0, resources.length, ...fresh);
      }
    };
    const informers = new SharedInformerFactory({ client: this.cfg.client, clock: this.cfg.clock, log: log.child('informers'), resyncPeriodMs: this.cfg.resyncPeriodMs ?? 600_000 });
    const names = this.cfg.enabled ?? [...this.cfg.controllers.keys()];
    const controllers: Controller[] = names.map((name) =>
      this.cfg.controllers.get(name)!({ client: this.cfg.client, informers, clock: this.cfg.clock, log: log.child(name), resources }),
    );
    informers.start(signal);
    log.info('starting controllers', { controllers: names.join(',') });
    const runs = controllers.map((c) =>
      c.run(signal).catch((e: unknown) => log.error('controller stopped with an error', { controller: c.name, error: e instanceof Error ? (e.stack ?? e.message) : String(e) })),
    );
    // Controllers may have asked for more informers while starting.
    informers.start(signal);
    const refreshing = rediscover();
    await Promise.all(runs);
    await refreshing;
    await informers.stopped();
    log.info('controllers stopped');
  }

  async #discover(signal: AbortSignal): Promise<readonly ServedResource[] | undefined> {
    for (let delay = 500; !signal.aborted; delay = Math.min(delay * 2, 10_000)) {
      try {
        return await discoverResources(this.cfg.client, signal);
      } catch (e) {
        if (signal.aborted) return undefined;
        this.cfg.log.warn('API discovery failed; retrying', { error: e });
        await sleep(this.cfg.clock, delay, signal);
      }
    }
    return undefined;
  }
}
