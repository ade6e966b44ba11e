// A minimal SPDY/3.1 client for the kubelet's side of remotecommand, used towards containerd's
// streaming server where its WebSocket protocol (v4) cannot express what a v5 client asks for:
// closing stdin alone. Over SPDY every remotecommand stream (error, stdin, stdout, stderr, resize)
// is its own SPDY stream, so stdin ends with a FIN on its stream. Covers what that needs: the
// HTTP upgrade, SYN_STREAM with zlib-compressed headers (one deflate context per connection),
// DATA in both directions, FIN, RST_STREAM, PING echo, GOAWAY. No flow control (the peer,
// spdystream, does not enforce windows) and the server's reply headers are not decoded.
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import * as zlib from 'node:zlib';
import { spdyDictionary } from './spdy-dictionary';

const VERSION = 3;
const TYPE_SYN_STREAM = 1;
const TYPE_RST_STREAM = 3;
const TYPE_PING = 6;
const TYPE_GOAWAY = 7;
const FLAG_FIN = 0x01;
const MAX_FRAME = 16 * 1024 * 1024;
const MAX_DATA_CHUNK = 32 * 1024;

export interface SpdyEvents {
  data: [streamId: number, data: Buffer];
  end: [streamId: number];
  close: [];
}

function headerBlock(headers: Readonly<Record<string, string>>): Buffer {
  const entries = Object.entries(headers);
  const parts: Buffer[] = [];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  parts.push(u32(entries.length));
  for (const [k, v] of entries) {
    const name = Buffer.from(k.toLowerCase(), 'utf8');
    const value = Buffer.from(v, 'utf8');
    parts.push(u32(name.length), name, u32(value.length), value);
  }
  return Buffer.concat(parts);
}

function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | VERSION, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE(((flags & 0xff) << 24) | payload.length, 4);
  return Buffer.concat([head, payload]);
}

export function dataFrame(streamId: number, flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(streamId & 0x7fffffff, 0);
  head.writeUInt32BE(((flags & 0xff) << 24) | payload.length, 4);
  return Buffer.concat([head, payload]);
}

export class SpdyClientConnection extends EventEmitter<SpdyEvents> {
  readonly #socket: net.Socket;
  readonly #deflate = zlib.createDeflate({ dictionary: spdyDictionary() });
  /** Frame writes in order: header compression is asynchronous. */
  #queue: Promise<void> = Promise.resolve();
  #nextId = 1;
  #buf: Buffer = Buffer.alloc(0);
  #closed = false;

