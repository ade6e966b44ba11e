// Watch events by reference over an in-process connection. When the API server and its client run
// in one process (the embedded scheduler and controller manager), an event's object does not need
// to be serialized, written, read and parsed again: the server puts the object it already has (read
// only, frozen) into the connection's channel and writes `{"type":…,"ref":N}`; the client's watch
// stream takes object N back out. The HTTP exchange, its order and its flow control stay as they
// are; only the bytes of the object are skipped.

/** Request header by which a client says it reads `ref` events (value `1`). */
export const OBJECT_REFS_HEADER = 'x-k3ts-object-refs';

export class ObjectChannel {
  #next = 0;
  readonly #objects = new Map<number, object>();

  /** Holds `obj` until the peer takes it; returns its reference. */
  put(obj: object): number {
    const ref = ++this.#next;
    this.#objects.set(ref, obj);
    return ref;
  }

  /** The object under `ref`, removed from the channel; undefined when there is none. */
  take(ref: number): object | undefined {
    const obj = this.#objects.get(ref);
    this.#objects.delete(ref);
    return obj;
  }

  /** Objects put and not yet taken. */
  get size(): number {
    return this.#objects.size;
  }
}

/** A connection (one end of an in-process pair) that carries an ObjectChannel shared with its peer. */
export interface ObjectChannelCarrier {
  readonly objectChannel?: ObjectChannel;
}

/** The channel of a connection, if it has one. */
export function objectChannelOf(socket: unknown): ObjectChannel | undefined {
  if (socket === null || typeof socket !== 'object') return undefined;
  const ch = (socket as ObjectChannelCarrier).objectChannel;
  return ch instanceof ObjectChannel ? ch : undefined;
}
