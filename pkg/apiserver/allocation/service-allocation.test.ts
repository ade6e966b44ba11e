// Service cluster-IP and node-port allocation through the real API server (in process, memory
// datastore): requested and random values, refusals, release on delete and type change, and no
// duplicates across 1,000 concurrent creates or across two API servers on one datastore.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/types';
import { StatusError } from '../../client/errors';
import { RESOURCES, type ResourceRef } from '../../client/resource-ref';
import { startTestControlPlane, type TestControlPlane } from '../../server/test-control-plane';
import type { Backend } from '../../storage/backend';
import { MemoryBackend } from '../../storage/drivers/memory';
import { createPostgresBackend } from '../../storage/drivers/postgres';
import { runId, withExternalDb } from '../../storage/drivers/sql/external-db.test-helper';
import { NODE_PORTS_PREFIX } from './node-port-allocator';
import { SERVICE_IPS_PREFIX } from './service-ip-allocator';

const SERVICES: ResourceRef = Object.freeze({ group: '', version: 'v1', resource: 'services', kind: 'Service', namespaced: true });

type Spec = Record<string, any>;
const svc = (name: string, spec: Spec = {}, ns = 'default'): KubeObject => ({ metadata: { name, namespace: ns }, spec: { ports: [{ port: 80 }], ...spec } });
const specOf = (o: KubeObject) => o.spec as Spec;

async function failure(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
  throw new Error('expected the request to fail');
}

async function markers(backend: MemoryBackend | TestControlPlane['backend'], prefix: string): Promise<string[]> {
  return (await backend.list(prefix)).kvs.map((kv) => kv.key.slice(prefix.length));
}

describe('service allocation in the API server', () => {
  let cp: TestControlPlane;
  const api = () => cp.admin.resource(SERVICES);
  beforeAll(async () => {
    cp = await startTestControlPlane();
  });
  afterAll(async () => cp?.stop());

  it('creates default/kubernetes with the first service IP at start', async () => {
    const k = await api().get('default', 'kubernetes');
    expect(specOf(k).clusterIP).toBe('10.43.0.1');
    expect(specOf(k).ports).toEqual([expect.objectContaining({ name: 'https', port: 443, protocol: 'TCP', targetPort: cp.controlPlane.port })]);
    expect(await markers(cp.backend, SERVICE_IPS_PREFIX)).toContain('10.43.0.1');
  });

  it('gives a random IP from the range (never .1 or .10 unless asked) and honours requested ones', async () => {
    const a = await api().create(svc('random-ip'));
    const ip = specOf(a).clusterIP as string;
    expect(ip).toMatch(/^10\.43\.\d+\.\d+$/);
    expect(specOf(a).clusterIPs).toEqual([ip]);
    expect(['10.43.0.1', '10.43.0.10', '10.43.0.0', '10.43.255.255']).not.toContain(ip);
    const dns = await api().create(svc('dns', { clusterIP: '10.43.0.10' }));
    expect(specOf(dns).clusterIPs).toEqual(['10.43.0.10']);

    const taken = await failure(api().create(svc('taken', { clusterIP: ip })));
    expect(taken.status).toBe(422);
    expect(taken.message).toBe(`Service "taken" is invalid: spec.clusterIPs: Invalid value: ["${ip}"]: failed to allocate IP ${ip}: provided IP is already allocated`);
    const outside = await failure(api().create(svc('outside', { clusterIP: '10.44.0.5' })));
    expect(outside.status).toBe(422);
    expect(outside.message).toContain('failed to allocate IP 10.44.0.5: the provided IP (10.44.0.5) is not in the valid range. The range of valid IPs is 10.43.0.0/16');

    const headless = await api().create(svc('headless', { clusterIP: 'None' }));
    expect(specOf(headless).clusterIPs).toEqual(['None']);
    const ext = await api().create({ metadata: { name: 'ext', namespace: 'default' }, spec: { type: 'ExternalName', externalName: 'example.com' } });
    expect(specOf(ext).clusterIP).toBeUndefined();
  });

  it('does not keep an IP when the write fails, and frees it on delete', async () => {
    const before = await markers(cp.backend, SERVICE_IPS_PREFIX);
    await api().create(svc('twice'));
    const dup = await failure(api().create(svc('twice')));
    expect(dup.reason).toBe('AlreadyExists');
    const held = specOf(await api().get('default', 'twice')).clusterIP as string;
    expect((await markers(cp.backend, SERVICE_IPS_PREFIX)).length).toBe(before.length + 1);
    await api().delete('default', 'twice');
    expect(await markers(cp.backend, SERVICE_IPS_PREFIX)).not.toContain(held);
    // dry run shows an IP without claiming one
    const dry = await api().create(svc('dry'), { dryRun: true });
    expect(specOf(dry).clusterIP).toMatch(/^10\.43\./);
    expect((await markers(cp.backend, SERVICE_IPS_PREFIX)).length).toBe(before.length);
    const again = await api().create(svc('reuse', { clusterIP: held }));
    expect(specOf(again).clusterIP).toBe(held);
  });

  it('allocates node ports, refuses duplicates, and releases them on type change and delete', async () => {
    const np = await api().create(svc('np', { type: 'NodePort', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81, nodePort: 30080 }] }));
    const ports = (specOf(np).ports as Spec[]).map((p) => p.nodePort as number);
    expect(ports[1]).toBe(30080);
    expect(ports[0]).toBeGreaterThanOrEqual(30000);
    expect(ports[0]).toBeLessThanOrEqual(32767);
    const dup = await failure(api().create(svc('np2', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] })));
    expect(dup.status).toBe(422);
    expect(dup.message).toBe('Service "np2" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated');
    const range = await failure(api().create(svc('np3', { type: 'NodePort', ports: [{ port: 80, nodePort: 20000 }] })));
    expect(range.message).toContain('provided port is not in the valid range. The range of valid ports is 30000-32767');
    const lb = await api().create(svc('lb', { type: 'LoadBalancer', externalTrafficPolicy: 'Local' }));
    expect(specOf(lb).ports[0].nodePort).toBeGreaterThanOrEqual(30000);
    expect(specOf(lb).healthCheckNodePort).toBeGreaterThanOrEqual(30000);

    // NodePort → ClusterIP releases the ports; the service keeps its IP.
    const cur = await api().get('default', 'np');
    const ip = specOf(cur).clusterIP;
    const asClusterIP = await api().update({ ...cur, spec: { ...specOf(cur), type: 'ClusterIP', ports: (specOf(cur).ports as Spec[]).map(({ nodePort: _n, ...p }) => p) } });
    expect(specOf(asClusterIP).clusterIP).toBe(ip);
    const held = await markers(cp.backend, NODE_PORTS_PREFIX);
    expect(held).not.toContain('30080');
    expect(held).not.toContain(String(ports[0]));
    // ClusterIP → ExternalName releases the IP.
    const fresh = await api().get('default', 'np');
    await api().update({ ...fresh, spec: { type: 'ExternalName', externalName: 'example.com', ports: [{ name: 'a', port: 80 }] } });
    expect(await markers(cp.backend, SERVICE_IPS_PREFIX)).not.toContain(ip);
    // Delete releases LoadBalancer ports.
    const lbPorts = [String(specOf(lb).ports[0].nodePort), String(specOf(lb).healthCheckNodePort)];
    await api().delete('default', 'lb');
    const after = await markers(cp.backend, NODE_PORTS_PREFIX);
    for (const p of lbPorts) expect(after).not.toContain(p);
  });

  it('gives 1,000 concurrent creates 1,000 distinct IPs', async () => {
    const ns = 'many';
    await cp.admin.resource(RESOURCES.namespaces).create({ metadata: { name: ns } });
    const created = await Promise.all(Array.from({ length: 1000 }, (_, i) => api().create(svc(`s${i}`, {}, ns))));
    const ips = created.map((o) => specOf(o).clusterIP as string);
    expect(new Set(ips).size).toBe(1000);
    const all = await markers(cp.backend, SERVICE_IPS_PREFIX);
    for (const ip of ips) expect(all).toContain(ip);
  }, 120_000);
});

