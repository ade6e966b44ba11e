// A control plane for tests (a fake, product code): the real API server over HTTPS on a free
// loopback port, the memory datastore, certificates in a temp dir, and REST clients for the admin
// and controller-manager identities. Nothing outside the temp dir is touched.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BUILTIN_MODULES } from '../api/catalog';
import { createMachinery } from '../apiserver/machinery-impl';
import { HttpsTransport, RestClient } from '../client';
import { disruptionSubresources } from '../controllers/disruption';
import { resourcePolicyAdmission } from '../controllers/resource-quota';
import { dataDirPaths } from '../datadir/datadir';
import { silentLogger, type Logger } from '../log/logger';
import type { Backend } from '../storage/backend';
import { MemoryBackend } from '../storage/drivers/memory';
import { startControlPlane, type ControlPlane } from './control-plane';
import type { ServerConfig } from './server-config';

export interface TestControlPlane {
  readonly controlPlane: ControlPlane;
  readonly backend: Backend;
  readonly url: string;
  readonly dir: string;
  readonly serverCaPem: string;
  /** system:admin (system:masters). */
  readonly admin: RestClient;
  /** system:kube-controller-manager. */
  readonly controller: RestClient;
  /** A new client for one of the server's client certificates (`admin`, `controller`, …). */
  clientFor(name: string, userAgent?: string): RestClient;
  stop(): Promise<void>;
}

export interface TestControlPlaneOptions {
  readonly log?: Logger;
  readonly backend?: Backend;
  /** Reuse this directory (its tls/ certificates) instead of a fresh temp dir. */
  readonly dir?: string;
}

export async function startTestControlPlane(opts: TestControlPlaneOptions = {}): Promise<TestControlPlane> {
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-cp-'));
  const paths = dataDirPaths(path.join(dir, 'data'));
  const cfg: ServerConfig = Object.freeze({
    paths,
    debug: false,
    datastore: { endpoint: 'memory', tls: {} },
    listen: { address: '127.0.0.1', port: 0 },
    kubeconfig: { file: path.join(dir, 'kubeconfig.yaml'), mode: 0o600 },
    disableAgent: true,
    anonymousAuth: false,
    certs: { clusterDomain: 'cluster.local', serviceIPs: ['10.43.0.1'], nodeIPs: ['127.0.0.1'], hostname: 'localhost', tlsSans: [] },
    nodeName: 'test-node',
    kubeconfigServer: 'https://127.0.0.1:0',
  });
  const backend = opts.backend ?? new MemoryBackend();
  await backend.start();
  const { machinery } = createMachinery();
  const controlPlane = await startControlPlane(cfg, { backend, log: opts.log ?? silentLogger(), resources: BUILTIN_MODULES.flat(), machinery, subresources: disruptionSubresources(), admission: resourcePolicyAdmission({ backend, resources: BUILTIN_MODULES.flat() }) });
  const url = `https://127.0.0.1:${controlPlane.port}`;
  const tls = paths.server.tls;
  const serverCaPem = fs.readFileSync(path.join(tls, 'server-ca.crt'), 'utf8');
  const clients: RestClient[] = [];
  const clientFor = (name: string, userAgent = `k3ts-test-${name}`) => {
    const c = new RestClient({
      transport: new HttpsTransport({
        server: url,
        caPem: serverCaPem,
        certPem: fs.readFileSync(path.join(tls, `client-${name}.crt`), 'utf8'),
        keyPem: fs.readFileSync(path.join(tls, `client-${name}.key`), 'utf8'),
      }),
      userAgent,
    });
    clients.push(c);
    return c;
  };
  const admin = clientFor('admin');
  const controller = clientFor('controller', 'kube-controller-manager');
  return {
    controlPlane,
    backend,
    url,
    dir,
    serverCaPem,
    admin,
    controller,
    clientFor,
    async stop() {
      for (const c of clients) c.close();
      await controlPlane.stop();
      if (!opts.backend) await backend.close();
      if (!opts.dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
