// The reflector keeps a sink in step with the API: list (remembering the list's resourceVersion),
// then watch from that version with bookmarks; a watch that ends normally is resumed from the last
// version seen, a 410 (version compacted) or a broken list starts over with a fresh list, and
// failures back off exponentially (800 ms doubling to 30 s, with jitter).
import type { KubeObject } from '../api/types';
import type { Logger } from '../log/logger';
import { Backoff } from './backoff';
import { sleep, type Clock } from './clock';
import { isAborted, isGone } from './errors';
import { groupResourceName } from './resource-ref';
import type { ResourceClient } from './rest-client';

/** Where the reflector delivers what it learns. */
export interface ReflectorSink<T extends KubeObject> {
  /** The full state as of `resourceVersion`; objects not in `items` are gone. */
  replace(items: readonly T[], resourceVersion: string): void;
  /** ADDED / MODIFIED (upsert) */
  upsert(obj: T): void;
  /** DELETED: the object's last state. */
  remove(obj: T): void;
}

export interface ReflectorConfig<T extends KubeObject> {
  readonly client: ResourceClient<T>;
  readonly sink: ReflectorSink<T>;
  readonly clock: Clock;
  readonly log: Logger;
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly metadataOnly?: boolean;
  /** Items per list page (default 500). */
  readonly pageSize?: number;
  /** Server-side watch timeout is drawn in [min, 2×min) seconds (default 300). */
  readonly minWatchTimeoutSeconds?: number;
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  readonly random?: () => number;
}

/** A watch that ends sooner than this without delivering anything counts as a failure. */
const SHORT_WATCH_MS = 1000;

export class Reflector<T extends KubeObject> {
  #lastRv = '';
  readonly #backoff: Backoff;
  readonly #what: string;

  constructor(private readonly cfg: ReflectorConfig<T>) {
    this.#backoff = new Backoff({ initialMs: cfg.backoff?.initialMs ?? 800, maxMs: cfg.backoff?.maxMs ?? 30_000, jitter: 0.1, resetAfterMs: 120_000, random: cfg.random }, cfg.clock);
    this.#what = groupResourceName(cfg.client.ref) + (cfg.namespace ? ` in ${cfg.namespace}` : '');
  }

  /** The resourceVersion of the last list, event or bookmark applied. */
  get lastSyncResourceVersion(): string {
    return this.#lastRv;
  }

  /** Runs until `signal` aborts. Never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.#list(signal);
      } catch (e) {
        if (signal.aborted) return;
        this.cfg.log.warn('list failed; retrying', { resource: this.#what, error: e });
        await sleep(this.cfg.clock, this.#backoff.next(), signal);
        continue;
      }
      await this.#watchLoop(signal);
    }
  }

  async #list(signal: AbortSignal): Promise<void> {
    const page = await this.cfg.client.listAll(this.cfg.namespace, {
      labelSelector: this.cfg.labelSelector,
      fieldSelector: this.cfg.fieldSelector,
      metadataOnly: this.cfg.metadataOnly,
      pageSize: this.cfg.pageSize ?? 500,
      signal,
    });
    if (signal.aborted) return;
    const rv = page.metadata.resourceVersion ?? '';
    this.cfg.sink.replace(page.items, rv);
    this.#lastRv = rv;
  }

  /** Watches from the last version until a relist is needed or the signal aborts. */
  async #watchLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const started = this.cfg.clock.now();
      let delivered = 0;
      try {
        const min = this.cfg.minWatchTimeoutSeconds ?? 300;
        const stream = await this.cfg.client.watch(this.cfg.namespace, {
          resourceVersion: this.#lastRv,
          allowWatchBookmarks: true,
          timeoutSeconds: Math.floor(min * (1 + (this.cfg.random ?? Math.random)())),
          labelSelector: this.cfg.labelSelector,
          fieldSelector: this.cfg.fieldSelector,
          metadataOnly: this.cfg.metadataOnly,
          signal,
        });
        for await (const ev of stream) {
          delivered++;
          if (ev.type === 'ERROR') {
            stream.close();
            if (isGone(ev.error)) {
              this.cfg.log.info('watch version expired; relisting', { resource: this.#what, resourceVersion: this.#lastRv });
              return;
            }
            throw ev.error;
          }
          const rv = ev.object.metadata.resourceVersion;
          if (ev.type === 'ADDED' || ev.type === 'MODIFIED') this.cfg.sink.upsert(ev.object);
          else if (ev.type === 'DELETED') this.cfg.sink.remove(ev.object);
          if (rv) this.#lastRv = rv;
        }
        if (delivered === 0 && this.cfg.clock.now() - started < SHORT_WATCH_MS && !signal.aborted) {
          throw new Error('the watch ended at once without events');
        }
      } catch (e) {
        if (signal.aborted || isAborted(e)) return;
        if (isGone(e)) {
          this.cfg.log.info('watch version expired; relisting', { resource: this.#what, resourceVersion: this.#lastRv });
          return;
        }
        this.cfg.log.warn('watch failed; resuming', { resource: this.#what, resourceVersion: this.#lastRv, error: e });
        await sleep(this.cfg.clock, this.#backoff.next(), signal);
      }
    }
  }
}
