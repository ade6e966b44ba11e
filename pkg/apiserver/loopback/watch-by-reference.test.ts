// Watches over the in-process loopback take their objects by reference: the events carry what a
// watch over HTTPS carries, read-only, with no object left behind in the connection's channel;
// the same holds for metadata-only watches, and informer caches are read-only either way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/types';
import { ConnectionTransport, RESOURCES, RestClient, SharedInformer, systemClock, type WatchEvent, type WatchStream } from '../../client';
import { silentLogger } from '../../log/logger';
import { startTestControlPlane, type TestControlPlane } from '../../server/test-control-plane';
import type { LoopbackSocket } from './loopback-socket';

const admin = { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] };

async function take<T extends KubeObject>(stream: WatchStream<T>, n: number): Promise<WatchEvent<T>[]> {
  const out: WatchEvent<T>[] = [];
  for await (const ev of stream) {
    out.push(ev);
    if (out.length === n) break;
  }
  return out;
}

describe('watch by reference over the loopback', () => {
  let tcp: TestControlPlane;
  let sockets: LoopbackSocket[];
  let loop: RestClient;

  beforeAll(async () => {
    tcp = await startTestControlPlane();
    sockets = [];
    loop = new RestClient({
      transport: new ConnectionTransport(() => {
        const s = tcp.controlPlane.loopback.connect(admin);
        sockets.push(s);
        return s;
      }),
      userAgent: 'loopback-test',
    });
    await tcp.admin.resource(RESOURCES.namespaces).create({ metadata: { name: 'refs' } });
  });
  afterAll(async () => {
    loop.close();
    await tcp.stop();
  });

  it('delivers the same events as HTTPS, frozen, and leaves nothing in the channel', async () => {
    const cms = tcp.admin.resource(RESOURCES.configmaps);
    const { resourceVersion } = (await cms.list('refs')).metadata;
    const overLoopback = await loop.resource(RESOURCES.configmaps).watch('refs', { resourceVersion });
    const overHttps = await cms.watch('refs', { resourceVersion });
    await cms.create({ metadata: { name: 'a', namespace: 'refs', labels: { k: 'v' } }, data: { x: '1' } });
    await cms.patch('refs', 'a', 'merge', { data: { x: '2' } });
    await cms.delete('refs', 'a');
    const [viaRef, viaJson] = await Promise.all([take(overLoopback, 3), take(overHttps, 3)]);
    overLoopback.close();
    overHttps.close();
    expect(viaRef.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect(viaRef).toEqual(viaJson);
    for (const ev of viaRef) {
      if (ev.type === 'ERROR') throw new Error('unexpected ERROR event');
      expect(Object.isFrozen(ev.object)).toBe(true);
      expect(Object.isFrozen(ev.object.metadata.labels)).toBe(true);
      expect(() => {
        (ev.object.metadata as { name?: string }).name = 'changed';
      }).toThrow(TypeError);
    }
    expect(sockets.length).toBeGreaterThan(0);
    for (const s of sockets) expect(s.objectChannel.size).toBe(0);
  });

  it('hands metadata-only watches their PartialObjectMetadata by reference', async () => {
    const cms = tcp.admin.resource(RESOURCES.configmaps);
    const { resourceVersion } = (await cms.list('refs')).metadata;
    const stream = await loop.resource(RESOURCES.configmaps).watch('refs', { resourceVersion, metadataOnly: true });
    await cms.create({ metadata: { name: 'm', namespace: 'refs' }, data: { big: 'y'.repeat(1000) } });
    const [ev] = await take(stream, 1);
    stream.close();
    if (!ev || ev.type === 'ERROR') throw new Error('expected an ADDED event');
    expect(ev.object.kind).toBe('PartialObjectMetadata');
    expect(ev.object.apiVersion).toBe('meta.k8s.io/v1');
    expect(ev.object.metadata.name).toBe('m');
    expect((ev.object as { data?: unknown }).data).toBeUndefined();
    expect(Object.isFrozen(ev.object)).toBe(true);
  });

  it('keeps informer caches read-only over HTTPS as well', async () => {
    const cms = tcp.admin.resource(RESOURCES.configmaps);
    await cms.create({ metadata: { name: 'inf', namespace: 'refs' }, data: { x: '1' } });
    const informer = new SharedInformer({ client: cms, clock: systemClock, log: silentLogger(), namespace: 'refs' });
    const abort = new AbortController();
    const running = informer.run(abort.signal);
    try {
      expect(await informer.waitForSync(abort.signal)).toBe(true);
      const cached = informer.indexer.get('refs/inf') as (KubeObject & { data: Record<string, string> }) | undefined;
      expect(cached?.data.x).toBe('1');
      expect(() => {
        cached!.data.x = '2';
      }).toThrow(TypeError);
    } finally {
      abort.abort();
      await running;
    }
  });
});