/** Two API servers, each with its own connection to one datastore, creating services at once. */
function twoServers(title: string, open: () => Promise<{ backends: [Backend, Backend]; cleanup: () => Promise<void> }>): void {
  describe(title, () => {
    let a: TestControlPlane;
    let b: TestControlPlane;
    let dir: string;
    let opened: Awaited<ReturnType<typeof open>>;
    beforeAll(async () => {
      opened = await open();
      for (const be of opened.backends) await be.start();
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-alloc-'));
      a = await startTestControlPlane({ backend: opened.backends[0], dir: path.join(dir, 'a') });
      b = await startTestControlPlane({ backend: opened.backends[1], dir: path.join(dir, 'b') });
    });
    afterAll(async () => {
      await a?.stop();
      await b?.stop();
      for (const be of new Set(opened?.backends ?? [])) await be.close();
      await opened?.cleanup();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('never hands the same IP or node port to two services', async () => {
      const n = 300;
      const make = (cp: TestControlPlane, side: string) => Array.from({ length: n }, (_, i) => cp.admin.resource(SERVICES).create(svc(`${side}${i}`, { type: 'NodePort' })));
      const created = await Promise.all([...make(a, 'a'), ...make(b, 'b')]);
      const ips = created.map((o) => specOf(o).clusterIP as string);
      const ports = created.map((o) => specOf(o).ports[0].nodePort as number);
      expect(new Set(ips).size).toBe(2 * n);
      expect(new Set(ports).size).toBe(2 * n);
    }, 120_000);

    it('lets exactly one of two servers claim the same requested IP', async () => {
      // An address in the static band, which dynamic allocation leaves alone while the rest has room:
      // the 600 services of the test before cannot have taken it (one in the upper band could).
      const results = await Promise.allSettled([a, b].map((cp, i) => cp.admin.resource(SERVICES).create(svc(`same${i}`, { clusterIP: '10.43.0.200' }))));
      const why = results.map((r) => (r.status === 'fulfilled' ? 'created' : String(r.reason))).join('; ');
      expect(results.filter((r) => r.status === 'fulfilled'), why).toHaveLength(1);
      const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!.reason as StatusError;
      expect(refused.status).toBe(422);
    });
  });
}

twoServers('two API servers on one memory datastore', async () => {
  const shared = new MemoryBackend();
  return { backends: [shared, shared], cleanup: async () => {} };
});

withExternalDb('two API servers on one PostgreSQL', 'K3TS_TEST_POSTGRES_URL', (url) => {
  const database = `k3ts_alloc_${runId()}`;
  const dbUrl = new URL(url);
  dbUrl.pathname = `/${database}`;
  const root = async (sql: string) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(sql);
    await c.end();
  };
  twoServers('two API servers on one PostgreSQL', async () => {
    await root(`CREATE DATABASE ${database}`);
    const open = () => createPostgresBackend({ url: dbUrl.toString(), table: 'kine' });
    return { backends: [open(), open()], cleanup: () => root(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`) };
  });
});
