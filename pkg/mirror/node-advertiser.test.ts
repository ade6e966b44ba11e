import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/types';
import { FakeClock } from '../client/clock';
import { RestClient } from '../client/rest-client';
import type { Transport, TransportRequest } from '../client/transport';
import { silentLogger } from '../log/logger';
import { ImageInventory } from './image-inventory';
import { MemoryContentStore } from './memory-content-store';
import { NodeAdvertiser } from './node-advertiser';
import { ANN_ENDPOINT, ANN_HEARTBEAT, ANN_INVENTORY, PeerDirectory } from './peer-directory';

/** Answers every request with 200 and the merge-patch body echoed as the Node; records requests. */
function recordingTransport(seen: TransportRequest[]): Transport {
  return {
    async send(req) {
      seen.push(req);
      const patch = JSON.parse(req.body ?? '{}') as { metadata?: { annotations?: Record<string, string | null> } };
      const body = JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', annotations: patch.metadata?.annotations ?? {} } });
      return { status: 200, headers: { 'content-type': 'application/json' }, body: (async function* () { yield Buffer.from(body); })(), close: () => undefined };
    },
    close: () => undefined,
  };
}

describe('NodeAdvertiser', () => {
  it('merge-patches its own Node with endpoint, heartbeat and inventory (only when changed), and withdraws', async () => {
    const seen: TransportRequest[] = [];
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const store = new MemoryContentStore();
    const m = store.put('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}');
    store.tag('docker.io/library/a:1', m, 'application/vnd.oci.image.manifest.v1+json');
    const adv = new NodeAdvertiser({ nodeName: 'n1', endpoint: 'https://10.0.0.1:5001' }, { client: new RestClient({ transport: recordingTransport(seen) }), inventory: new ImageInventory(store), clock, log: silentLogger() });

    await adv.advertiseOnce();
    expect(seen[0]!.method).toBe('PATCH');
    expect(seen[0]!.path).toBe('/api/v1/nodes/n1');
    expect(seen[0]!.headers['Content-Type'] ?? seen[0]!.headers['content-type']).toBe('application/merge-patch+json');
    const first = JSON.parse(seen[0]!.body!).metadata.annotations as Record<string, string>;
    expect(first[ANN_ENDPOINT]).toBe('https://10.0.0.1:5001');
    expect(first[ANN_HEARTBEAT]).toBe('2026-01-01T00:00:00.000Z');
    expect(JSON.parse(first[ANN_INVENTORY]!)).toEqual({ refs: { 'docker.io/library/a:1': m }, digests: [m] });

    // What peers make of it: offered while the heartbeat is fresh.
    const dir = new PeerDirectory({ self: 'n2', clock });
    dir.update({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', annotations: first } } as KubeObject);
    expect(dir.withImage('docker.io/library/a:1')).toEqual([{ node: 'n1', endpoint: 'https://10.0.0.1:5001', digest: m }]);
    expect(dir.withDigest(m).map((p) => p.node)).toEqual(['n1']);
    expect(dir.withImage('docker.io/library/b:1')).toEqual([]);

    clock.advance(10_000);
    await adv.advertiseOnce();
    const second = JSON.parse(seen[1]!.body!).metadata.annotations as Record<string, string>;
    expect(second[ANN_INVENTORY]).toBeUndefined();
    expect(second[ANN_HEARTBEAT]).toBe('2026-01-01T00:00:10.000Z');

    await adv.withdraw();
    expect(JSON.parse(seen[2]!.body!).metadata.annotations).toEqual({ [ANN_ENDPOINT]: null, [ANN_HEARTBEAT]: null, [ANN_INVENTORY]: null });
  });
});
