// ResourceQuota usage and enforcement, and LimitRange defaults and limits, against the real API
// server (in process) with the resource quota controller.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/types';
import { systemClock } from '../../client/clock';
import { StatusError } from '../../client/errors';
import { RESOURCES } from '../../client/resource-ref';
import { ControllerManager } from '../../controller/controller-manager';
import { silentLogger } from '../../log/logger';
import { startTestControlPlane, type TestControlPlane } from '../../server/test-control-plane';
import { builtinControllers } from '../index';
import { LIMIT_RANGER_ANNOTATION } from './limit-range-admission';
import { RESOURCE_QUOTAS } from './resource-quota-controller';
import { eventually } from '../testing/eventually';

type Obj = KubeObject & { spec?: any; status?: any };
const LIMIT_RANGES = Object.freeze({ group: '', version: 'v1', resource: 'limitranges', kind: 'LimitRange', namespaced: true });

describe('ResourceQuota and LimitRange', () => {
  let cp: TestControlPlane;
  const abort = new AbortController();
  let running: Promise<void>;
  const quotas = () => cp.admin.resource<Obj>(RESOURCE_QUOTAS);
  const pods = () => cp.admin.resource<Obj>(RESOURCES.pods);
  const pod = (ns: string, name: string, resources?: Record<string, unknown>) => pods().create({ metadata: { name, namespace: ns }, spec: { containers: [{ name: 'c', image: 'busybox', ...(resources ? { resources } : {}) }] } });
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: unknown) => e as StatusError,
    );
  const used = (ns: string, name: string, want: Record<string, string>) =>
    eventually(async () => {
      const u = (await quotas().get(ns, name)).status?.used ?? {};
      return Object.entries(want).every(([k, v]) => u[k] === v) ? u : undefined;
    }, `quota ${name} to show ${JSON.stringify(want)}`);

  beforeAll(async () => {
    cp = await startTestControlPlane();
    const manager = new ControllerManager({ client: cp.controller, clock: systemClock, log: silentLogger(), controllers: builtinControllers({ rootCaPem: cp.serverCaPem }), enabled: ['resourcequota'] });
    running = manager.run(abort.signal);
    for (const name of ['quota', 'limits']) await cp.admin.resource(RESOURCES.namespaces).create({ metadata: { name } });
  });
  afterAll(async () => {
    abort.abort();
    await running;
    await cp?.stop();
  });

  it('computes usage and refuses what would exceed the quota', async () => {
    await quotas().create({ metadata: { name: 'q', namespace: 'quota' }, spec: { hard: { pods: '2', 'requests.cpu': '1', 'count/configmaps': '5' } } });
    const initial = await used('quota', 'q', { pods: '0', 'requests.cpu': '0' });
    expect(initial['count/configmaps']).toBe('0');
    await pod('quota', 'a', { requests: { cpu: '300m' } });
    await pod('quota', 'b', { requests: { cpu: '0.3' } });
    // Admission charged the quota at once.
    const after = await quotas().get('quota', 'q');
    expect(after.status.used).toMatchObject({ pods: '2', 'requests.cpu': '600m' });
    expect(after.status.hard).toEqual({ pods: '2', 'requests.cpu': '1', 'count/configmaps': '5' });
    const over = await refusal(pod('quota', 'c', { requests: { cpu: '100m' } }));
    expect(over?.status).toBe(403);
    expect(over?.message).toBe('pods "c" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2');
    const missing = await refusal(pod('quota', 'd'));
    expect(missing?.message).toBe('pods "d" is forbidden: failed quota: q: must specify requests.cpu for: c');
    await pods().delete('quota', 'a', { gracePeriodSeconds: 0 });
    await used('quota', 'q', { pods: '1', 'requests.cpu': '300m' });
    await pod('quota', 'e', { requests: { cpu: '700m' } });
    await used('quota', 'q', { pods: '2', 'requests.cpu': '1' });
  });

  it('counts other objects with count/<resource>', async () => {
    for (const n of ['x', 'y']) await cp.admin.resource(RESOURCES.configmaps).create({ metadata: { name: n, namespace: 'quota' } });
    await used('quota', 'q', { 'count/configmaps': '2' });
  });

  it('applies LimitRange defaults and refuses containers above max', async () => {
    await cp.admin.resource(LIMIT_RANGES).create({
      metadata: { name: 'lr', namespace: 'limits' },
      spec: { limits: [{ type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '200m' }, max: { cpu: '1' } }] },
    });
    const p = await pod('limits', 'plain');
    expect(p.spec.containers[0].resources).toEqual({ limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '200m', memory: '256Mi' } });
    expect(p.metadata.annotations![LIMIT_RANGER_ANNOTATION]).toBe('LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c');
    const big = await refusal(pod('limits', 'big', { limits: { cpu: '2' } }));
    expect(big?.status).toBe(403);
    expect(big?.message).toBe('pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2');
  });
});
