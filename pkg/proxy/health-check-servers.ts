// The healthCheckNodePort of externalTrafficPolicy Local Services (kube-proxy's service health
// server): an HTTP listener per port answering 200 while this node has a ready endpoint of the
// Service and 503 otherwise, so an external load balancer only sends traffic to nodes that keep it.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log/logger';

export interface HealthCheck {
  /** `<namespace>/<name>`. */
  readonly service: string;
  readonly localEndpoints: number;
}

export class HealthCheckServers {
  readonly #servers = new Map<number, http.Server>();
  readonly #state = new Map<number, HealthCheck>();

  constructor(
    private readonly log: Logger,
    private readonly host = '0.0.0.0',
  ) {}

  /** Ports currently served. */
  get ports(): number[] {
    return [...this.#servers.keys()].sort((a, b) => a - b);
  }

  /** Serves exactly `checks` (port → state): new ports are opened, gone ones closed. */
  async sync(checks: ReadonlyMap<number, HealthCheck>): Promise<void> {
    for (const [port, srv] of this.#servers) {
      if (checks.has(port)) continue;
      this.#servers.delete(port);
      this.#state.delete(port);
      srv.close();
      srv.closeAllConnections();
    }
    for (const [port, check] of checks) {
      this.#state.set(port, check);
      if (this.#servers.has(port)) continue;
      const srv = http.createServer((_req, res) => {
        const st = this.#state.get(port);
        const [namespace, name] = (st?.service ?? '/').split('/');
        const n = st?.localEndpoints ?? 0;
        res.writeHead(n > 0 ? 200 : 503, { 'content-type': 'application/json', 'x-content-type-options': 'nosniff', 'x-load-balancing-endpoint-weight': String(n) });
        res.end(JSON.stringify({ service: { namespace, name }, localEndpoints: n, serviceProxyHealthy: true }));
      });
      this.#servers.set(port, srv);
      await new Promise<void>((resolve) => {
        srv.once('error', (e) => {
          this.log.warn('cannot serve a health check node port', { port, service: check.service, error: e.message });
          this.#servers.delete(port);
          resolve();
        });
        srv.listen(port, this.host, () => resolve());
      });
    }
  }

  async close(): Promise<void> {
    await this.sync(new Map());
  }

  /** For tests: the port actually bound for `port` (0 → ephemeral). */
  boundPort(port: number): number | undefined {
    const a = this.#servers.get(port)?.address();
    return a && typeof a === 'object' ? (a as AddressInfo).port : undefined;
  }
}
