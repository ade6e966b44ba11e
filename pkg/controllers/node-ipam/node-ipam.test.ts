// Node IPAM against the real API server (in process): each node gets a /24 of the cluster CIDR,
// assignments survive a controller restart, a deleted node's subnet becomes free again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/types';
import { systemClock } from '../../client/clock';
import { RESOURCES } from '../../client/resource-ref';
import { ControllerManager } from '../../controller/controller-manager';
import { silentLogger } from '../../log/logger';
import { startTestControlPlane, type TestControlPlane } from '../../server/test-control-plane';
import { builtinControllers } from '../index';
import { CidrSet } from './cidr-set';
import { NODE_IPAM_CONTROLLER } from './node-ipam-controller';
import { eventually } from '../testing/eventually';

describe('CidrSet', () => {
  it('cuts the cluster CIDR into node subnets, next-fit', () => {
    const s = new CidrSet('10.42.0.0/16', 24);
    expect(s.size).toBe(256);
    expect(s.cidrAt(s.allocateNext()!)).toBe('10.42.0.0/24');
    expect(s.cidrAt(s.allocateNext()!)).toBe('10.42.1.0/24');
    s.release(0);
    expect(s.cidrAt(s.allocateNext()!)).toBe('10.42.2.0/24');
    expect(s.indexOf('10.42.7.0/24')).toBe(7);
    expect(s.indexOf('10.43.7.0/24')).toBeUndefined();
    expect(s.indexOf('10.42.7.0/25')).toBeUndefined();
  });
});

describe('node IPAM controller', () => {
  let cp: TestControlPlane;
  beforeAll(async () => {
    cp = await startTestControlPlane();
  });
  afterAll(async () => cp?.stop());

  const run = () => {
    const abort = new AbortController();
    const m = new ControllerManager({ client: cp.controller, clock: systemClock, log: silentLogger(), controllers: builtinControllers({ rootCaPem: cp.serverCaPem, clusterCidr: '10.42.0.0/16' }), enabled: [NODE_IPAM_CONTROLLER] });
    const done = m.run(abort.signal);
    return async () => {
      abort.abort();
      await done;
    };
  };
  const nodes = () => cp.admin.resource(RESOURCES.nodes);
  const cidrOf = async (name: string) => {
    const spec = (await nodes().get(undefined, name)).spec as { podCIDR?: string; podCIDRs?: string[] };
    return spec.podCIDR && spec.podCIDRs?.[0] === spec.podCIDR ? spec.podCIDR : undefined;
  };

  it('assigns distinct /24s that survive restarts and frees them on delete', async () => {
    let stop = run();
    for (const n of ['n1', 'n2', 'n3']) await nodes().create({ metadata: { name: n } } as KubeObject);
    const first = await Promise.all(['n1', 'n2', 'n3'].map((n) => eventually(() => cidrOf(n), `a pod CIDR for ${n}`)));
    expect(new Set(first).size).toBe(3);
    for (const c of first) expect(c).toMatch(/^10\.42\.\d+\.0\/24$/);
    await stop();

    // A new controller (restart, or another leader) keeps what nodes hold and never hands it out twice.
    stop = run();
    await nodes().create({ metadata: { name: 'n4' } } as KubeObject);
    const fourth = await eventually(() => cidrOf('n4'), 'a pod CIDR for n4');
    expect(first).not.toContain(fourth);
    expect(await Promise.all(['n1', 'n2', 'n3'].map(cidrOf))).toEqual(first);

    // Deleting nodes frees their subnets: with only 4 /24s they are handed out again.
    await stop();
    await Promise.all(['n1', 'n2', 'n3', 'n4'].map((n) => nodes().delete(undefined, n)));
    const abort = new AbortController();
    const m = new ControllerManager({ client: cp.controller, clock: systemClock, log: silentLogger(), controllers: builtinControllers({ rootCaPem: cp.serverCaPem, clusterCidr: '10.99.0.0/22' }), enabled: [NODE_IPAM_CONTROLLER] });
    const done = m.run(abort.signal);
    for (const n of ['m1', 'm2', 'm3', 'm4']) await nodes().create({ metadata: { name: n } } as KubeObject);
    await Promise.all(['m1', 'm2', 'm3', 'm4'].map((n) => eventually(() => cidrOf(n), `a pod CIDR for ${n}`)));
    await nodes().create({ metadata: { name: 'm5' } } as KubeObject);
    await nodes().delete(undefined, 'm2');
    const freed = await eventually(() => cidrOf('m5'), 'm5 to get the subnet m2 freed');
    expect(freed).toMatch(/^10\.99\.[0-3]\.0\/24$/);
    abort.abort();
    await done;
  });
});
