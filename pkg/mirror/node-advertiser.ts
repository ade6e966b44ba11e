// Keeps this node's advertisement current: every HEARTBEAT_INTERVAL_MS it reads the local inventory
// and merge-patches its own Node's mirror annotations (the inventory only when it changed, the
// heartbeat always). withdraw() removes the annotations when the agent stops.
import { sleep, type Clock } from '../client/clock';
import { RESOURCES } from '../client/resource-ref';
import type { RestClient } from '../client/rest-client';
import type { Logger } from '../log/logger';
import type { ImageInventory } from './image-inventory';
import { ANN_ENDPOINT, ANN_HEARTBEAT, ANN_INVENTORY, HEARTBEAT_INTERVAL_MS } from './peer-directory';

export interface NodeAdvertiserDeps {
  readonly client: RestClient;
  readonly inventory: ImageInventory;
  readonly clock: Clock;
  readonly log: Logger;
}

export class NodeAdvertiser {
  #last = '';
  #done: Promise<void> = Promise.resolve();

  constructor(
    private readonly cfg: { readonly nodeName: string; readonly endpoint: string; readonly intervalMs?: number },
    private readonly deps: NodeAdvertiserDeps,
  ) {}

  async #patch(annotations: Record<string, string | null>, signal?: AbortSignal): Promise<void> {
    await this.deps.client.resource(RESOURCES.nodes).patch(undefined, this.cfg.nodeName, 'merge', { metadata: { annotations } }, { signal });
  }

  /** One advertisement; resolves when the Node was patched. */
  async advertiseOnce(signal?: AbortSignal): Promise<void> {
    const inv = await this.deps.inventory.current();
    const text = JSON.stringify(inv);
    const ann: Record<string, string> = { [ANN_ENDPOINT]: this.cfg.endpoint, [ANN_HEARTBEAT]: new Date(this.deps.clock.now()).toISOString() };
    if (text !== this.#last) ann[ANN_INVENTORY] = text;
    await this.#patch(ann, signal);
    if (text !== this.#last) this.deps.log.info('advertised the node\'s images to its peers', { images: Object.keys(inv.refs).length, digests: inv.digests.length });
    this.#last = text;
  }

  start(signal: AbortSignal): void {
    this.#done = (async () => {
      while (!signal.aborted) {
        try {
          await this.advertiseOnce(signal);
        } catch (e) {
          if (!signal.aborted) this.deps.log.warn('cannot advertise the node\'s images', { error: (e as Error).message });
        }
        await sleep(this.deps.clock, this.cfg.intervalMs ?? HEARTBEAT_INTERVAL_MS, signal);
      }
    })();
  }

  get done(): Promise<void> {
    return this.#done;
  }

  /** Removes the annotations, so peers stop offering this node at once. */
  async withdraw(timeoutMs = 3000): Promise<void> {
    // Bounded: at shutdown the API server may already be gone, and peers then drop this node by its TTL.
    await this.#patch({ [ANN_ENDPOINT]: null, [ANN_HEARTBEAT]: null, [ANN_INVENTORY]: null }, AbortSignal.timeout(timeoutMs));
    this.#last = '';
  }
}