  private constructor(socket: net.Socket, rest: Buffer) {
    super();
    this.#socket = socket;
    socket.on('data', (d: Buffer) => this.#onData(d));
    socket.on('close', () => this.#close());
    socket.on('error', () => this.#close());
    // After the caller, resumed from connect(), has attached its listeners.
    if (rest.length) setImmediate(() => this.#onData(rest));
  }

  /** Upgrades a plain-HTTP `url` to SPDY/3.1 offering `protocols`; resolves with the connection and the protocol chosen. */
  static connect(url: URL, protocols: readonly string[], timeoutMs = 10_000): Promise<{ conn: SpdyClientConnection; protocol: string }> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: url.hostname, port: Number(url.port || 80) });
      const timer = setTimeout(() => fail(new Error(`no SPDY upgrade answer from ${url.host} within ${timeoutMs} ms`)), timeoutMs);
      let head = Buffer.alloc(0);
      const fail = (e: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(e);
      };
      socket.once('error', fail);
      socket.once('connect', () => {
        const lines = [`POST ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, 'Connection: Upgrade', 'Upgrade: SPDY/3.1', ...protocols.map((p) => `X-Stream-Protocol-Version: ${p}`), 'Content-Length: 0'];
        socket.write(lines.join('\r\n') + '\r\n\r\n');
      });
      const onData = (d: Buffer) => {
        head = Buffer.concat([head, d]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) {
          if (head.length > 64 * 1024) fail(new Error('oversized upgrade response'));
          return;
        }
        socket.off('data', onData);
        socket.off('error', fail);
        clearTimeout(timer);
        const text = head.subarray(0, end).toString('latin1');
        const status = /^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1];
        if (status !== '101') return fail(new Error(`the streaming server refused the SPDY upgrade: ${text.split('\r\n')[0]} ${head.subarray(end + 4).toString('utf8').slice(0, 300)}`));
        const protocol = /^x-stream-protocol-version:\s*(.+)$/im.exec(text)?.[1]?.trim() ?? '';
        resolve({ conn: new SpdyClientConnection(socket, head.subarray(end + 4)), protocol });
      };
      socket.on('data', onData);
    });
  }

  #write(frame: Buffer | (() => Promise<Buffer>)): Promise<void> {
    this.#queue = this.#queue.then(async () => {
      if (this.#closed) return;
      this.#socket.write(typeof frame === 'function' ? await frame() : frame);
    });
    return this.#queue;
  }

  #compress(block: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const out: Buffer[] = [];
      const onData = (d: Buffer) => out.push(d);
      this.#deflate.on('data', onData);
      this.#deflate.write(block);
      this.#deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        this.#deflate.off('data', onData);
        resolve(Buffer.concat(out));
      });
      this.#deflate.once('error', reject);
    });
  }

  /** Opens a stream with these headers (names are sent lower-case); returns its id. */
  createStream(headers: Readonly<Record<string, string>>): number {
    const id = this.#nextId;
    this.#nextId += 2;
    void this.#write(async () => {
      const ids = Buffer.alloc(10);
      ids.writeUInt32BE(id, 0);
      ids.writeUInt32BE(0, 4);
      ids.writeUInt16BE(0, 8);
      return controlFrame(TYPE_SYN_STREAM, 0, Buffer.concat([ids, await this.#compress(headerBlock(headers))]));
    });
    return id;
  }

  send(streamId: number, data: Buffer): void {
    for (let i = 0; i < data.length; i += MAX_DATA_CHUNK) void this.#write(dataFrame(streamId, 0, data.subarray(i, i + MAX_DATA_CHUNK)));
  }

  /** Half-closes the stream from this side (an empty DATA frame with FIN). */
  end(streamId: number): void {
    void this.#write(dataFrame(streamId, FLAG_FIN, Buffer.alloc(0)));
  }

  close(): void {
    void this.#queue.then(() => this.#socket.end());
    this.#close();
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#deflate.close();
    this.#socket.destroy();
    this.emit('close');
  }

  #onData(d: Buffer): void {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, d]) : d;
    while (this.#buf.length >= 8) {
      const len = this.#buf.readUInt32BE(4) & 0xffffff;
      if (len > MAX_FRAME) return this.#close();
      if (this.#buf.length < 8 + len) return;
      const frame = this.#buf.subarray(0, 8 + len);
      this.#buf = this.#buf.subarray(8 + len);
      this.#frame(frame);
    }
  }

  #frame(f: Buffer): void {
    const flags = f[4]!;
    const payload = f.subarray(8);
    if ((f[0]! & 0x80) === 0) {
      const id = f.readUInt32BE(0) & 0x7fffffff;
      if (payload.length) this.emit('data', id, Buffer.from(payload));
      if (flags & FLAG_FIN) this.emit('end', id);
      return;
    }
    const type = f.readUInt16BE(2);
    if (type === TYPE_PING) {
      // Pings we did not send (the server's even ids) are echoed back.
      if ((payload.readUInt32BE(0) & 1) === 0) void this.#write(Buffer.from(f));
    } else if (type === TYPE_RST_STREAM) this.emit('end', payload.readUInt32BE(0) & 0x7fffffff);
    else if (type === TYPE_GOAWAY) this.#close();
    else if (type === 2 && flags & FLAG_FIN) this.emit('end', payload.readUInt32BE(0) & 0x7fffffff); // SYN_REPLY with FIN
    // SYN_REPLY without FIN, SETTINGS, WINDOW_UPDATE, HEADERS: nothing to do.
  }
}
