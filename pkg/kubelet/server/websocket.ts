// A small RFC 6455 WebSocket endpoint for the kubelet's streaming: accept a client's upgrade, dial
// a WebSocket server (containerd's streaming server), and exchange whole binary messages. Covers
// what remotecommand uses: binary/text data frames, fragmentation, ping/pong, close. No extensions.
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_MESSAGE = 64 * 1024 * 1024;

export function acceptKey(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

/** Encodes one frame; `mask` is required from clients and forbidden from servers. */
export function encodeFrame(opcode: number, payload: Buffer, mask: boolean): Buffer {
  const len = payload.length;
  const head: number[] = [0x80 | opcode];
  const m = mask ? 0x80 : 0;
  if (len < 126) head.push(m | len);
  else if (len < 65536) head.push(m | 126, len >> 8, len & 0xff);
  else {
    head.push(m | 127);
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(len));
    head.push(...b);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), payload]);
  const key = randomBytes(4);
  const body = Buffer.alloc(len);
  for (let i = 0; i < len; i++) body[i] = payload[i]! ^ key[i & 3]!;
  return Buffer.concat([Buffer.from(head), key, body]);
}

export interface WsEvents {
  message: [data: Buffer, binary: boolean];
  close: [code: number];
}

/** One side of an established WebSocket over `socket`. */
export class WsConnection extends EventEmitter<WsEvents> {
  #buf: Buffer = Buffer.alloc(0);
  #fragments: Buffer[] = [];
  #fragmentOpcode = 0;
  #closed = false;

  constructor(
    readonly socket: Duplex,
    /** True for the dialing side: its frames are masked. */
    private readonly isClient: boolean,
    readonly protocol: string,
    head: Buffer = Buffer.alloc(0),
  ) {
    super();
    socket.on('data', (d: Buffer) => this.#onData(d));
    socket.on('close', () => this.#finish(1006));
    socket.on('error', () => {
      this.#finish(1006);
      socket.destroy();
    });
    if (head.length > 0) queueMicrotask(() => this.#onData(head));
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(data: Buffer, binary = true): void {
    if (this.#closed) return;
    this.socket.write(encodeFrame(binary ? 2 : 1, data, this.isClient));
  }

  close(code = 1000): void {
    if (this.#closed) return;
    const p = Buffer.alloc(2);
    p.writeUInt16BE(code);
    this.socket.write(encodeFrame(8, p, this.isClient));
    this.socket.end();
    this.#finish(code);
  }

  /** Marks the connection closed; the socket is ended (never destroyed) so queued frames still go out. */
  #finish(code: number): void {
    if (this.#closed) return;
    this.#closed = true;
    this.socket.end();
    this.emit('close', code);
  }

  #onData(d: Buffer): void {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, d]) : d;
    for (;;) {
      const b = this.#buf;
      if (b.length < 2) return;
      const fin = (b[0]! & 0x80) !== 0;
      const opcode = b[0]! & 0x0f;
      const masked = (b[1]! & 0x80) !== 0;
      let len = b[1]! & 0x7f;
      let off = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = b.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        len = Number(b.readBigUInt64BE(2));
        off = 10;
      }
      if (len > MAX_MESSAGE) return this.close(1009);
      const maskOff = off;
      if (masked) off += 4;
      if (b.length < off + len) return;
      let payload = b.subarray(off, off + len);
      if (masked) {
        const key = b.subarray(maskOff, maskOff + 4);
        const out = Buffer.alloc(len);
        for (let i = 0; i < len; i++) out[i] = payload[i]! ^ key[i & 3]!;
        payload = out;
      } else payload = Buffer.from(payload);
      this.#buf = b.subarray(off + len);
      this.#frame(fin, opcode, payload);
      if (this.#closed) return;
    }
  }

  #frame(fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode === 8) {
      const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      if (!this.#closed) {
        this.socket.write(encodeFrame(8, payload.subarray(0, 2), this.isClient));
        this.socket.end();
      }
      return this.#finish(code);
    }
    if (opcode === 9) return void this.socket.write(encodeFrame(10, payload, this.isClient));
    if (opcode === 10) return;
    if (opcode === 0) {
      this.#fragments.push(payload);
      if (!fin) return;
      const whole = Buffer.concat(this.#fragments);
      this.#fragments = [];
      this.emit('message', whole, this.#fragmentOpcode === 2);
      return;
    }
    if (!fin) {
      this.#fragmentOpcode = opcode;
      this.#fragments = [payload];
      return;
    }
    this.emit('message', payload, opcode === 2);
  }
}

/** Answers a client's upgrade with 101 and `protocol`; undefined (and a 400) when the request is not a WebSocket upgrade. */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string): WsConnection | undefined {
  const key = req.headers['sec-websocket-key'];
  if (typeof key !== 'string' || String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
    socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
    return undefined;
  }
  socket.write(['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${acceptKey(key)}`, ...(protocol ? [`Sec-WebSocket-Protocol: ${protocol}`] : []), '', ''].join('\r\n'));
  return new WsConnection(socket, false, protocol, head);
}

/** Dials `url` (ws:// or http://) offering `protocols`; resolves once the server switched protocols. */
export function connectWebSocket(url: URL, protocols: readonly string[], timeoutMs = 10_000): Promise<WsConnection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port || 80), url.hostname);
    const key = randomBytes(16).toString('base64');
    const timer = setTimeout(() => fail(new Error(`WebSocket handshake with ${url.host} timed out`)), timeoutMs);
    let buf = Buffer.alloc(0);
    const fail = (e: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(e);
    };
    socket.once('error', fail);
    socket.once('connect', () => {
      socket.write([`GET ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${key}`, 'Sec-WebSocket-Version: 13', `Sec-WebSocket-Protocol: ${protocols.join(', ')}`, '', ''].join('\r\n'));
    });
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      clearTimeout(timer);
      const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
      const status = Number(lines[0]?.split(' ')[1]);
      const headers = new Map(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).trim().toLowerCase(), l.slice(l.indexOf(':') + 1).trim()] as const));
      if (status !== 101) return fail(new Error(`WebSocket handshake with ${url.host} answered ${lines[0]}: ${buf.subarray(end + 4).toString().trim()}`));
      if (headers.get('sec-websocket-accept') !== acceptKey(key)) return fail(new Error('WebSocket handshake returned a wrong Sec-WebSocket-Accept'));
      socket.off('error', fail);
      resolve(new WsConnection(socket, true, headers.get('sec-websocket-protocol') ?? '', buf.subarray(end + 4)));
    };
    socket.on('data', onData);
  });
}
