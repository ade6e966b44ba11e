import { describe, expect, it } from 'vitest';
import { RESOURCES, systemClock } from '../../pkg/client';
import { createLogger } from '../../pkg/log/logger';
import { Scheduler, defaultSchedulerConfig, builtinRegistry, pluginPoints } from '../../pkg/scheduler';
import { createSimulatedNodes } from '../../pkg/scheduler/testing/simulated-nodes';
import { startTestControlPlane } from '../../pkg/server/test-control-plane';

describe('smoke', () => {
  it('schedules', async () => {
    const cp = await startTestControlPlane();
    const client = cp.clientFor('scheduler', 'kube-scheduler');
    const abort = new AbortController();
    try {
      await createSimulatedNodes(cp.admin, [{ name: 'n1' }, { name: 'n2' }]);
      const s = new Scheduler({ client, clock: systemClock, log: createLogger({ level: 'debug' }), config: defaultSchedulerConfig(pluginPoints(builtinRegistry())), instance: 'test' });
      const run = s.run(abort.signal);
      const pods = cp.admin.resource(RESOURCES.pods);
      for (let i = 0; i < 4; i++) await pods.create({ metadata: { name: `p${i}`, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '1' } } }] } });
      await pods.create({ metadata: { name: `big`, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '10' } } }] } });
      const end = Date.now() + 10000;
      let list;
      for (;;) {
        list = (await pods.list('default')).items;
        if (list.filter((p: any) => p.spec.nodeName).length === 4 && list.some((p: any) => p.status?.conditions?.some((c: any) => c.type === 'PodScheduled' && c.status === 'False'))) break;
        if (Date.now() > end) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      console.log(list.map((p: any) => `${p.metadata.name} ${p.spec.nodeName} ${JSON.stringify(p.status?.conditions)}`).join('\n'));
      await s.events.flushed();
      const ev = (await cp.admin.resource(RESOURCES.events).list('default')).items;
      console.log(ev.map((e: any) => `${e.reason} ${e.message}`).join('\n'));
      abort.abort();
      await run;
      expect(list.filter((p: any) => p.spec.nodeName).length).toBe(4);
    } finally {
      abort.abort();
      await cp.stop();
    }
  });
});
