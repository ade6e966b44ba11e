// The API server's in-process front door for the components embedded in the same process (the
// scheduler and the controller manager, as K3s runs them in one binary): the same HTTP handling,
// admission and authorization as a request over TLS, without encrypting, copying through the
// kernel and decrypting again on each side. Each connection carries the identity it was opened
// for; only code in this process can open one, so nothing on the network can present it.
import * as http from 'node:http';
import type { Socket } from 'node:net';
import type { UserInfo } from '../handlers/request-context';
import { LoopbackSocket } from './loopback-socket';

const IDENTITY = Symbol('k3ts.loopbackIdentity');

type IdentifiedSocket = LoopbackSocket & { [IDENTITY]?: UserInfo };

/** The identity a loopback connection was opened for; undefined for any other socket. */
export function loopbackUserOf(socket: unknown): UserInfo | undefined {
  return socket instanceof LoopbackSocket ? (socket as IdentifiedSocket)[IDENTITY] : undefined;
}

export class LoopbackServer {
  readonly #server: http.Server;
  readonly #open = new Set<LoopbackSocket>();
  #closed = false;

  constructor(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
    // Never listens: connections are handed to it directly. No request timeout, as for watches.
    this.#server = http.createServer({ requestTimeout: 0, headersTimeout: 0, keepAliveTimeout: 0 }, handler);
  }

  /** Opens a connection whose requests are authenticated as `user`; returns the client's end. */
  connect(user: UserInfo): LoopbackSocket {
    if (this.#closed) throw new Error('the loopback API server is closed');
    const [client, server] = LoopbackSocket.pair();
    (server as IdentifiedSocket)[IDENTITY] = Object.freeze({ ...user, groups: [...user.groups] });
    this.#open.add(client);
    client.once('close', () => this.#open.delete(client));
    this.#server.emit('connection', server as unknown as Socket);
    return client;
  }

  /** Closes every connection (their requests and watches end). */
  close(): void {
    this.#closed = true;
    for (const c of this.#open) c.destroy();
    this.#open.clear();
  }
}
