// The repair loop against the memory datastore: leaked claims go after two passes and the grace
// period, claims a Service lost come back, and a claim of a create still in flight is left alone.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/types';
import { FakeClock } from '../../client/clock';
import { silentLogger } from '../../log/logger';
import { MemoryBackend } from '../../storage/drivers/memory';
import { createAllocationRepair, createServiceAllocation, NODE_PORTS_PREFIX, SERVICE_IPS_PREFIX, type ServiceAllocation } from './index';

const service = (name: string, uid: string, spec: Record<string, unknown>): KubeObject => ({ metadata: { name, namespace: 'default', uid }, spec });

describe('AllocationRepair', () => {
  let backend: MemoryBackend;
  let clock: FakeClock;
  let allocation: ServiceAllocation;
  let services: KubeObject[];
  const keys = async (prefix: string) => (await backend.list(prefix)).kvs.map((kv) => kv.key.slice(prefix.length));

  beforeEach(async () => {
    backend = new MemoryBackend();
    await backend.start();
    clock = new FakeClock();
    allocation = createServiceAllocation({ serviceCidr: '10.43.0.0/16', nodePortRange: '30000-32767' }, { backend, clock, log: silentLogger() });
    services = [];
  });
  afterEach(() => backend.close());

  const repair = () => createAllocationRepair(allocation, async () => services, { clock, log: silentLogger() }, { leakGraceMs: 60_000 });

  it('releases a leaked claim only after two passes and the grace period', async () => {
    const hooks = allocation.hooks();
    const kept = service('kept', 'u1', { type: 'NodePort', ports: [{ port: 80 }] });
    (await hooks.beginCreate!(kept, { dryRun: false }))(true);
    services.push(kept);
    // A create that claimed its values but never wrote the Service (a crash in between).
    const lost = service('lost', 'u2', { type: 'NodePort', ports: [{ port: 80 }] });
    await hooks.beginCreate!(lost, { dryRun: false });
    const lostIP = (lost.spec as { clusterIP: string }).clusterIP;
    const lostPort = String((lost.spec as { ports: { nodePort: number }[] }).ports[0]!.nodePort);
    const r = repair();
    expect((await r.runOnce()).released).toEqual([]);
    clock.advance(30_000);
    expect((await r.runOnce()).released).toEqual([]);
    expect(await keys(SERVICE_IPS_PREFIX)).toContain(lostIP);
    clock.advance(31_000);
    const report = await r.runOnce();
    expect([...report.released].sort()).toEqual([`ip ${lostIP}`, `port ${lostPort}`].sort());
    expect(await keys(SERVICE_IPS_PREFIX)).toEqual([(kept.spec as { clusterIP: string }).clusterIP]);
    expect(await keys(NODE_PORTS_PREFIX)).toEqual([String((kept.spec as { ports: { nodePort: number }[] }).ports[0]!.nodePort)]);
  });

  it('restores claims Services hold but the datastore lost, and reports double holders', async () => {
    services.push(service('a', 'ua', { clusterIP: '10.43.5.5', clusterIPs: ['10.43.5.5'], type: 'NodePort', ports: [{ port: 80, nodePort: 31000 }] }));
    services.push(service('b', 'ub', { clusterIP: '10.43.5.5', clusterIPs: ['10.43.5.5'] }));
    const report = await repair().runOnce();
    expect([...report.restored].sort()).toEqual(['ip 10.43.5.5', 'port 31000']);
    expect(report.conflicts).toEqual(['ip 10.43.5.5 is held by default/a and default/b']);
    expect(await keys(SERVICE_IPS_PREFIX)).toEqual(['10.43.5.5']);
    // The restored claim is a's: b cannot release it.
    expect(await allocation.ips.release('10.43.5.5', 'ub')).toBe(false);
    expect(await allocation.ips.release('10.43.5.5', 'ua')).toBe(true);
  });
});
