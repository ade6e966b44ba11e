// One end of an in-memory connection: what one side writes, the other reads, with backpressure
// (a write waits until the peer has room). It has the few socket methods Node's HTTP client and
// server call on a connection, as no-ops: there is no kernel socket, no timer and no address. The
// two ends share an ObjectChannel, by which watch events carry their objects by reference.
import { Duplex } from 'node:stream';
import { ObjectChannel, type ObjectChannelCarrier } from '../../client/object-channel';

type Callback = (error?: Error | null) => void;

export class LoopbackSocket extends Duplex implements ObjectChannelCarrier {
  readonly remoteAddress = '127.0.0.1';
  readonly remotePort = 0;
  readonly localAddress = '127.0.0.1';
  readonly localPort = 0;
  readonly encrypted = false;
  #peer: LoopbackSocket | undefined;
  /** A write the peer had no room for: finished when the peer reads again. */
  #waiting: Callback | undefined;

  private constructor(readonly objectChannel: ObjectChannel) {
    super();
  }

  /** Two connected ends. */
  static pair(): [LoopbackSocket, LoopbackSocket] {
    const channel = new ObjectChannel();
    const a = new LoopbackSocket(channel);
    const b = new LoopbackSocket(channel);
    a.#peer = b;
    b.#peer = a;
    return [a, b];
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: Callback): void {
    const peer = this.#peer;
    if (!peer || peer.destroyed) return callback(new Error('loopback connection closed'));
    if (peer.push(chunk)) callback();
    else this.#waiting = callback;
  }

  override _read(): void {
    // Our reader has room again: let the peer's pending write finish.
    const peer = this.#peer;
    if (!peer) return;
    const cb = peer.#waiting;
    if (cb) {
      peer.#waiting = undefined;
      cb();
    }
  }

  override _final(callback: Callback): void {
    this.#peer?.push(null);
    callback();
  }

  override _destroy(error: Error | null, callback: Callback): void {
    const peer = this.#peer;
    const pending = this.#waiting;
    this.#waiting = undefined;
    pending?.(error ?? new Error('loopback connection closed'));
    if (peer && !peer.destroyed) {
      // The peer sees the end of the stream, then the close: after its reader has taken what was
      // already delivered (a response written just before the close is not cut short).
      peer.push(null);
      if (peer.readableLength > 0) peer.once('end', () => peer.destroy());
      else process.nextTick(() => peer.destroy());
    }
    callback(error);
  }

  /** Ends the writable side, then closes once the peer has read everything. */
  destroySoon(): void {
    if (this.writable) this.end(() => this.destroy());
    else this.destroy();
  }

  setTimeout(_ms: number, cb?: () => void): this {
    if (cb) this.off('timeout', cb);
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  address(): { address: string; family: string; port: number } {
    return { address: '127.0.0.1', family: 'IPv4', port: 0 };
  }
}
