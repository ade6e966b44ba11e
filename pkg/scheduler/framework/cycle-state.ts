// Per-scheduling-attempt scratch space shared by the plugins of one pod's cycle (upstream's
// CycleState): typed keys, plus the plugins that asked to be skipped at Filter and Score.

/** A typed key: plugins export their own and read back what they wrote. */
export interface StateKey<T> {
  readonly name: string;
  /** Phantom field carrying T; never set. */
  readonly __type?: T;
}

export function stateKey<T>(name: string): StateKey<T> {
  return Object.freeze({ name });
}

/** State that preemption may copy and modify while it simulates removing pods. */
export interface Cloneable<T> {
  clone(): T;
}

export class CycleState {
  readonly #data = new Map<string, unknown>();
  /** Plugins whose PreFilter returned Skip: their Filter is not called this cycle. */
  readonly skipFilter = new Set<string>();
  /** Plugins whose PreScore returned Skip: their Score is not called this cycle. */
  readonly skipScore = new Set<string>();

  write<T>(key: StateKey<T>, value: T): void {
    this.#data.set(key.name, value);
  }

  read<T>(key: StateKey<T>): T | undefined {
    return this.#data.get(key.name) as T | undefined;
  }

  delete(key: StateKey<unknown>): void {
    this.#data.delete(key.name);
  }

  /** A copy for simulations: values with a clone() method are cloned, others shared. */
  clone(): CycleState {
    const c = new CycleState();
    for (const [k, v] of this.#data) {
      const cloneable = v !== null && typeof v === 'object' && typeof (v as Partial<Cloneable<unknown>>).clone === 'function';
      c.#data.set(k, cloneable ? (v as Cloneable<unknown>).clone() : v);
    }
    for (const p of this.skipFilter) c.skipFilter.add(p);
    for (const p of this.skipScore) c.skipScore.add(p);
    return c;
  }
}
