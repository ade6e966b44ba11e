// A pod a Permit plugin asked to wait: it proceeds to binding once every waiting plugin allowed it,
// and is rejected when one rejects it or its time runs out (upstream's waitingPod).
import type { Clock } from '../../client/clock';
import { Code, Status } from './status';

export class WaitingPod {
  readonly #pending: Map<string, () => void>;
  readonly #done: Promise<Status>;
  #resolve!: (s: Status) => void;
  #settled = false;

  constructor(
    readonly uid: string,
    timeouts: ReadonlyMap<string, number>,
    clock: Clock,
  ) {
    this.#done = new Promise((r) => (this.#resolve = r));
    this.#pending = new Map();
    for (const [plugin, ms] of timeouts) {
      const cancel = clock.setTimeout(() => this.reject(plugin, `rejected due to timeout after waiting ${ms / 1000}s at plugin ${plugin}`), ms);
      this.#pending.set(plugin, cancel);
    }
  }

  /** Plugins still to allow the pod. */
  pendingPlugins(): string[] {
    return [...this.#pending.keys()];
  }

  allow(plugin: string): void {
    const cancel = this.#pending.get(plugin);
    if (!cancel) return;
    cancel();
    this.#pending.delete(plugin);
    if (this.#pending.size === 0) this.#settle(Status.SUCCESS);
  }

  reject(plugin: string, message: string): void {
    for (const cancel of this.#pending.values()) cancel();
    this.#pending.clear();
    this.#settle(new Status(Code.Unschedulable, [message], plugin));
  }

  /** Resolves with Success once allowed, or the rejection. */
  wait(): Promise<Status> {
    return this.#done;
  }

  #settle(s: Status): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#resolve(s);
  }
}
