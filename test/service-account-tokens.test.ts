// In-process: the real control plane (memory datastore, HTTPS on a free port) with the token
// pieces wired as `k3ts server` wires them: TokenRequest (JSON and kubectl's protobuf body), bound
// tokens dying with their objects, and the legacy token-secret controller.
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_MODULES } from '../pkg/api/catalog';
import { createMachinery } from '../pkg/apiserver/machinery-impl';
import { createTokenAuth } from '../pkg/auth/tokens';
import { dataDirPaths } from '../pkg/datadir/datadir';
import { silentLogger } from '../pkg/log/logger';
import { MemoryBackend } from '../pkg/storage/drivers/memory';
import { startControlPlane, type ControlPlane } from '../pkg/server/control-plane';
import type { ServerConfig } from '../pkg/server/server-config';
import { eventually } from './helpers/cluster';

interface Reply {
  status: number;
  body: any;
}

describe('service-account tokens in the API server', () => {
  let dir: string;
  let cp: ControlPlane;
  let backend: MemoryBackend;
  const controllers = new AbortController();
  let ca: string;
  let cert: string;
  let key: string;

  const call = (method: string, urlPath: string, opts: { body?: unknown; raw?: Buffer; contentType?: string; token?: string } = {}): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const payload = opts.raw ?? (opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body)));
      const req = https.request(
        {
          host: '127.0.0.1',
          port: cp.port,
          path: urlPath,
          method,
          ca,
          ...(opts.token ? { headers: { Authorization: `Bearer ${opts.token}` } } : { cert, key }),
        },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
        },
      );
      req.on('error', reject);
      if (payload) req.setHeader('Content-Type', opts.contentType ?? 'application/json');
      req.end(payload);
    });

  const create = async (urlPath: string, body: unknown) => {
    const r = await call('POST', urlPath, { body });
    if (r.status !== 201) throw new Error(`POST ${urlPath}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const tokenFor = async (sa: string, spec: unknown = {}) => call('POST', `/api/v1/namespaces/default/serviceaccounts/${sa}/token`, { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec } });
  const whoCanGet = async (token: string) => (await call('GET', '/api', { token })).status;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-satoken-'));
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
    backend = new MemoryBackend();
    await backend.start();
    const tokens = createTokenAuth({ serviceKeyFile: path.join(paths.server.tls, 'service.key'), clusterDomain: 'cluster.local', cacheTtlMs: 0 }, { backend, log: silentLogger() });
    const { machinery } = createMachinery();
    cp = await startControlPlane(cfg, { backend, log: silentLogger(), resources: BUILTIN_MODULES.flat(), machinery, authenticators: tokens.authenticators, subresources: tokens.subresources });
    const tls = paths.server.tls;
    ca = fs.readFileSync(path.join(tls, 'server-ca.crt'), 'utf8');
    cert = fs.readFileSync(path.join(tls, 'client-admin.crt'), 'utf8');
    key = fs.readFileSync(path.join(tls, 'client-admin.key'), 'utf8');
    tokens.startControllers(cp.stores, ca, controllers.signal);
    await create('/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder' } });
  });

  afterAll(async () => {
    controllers.abort();
    await cp?.stop();
    await backend?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('issues a TokenRequest with upstream defaults that authenticates as the service account', async () => {
    const r = await tokenFor('builder');
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name: 'builder', namespace: 'default' },
      spec: { audiences: ['https://kubernetes.default.svc.cluster.local', 'k3ts'], expirationSeconds: 3600, boundObjectRef: null },
    });
    const exp = Date.parse(r.body.status.expirationTimestamp);
    expect(Math.abs(exp - Date.now() - 3600_000)).toBeLessThan(5000);
    const claims = JSON.parse(Buffer.from(r.body.status.token.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ iss: 'https://kubernetes.default.svc.cluster.local', sub: 'system:serviceaccount:default:builder', 'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'builder' } } });
    expect(await whoCanGet(r.body.status.token)).toBe(200);
    expect(await whoCanGet(`${r.body.status.token.slice(0, -3)}abc`)).toBe(401);
  });

  it('validates the request as upstream does', async () => {
    expect((await tokenFor('nobody')).status).toBe(404);
    const short = await tokenFor('builder', { expirationSeconds: 300 });
    expect(short.status).toBe(422);
    expect(short.body.message).toContain('spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes');
    expect((await tokenFor('builder', { boundObjectRef: { kind: 'ConfigMap', apiVersion: 'v1', name: 'x' } })).status).toBe(400);
    // A token for audiences the API server does not accept does not authenticate here.
    const vault = await tokenFor('builder', { audiences: ['vault'] });
    expect(vault.body.spec.audiences).toEqual(['vault']);
    expect(await whoCanGet(vault.body.status.token)).toBe(401);
  });

  it('decodes kubectl create token\'s protobuf body (bound to a secret, uid checked)', async () => {
    const sample = JSON.parse(fs.readFileSync(path.join(__dirname, '../pkg/api/protobuf/testdata/kubectl-create-samples.json'), 'utf8')).find((s: { command: string }) => s.command.startsWith('kubectl create token'));
    await create('/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sa1' } });
    const send = () => call('POST', sample.path, { raw: Buffer.from(sample.bodyB64, 'base64'), contentType: 'application/vnd.kubernetes.protobuf' });
    expect((await send()).status).toBe(404);
    await create('/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's1' } });
    const mismatch = await send();
    expect(mismatch.status).toBe(409);
    expect(mismatch.body.message).toContain('does not match the UID in record');
  });

  it('binds a token to a pod: it works while the pod lives and stops when it is deleted', async () => {
    const pod = await create('/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { serviceAccountName: 'builder', containers: [{ name: 'c', image: 'busybox' }] } });
    const other = await tokenFor('sa1', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' } });
    expect(other.status).toBe(400);
    const r = await tokenFor('builder', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: pod.metadata.uid }, expirationSeconds: 600 });
    expect(r.status).toBe(201);
    expect(r.body.spec.boundObjectRef).toEqual({ kind: 'Pod', apiVersion: 'v1', name: 'web', uid: pod.metadata.uid });
    expect(await whoCanGet(r.body.status.token)).toBe(200);
    expect((await call('DELETE', '/api/v1/namespaces/default/pods/web?gracePeriodSeconds=0')).status).toBe(200);
    expect(await whoCanGet(r.body.status.token)).toBe(401);
  });

  it('fills legacy token secrets, which authenticate while they exist', async () => {
    await create('/api/v1/namespaces/default/secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'builder-token', annotations: { 'kubernetes.io/service-account.name': 'builder' } },
      type: 'kubernetes.io/service-account-token',
    });
    const secret = await eventually(async () => {
      const s = (await call('GET', '/api/v1/namespaces/default/secrets/builder-token')).body;
      return s?.data?.token ? s : undefined;
    }, 'the token controller to fill the secret');
    expect(Buffer.from(secret.data['ca.crt'], 'base64').toString()).toBe(ca);
    expect(Buffer.from(secret.data.namespace, 'base64').toString()).toBe('default');
    expect(secret.metadata.annotations['kubernetes.io/service-account.uid']).toMatch(/^[0-9a-f-]{36}$/);
    const token = Buffer.from(secret.data.token, 'base64').toString();
    expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())).toMatchObject({ iss: 'kubernetes/serviceaccount', 'kubernetes.io/serviceaccount/secret.name': 'builder-token' });
    expect(await whoCanGet(token)).toBe(200);
    expect((await call('DELETE', '/api/v1/namespaces/default/secrets/builder-token')).status).toBe(200);
    expect(await whoCanGet(token)).toBe(401);
  });

  it('deletes token secrets whose service account does not exist', async () => {
    await create('/api/v1/namespaces/default/secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'orphan-token', annotations: { 'kubernetes.io/service-account.name': 'ghost' } },
      type: 'kubernetes.io/service-account-token',
    });
    await eventually(async () => (await call('GET', '/api/v1/namespaces/default/secrets/orphan-token')).status === 404, 'the orphan token secret to be deleted');
  });
});
