// The Endpoints and EndpointSlice controllers against the real API server (in process), run by the
// controller manager as the controller-manager identity: ready/not-ready/terminating pods, named
// target ports resolved per pod, publishNotReadyAddresses, slices of at most 100, clean-up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/types';
import { systemClock } from '../../client/clock';
import { isNotFound } from '../../client/errors';
import { RESOURCES } from '../../client/resource-ref';
import { ControllerManager } from '../../controller/controller-manager';
import { silentLogger } from '../../log/logger';
import { startTestControlPlane, type TestControlPlane } from '../../server/test-control-plane';
import { ENDPOINTS_CONTROLLER } from '../endpoints/endpoints-controller';
import { builtinControllers } from '../index';
import { ENDPOINTSLICE_CONTROLLER } from './endpointslice-controller';
import { eventually } from '../testing/eventually';

type Json = Record<string, any>;

describe('endpoints and endpoint slices', () => {
  let cp: TestControlPlane;
  const abort = new AbortController();
  let running: Promise<void>;
  const ns = 'ep';
  const pods = () => cp.admin.resource(RESOURCES.pods);
  const services = () => cp.admin.resource(RESOURCES.services);
  const slicesOf = async (svc: string) => (await cp.admin.resource(RESOURCES.endpointslices).list(ns, { labelSelector: `kubernetes.io/service-name=${svc}` })).items;

  async function pod(name: string, opts: { ip?: string; ready?: boolean; port?: number; labels?: Record<string, string>; finalizer?: boolean; phase?: string; node?: string } = {}): Promise<KubeObject> {
    const p = await pods().create({
      metadata: { name, namespace: ns, labels: opts.labels ?? { app: 'web' }, ...(opts.finalizer ? { finalizers: ['test.k3ts.io/hold'] } : {}) },
      spec: { ...(opts.node ? { nodeName: opts.node } : {}), containers: [{ name: 'c', image: 'busybox', ports: opts.port ? [{ name: 'http', containerPort: opts.port }] : [] }] },
    });
    if (!opts.ip) return p;
    return pods().updateStatus({ ...p, status: { phase: opts.phase ?? 'Running', podIP: opts.ip, podIPs: [{ ip: opts.ip }], conditions: [{ type: 'Ready', status: opts.ready ? 'True' : 'False' }] } });
  }

  beforeAll(async () => {
    cp = await startTestControlPlane();
    await cp.admin.resource(RESOURCES.namespaces).create({ metadata: { name: ns } });
    const manager = new ControllerManager({ client: cp.controller, clock: systemClock, log: silentLogger(), controllers: builtinControllers({ rootCaPem: cp.serverCaPem }), enabled: [ENDPOINTS_CONTROLLER, ENDPOINTSLICE_CONTROLLER] });
    running = manager.run(abort.signal);
  });
  afterAll(async () => {
    abort.abort();
    await running;
    await cp?.stop();
  });

  it('lists ready pods as addresses, others as not ready, resolving named ports per pod', async () => {
    await services().create({ metadata: { name: 'web', namespace: ns, labels: { tier: 'front' } }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'metrics', port: 9090 }] } });
    await pod('w1', { ip: '10.42.0.11', ready: true, port: 8080, node: 'n1' });
    await pod('w2', { ip: '10.42.0.12', ready: false, port: 8081 });
    await pod('w3'); // no IP yet
    await pod('w5', { ip: '10.42.0.15', ready: false, port: 8080, phase: 'Failed' });
    await pod('other', { ip: '10.42.0.99', ready: true, port: 8080, labels: { app: 'other' } });
    const terminating = await pod('w4', { ip: '10.42.0.14', ready: true, port: 8080, finalizer: true });
    await pods().delete(ns, 'w4');

    const ep = await eventually(async () => {
      const e = await cp.admin.resource(RESOURCES.endpoints).get(ns, 'web');
      const ips = ((e.subsets as Json[] | undefined) ?? []).flatMap((x) => [...(x.addresses ?? []), ...(x.notReadyAddresses ?? [])].map((a: Json) => a.ip));
      return ips.length === 2 && !ips.includes('10.42.0.14') && e;
    }, 'the endpoints without the terminating pod');
    const subsets = ep.subsets as Json[];
    const ready = subsets.find((s) => s.addresses)!;
    expect(ready.addresses).toEqual([{ ip: '10.42.0.11', nodeName: 'n1', targetRef: expect.objectContaining({ kind: 'Pod', name: 'w1', namespace: ns }) }]);
    expect(ready.ports).toEqual(expect.arrayContaining([{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'metrics', port: 9090, protocol: 'TCP' }]));
    const notReady = subsets.find((s) => s.notReadyAddresses)!;
    expect(notReady.notReadyAddresses.map((a: Json) => a.ip)).toEqual(['10.42.0.12']);
    expect(notReady.ports).toContainEqual({ name: 'http', port: 8081, protocol: 'TCP' });
    expect(ep.metadata.labels).toMatchObject({ tier: 'front' });

    const slices = await eventually(async () => {
      const s = await slicesOf('web');
      const eps = s.flatMap((x) => (x.endpoints as Json[] | undefined) ?? []);
      return eps.length === 3 && eps.some((e) => e.conditions.terminating) && s;
    }, 'the endpoint slices');
    for (const s of slices) {
      expect(s.metadata.labels).toMatchObject({ 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', tier: 'front' });
      expect(s.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Service', name: 'web', controller: true })]);
      expect(s.addressType).toBe('IPv4');
    }
    const byPod = new Map(slices.flatMap((s) => (s.endpoints as Json[]).map((e) => [e.targetRef.name, { ...e, ports: s.ports }] as const)));
    expect(byPod.get('w1')).toMatchObject({ addresses: ['10.42.0.11'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'n1' });
    expect(byPod.get('w1')!.ports).toEqual(expect.arrayContaining([{ name: 'http', port: 8080, protocol: 'TCP' }]));
    expect(byPod.get('w2')).toMatchObject({ conditions: { ready: false, serving: false, terminating: false } });
    expect(byPod.get('w2')!.ports).toEqual(expect.arrayContaining([{ name: 'http', port: 8081, protocol: 'TCP' }]));
    expect(byPod.get('w4')).toMatchObject({ addresses: ['10.42.0.14'], conditions: { ready: false, serving: true, terminating: true } });

    // w2 becomes ready; publishNotReadyAddresses lists everyone as ready.
    const w2 = await pods().get(ns, 'w2');
    await pods().updateStatus({ ...w2, status: { ...(w2.status as Json), conditions: [{ type: 'Ready', status: 'True' }] } });
    await eventually(async () => ((await cp.admin.resource(RESOURCES.endpoints).get(ns, 'web')).subsets as Json[]).every((s) => !s.notReadyAddresses), 'w2 to be ready');
    const svc = await services().get(ns, 'web');
    await services().update({ ...svc, spec: { ...(svc.spec as Json), publishNotReadyAddresses: true } });
    await eventually(async () => {
      const e = await cp.admin.resource(RESOURCES.endpoints).get(ns, 'web');
      return (e.subsets as Json[]).flatMap((s) => s.addresses ?? []).some((a: Json) => a.ip === '10.42.0.14');
    }, 'terminating pods to be published');
    await pods().patch(ns, 'w4', 'merge', { metadata: { finalizers: null } });
    expect(terminating.metadata.name).toBe('w4');
  });

  it('splits more than 100 endpoints into slices and cleans up after the service', async () => {
    await services().create({ metadata: { name: 'big', namespace: ns }, spec: { selector: { app: 'big' }, ports: [{ port: 80 }] } });
    for (let i = 0; i < 130; i++) await pod(`b${i}`, { ip: `10.42.1.${i + 1}`, ready: true, labels: { app: 'big' } });
    const slices = await eventually(async () => {
      const s = await slicesOf('big');
      return s.flatMap((x) => (x.endpoints as Json[] | undefined) ?? []).length === 130 && s;
    }, '130 endpoints in slices');
    expect(slices.map((s) => (s.endpoints as Json[]).length).sort((a, b) => a - b)).toEqual([30, 100]);
    // Endpoints: one subset of 130 addresses.
    await eventually(async () => ((await cp.admin.resource(RESOURCES.endpoints).get(ns, 'big')).subsets as Json[] | undefined)?.[0]?.addresses?.length === 130, 'one subset of 130 addresses');

    await services().delete(ns, 'big');
    await eventually(async () => (await slicesOf('big')).length === 0, 'the slices to go');
    await eventually(async () => {
      try {
        await cp.admin.resource(RESOURCES.endpoints).get(ns, 'big');
        return false;
      } catch (e) {
        return isNotFound(e);
      }
    }, 'the endpoints to go');
  }, 30_000);

  it('leaves services without a selector alone and keeps an empty slice for a service without pods', async () => {
    await services().create({ metadata: { name: 'manual', namespace: ns }, spec: { ports: [{ port: 80 }] } });
    await cp.admin.resource(RESOURCES.endpoints).create({ metadata: { name: 'manual', namespace: ns }, subsets: [{ addresses: [{ ip: '192.0.2.1' }], ports: [{ port: 80 }] }] });
    await services().create({ metadata: { name: 'empty', namespace: ns }, spec: { selector: { app: 'none' }, ports: [{ port: 80 }] } });
    const placeholder = await eventually(async () => (await slicesOf('empty'))[0], 'the placeholder slice');
    expect(placeholder.endpoints ?? []).toEqual([]);
    await eventually(async () => (await cp.admin.resource(RESOURCES.endpoints).get(ns, 'empty')).metadata.uid, 'empty endpoints');
    const manual = await cp.admin.resource(RESOURCES.endpoints).get(ns, 'manual');
    expect((manual.subsets as Json[])[0]!.addresses).toEqual([{ ip: '192.0.2.1' }]);
    expect(await slicesOf('manual')).toEqual([]);
  });
});
