// The network addon controllers against a real API server (memory storage), writing as the
// supervisor like `k3ts server` does: the kube-dns Service at --cluster-dns with one EndpointSlice
// per node, and ServiceLB's ingress IPs, pending Service and PortInUse event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/types';
import { systemClock } from '../client/clock';
import { RESOURCES } from '../client/resource-ref';
import { ControllerManager } from '../controller/controller-manager';
import { eventually } from '../controllers/testing/eventually';
import { silentLogger } from '../log/logger';
import { startTestControlPlane, type TestControlPlane } from '../server/test-control-plane';
import { networkAddonControllers } from './network-addons';

type Json = Record<string, any>;

describe('network addon controllers', () => {
  let cp: TestControlPlane;
  const abort = new AbortController();
  let running: Promise<void>;

  const addNode = async (name: string, ip: string) => {
    const nodes = cp.admin.resource(RESOURCES.nodes);
    const n = await nodes.create({ metadata: { name } });
    await nodes.updateStatus({ ...n, status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }] } } as KubeObject);
  };

  beforeAll(async () => {
    cp = await startTestControlPlane();
    await addNode('n1', '192.0.2.11');
    await addNode('n2', '192.0.2.12');
    const writer = cp.clientFor('supervisor');
    const manager = new ControllerManager({ client: cp.controller, clock: systemClock, log: silentLogger(), controllers: networkAddonControllers({ clusterDnsIP: '10.43.0.10', serviceLb: true }, writer) });
    running = manager.run(abort.signal);
  });

  afterAll(async () => {
    abort.abort();
    await running;
    await cp?.stop();
  });

  it('publishes kube-dns at the cluster DNS IP with one slice per node, and follows nodes', async () => {
    const svc = (await eventually(() => cp.admin.resource(RESOURCES.services).get('kube-system', 'kube-dns').catch(() => undefined), 'kube-dns')) as Json;
    expect(svc.spec.clusterIP).toBe('10.43.0.10');
    expect(svc.spec.internalTrafficPolicy).toBe('Local');
    const slices = async () => ((await cp.admin.resource(RESOURCES.endpointslices).list('kube-system', { labelSelector: 'kubernetes.io/service-name=kube-dns' })).items as Json[]).map((s) => `${s.endpoints[0].nodeName}=${s.endpoints[0].addresses[0]}:${s.ports[0].port}`).sort();
    await eventually(async () => ((await slices()).length === 2 ? true : undefined), 'two node slices');
    expect(await slices()).toEqual(['n1=192.0.2.11:53', 'n2=192.0.2.12:53']);
    await cp.admin.resource(RESOURCES.nodes).delete(undefined, 'n2');
    await eventually(async () => ((await slices()).length === 1 ? true : undefined), 'the slice of the deleted node gone');
  });

  it('gives LoadBalancer Services the node IPs and leaves a port conflict pending with an event', async () => {
    const svcs = cp.admin.resource(RESOURCES.services);
    await svcs.create({ metadata: { name: 'lb1', namespace: 'default' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } } as KubeObject);
    const ingress = async (name: string) => (((await svcs.get('default', name)) as Json).status?.loadBalancer?.ingress ?? []).map((i: Json) => i.ip);
    await eventually(async () => ((await ingress('lb1')).length === 1 ? true : undefined), 'lb1 ingress');
    expect(await ingress('lb1')).toEqual(['192.0.2.11']);
    await svcs.create({ metadata: { name: 'lb2', namespace: 'default' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } } as KubeObject);
    const ev = await eventually(async () => ((await cp.admin.resource(RESOURCES.events).list('default')).items as Json[]).find((e) => e.involvedObject?.name === 'lb2'), 'an event for lb2');
    expect([ev.type, ev.reason]).toEqual(['Warning', 'PortInUse']);
    expect(await ingress('lb2')).toEqual([]);
    await svcs.delete('default', 'lb1');
    await eventually(async () => ((await ingress('lb2')).length === 1 ? true : undefined), 'lb2 gets the port once lb1 is gone');
  });
});
