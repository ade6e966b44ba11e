// The default/kubernetes Service and its endpoints, as two API servers on one datastore keep them
// (their stores over a memory datastore, as the control plane builds them).
import * as crypto from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUILTIN_MODULES } from '../../api/catalog';
import type { ResourceDef } from '../../api/resource-def';
import { createServiceAllocation, SERVICE_IPS_PREFIX } from '../../apiserver/allocation';
import { Store } from '../../apiserver/registry/store';
import { systemClock } from '../../client/clock';
import { silentLogger } from '../../log/logger';
import { startServiceNetwork, type RunningServiceNetwork } from '../../server/start-service-network';
import { MemoryBackend } from '../../storage/drivers/memory';

type Json = Record<string, any>;

describe('kubernetes service reconciler', () => {
  let backend: MemoryBackend;
  let stores: Map<ResourceDef, Store>;
  const running: RunningServiceNetwork[] = [];

  beforeEach(async () => {
    backend = new MemoryBackend();
    await backend.start();
    const allocation = createServiceAllocation({ serviceCidr: '10.43.0.0/16', nodePortRange: '30000-32767' }, { backend, clock: systemClock, log: silentLogger() });
    const ctx = { backend, now: () => new Date(), newUid: () => crypto.randomUUID(), random: Math.random };
    stores = new Map(BUILTIN_MODULES.flat().map((d) => [d, new Store(d, ctx, d.group === '' && d.resource === 'services' ? allocation.hooks() : undefined)] as const));
    const ns = [...stores].find(([d]) => d.resource === 'namespaces')![1];
    await ns.create(undefined, { metadata: { name: 'default' } });
  });
  afterEach(async () => {
    for (const r of running.splice(0)) await r.stop();
    await backend.close();
  });

  const store = (group: string, resource: string) => [...stores].find(([d]) => d.group === group && d.resource === resource && !d.storageResource)![1];
  const start = async (ip: string, port = 6443) => {
    const allocation = createServiceAllocation({ serviceCidr: '10.43.0.0/16', nodePortRange: '30000-32767' }, { backend, clock: systemClock, log: silentLogger() });
    const r = await startServiceNetwork({ serviceCidr: '10.43.0.0/16', self: { ip, port }, endpointIntervalMs: 60_000 }, { stores, backend, allocation, clock: systemClock, log: silentLogger() });
    running.push(r);
    return r;
  };

  it('creates the service with 10.43.0.1 and lists every live API server, dropping one that stops', async () => {
    const first = await start('192.0.2.10');
    const svc = await store('', 'services').get('default', 'kubernetes');
    expect(svc.metadata.labels).toEqual({ component: 'apiserver', provider: 'kubernetes' });
    expect(svc.spec).toMatchObject({ type: 'ClusterIP', clusterIP: '10.43.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }] });
    expect((await backend.get(`${SERVICE_IPS_PREFIX}10.43.0.1`)).kv).toBeDefined();

    const second = await start('192.0.2.11');
    await first.reconciler.reconcileOnce();
    const ep = await store('', 'endpoints').get('default', 'kubernetes');
    expect(ep.subsets).toEqual([{ addresses: [{ ip: '192.0.2.10' }, { ip: '192.0.2.11' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }]);
    const slice = await store('discovery.k8s.io', 'endpointslices').get('default', 'kubernetes');
    expect(slice.metadata.labels).toEqual({ 'kubernetes.io/service-name': 'kubernetes' });
    expect((slice.endpoints as Json[]).map((e) => e.addresses[0])).toEqual(['192.0.2.10', '192.0.2.11']);
    expect((slice.endpoints as Json[])[0].conditions).toEqual({ ready: true });

    // Stopping takes the server out at once.
    await second.stop();
    running.splice(running.indexOf(second), 1);
    const after = await store('', 'endpoints').get('default', 'kubernetes');
    expect((after.subsets as Json[])[0].addresses).toEqual([{ ip: '192.0.2.10' }]);
  });

  it('puts the service back in shape and leaves out addresses endpoints cannot hold', async () => {
    const r = await start('127.0.0.1');
    const services = store('', 'services');
    const svc = await services.get('default', 'kubernetes');
    await services.update('default', 'kubernetes', () => ({ ...svc, spec: { ...(svc.spec as Json), ports: [{ name: 'https', port: 8443, protocol: 'TCP', targetPort: 1 }] } }));
    await r.reconciler.reconcileOnce();
    expect(((await services.get('default', 'kubernetes')).spec as Json).ports).toEqual([{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }]);
    expect((await store('', 'endpoints').get('default', 'kubernetes')).subsets ?? []).toEqual([]);
  });
});
