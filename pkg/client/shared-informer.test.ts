// Informers: against the real API server for list/watch/handlers/indexes/resync, and against a
// scripted transport for the reflector's recovery paths (410 → relist, stream end → resume,
// errors → backoff).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/types';
import { silentLogger } from '../log/logger';
import { startTestControlPlane, type TestControlPlane } from '../server/test-control-plane';
import { FakeClock, settle, systemClock } from './clock';
import { NAMESPACE_INDEX, OWNER_UID_INDEX } from './indexer';
import { SharedInformerFactory } from './informer-factory';
import { RESOURCES } from './resource-ref';
import { RestClient } from './rest-client';
import { SharedInformer } from './shared-informer';
import type { Transport, TransportRequest, TransportResponse } from './transport';

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('SharedInformer against the API server', () => {
  let cp: TestControlPlane;
  beforeAll(async () => {
    cp = await startTestControlPlane();
  });
  afterAll(async () => cp?.stop());

  it('lists, then follows adds, updates and deletes, keeping indexes', async () => {
    const cms = cp.admin.resource(RESOURCES.configmaps);
    await cms.create({ metadata: { name: 'pre', namespace: 'default' } });
    const abort = new AbortController();
    const factory = new SharedInformerFactory({ client: cp.controller, clock: systemClock, log: silentLogger() });
    const inf = factory.informerFor(RESOURCES.configmaps);
    const events: string[] = [];
    inf.addEventHandler({
      add: (o) => events.push(`add ${o.metadata.name}`),
      update: (_o, n) => events.push(`update ${n.metadata.name}`),
      delete: (o) => events.push(`delete ${o.metadata.name}`),
    });
    factory.start(abort.signal);
    expect(await factory.waitForCacheSync(abort.signal)).toBe(true);
    expect(inf.hasSynced()).toBe(true);
    expect(events).toContain('add pre');
    const owner = await cms.create({ metadata: { name: 'owner', namespace: 'kube-system' } });
    await cms.create({ metadata: { name: 'dep', namespace: 'kube-system', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid! }] } });
    await cms.patch('default', 'pre', 'merge', { data: { a: 'b' } });
    await cms.delete('default', 'pre');
    await until(() => events.includes('delete pre'), 'the delete event');
    expect(events.slice(events.indexOf('add owner'))).toEqual(['add owner', 'add dep', 'update pre', 'delete pre']);
    expect(inf.indexer.byIndex(NAMESPACE_INDEX, 'kube-system').map((o) => o.metadata.name).sort()).toEqual(['dep', 'owner']);
    expect(inf.indexer.byIndex(OWNER_UID_INDEX, owner.metadata.uid!).map((o) => o.metadata.name)).toEqual(['dep']);
    expect(inf.indexer.getByName('default', 'pre')).toBeUndefined();
    // A late handler is told about what the cache holds.
    const late: string[] = [];
    inf.addEventHandler({ add: (o) => late.push(o.metadata.name!) });
    expect(late.sort()).toEqual(expect.arrayContaining(['dep', 'owner']));
    abort.abort();
    await factory.stopped();
  });

  it('replays the cache as updates on resync', async () => {
    const clock = new FakeClock(Date.now());
    const cms = cp.admin.resource(RESOURCES.configmaps);
    await cms.create({ metadata: { name: 'r1', namespace: 'kube-public' } });
    const abort = new AbortController();
    const inf = new SharedInformer({ client: cp.controller.resource(RESOURCES.configmaps), namespace: 'kube-public', clock, log: silentLogger(), resyncPeriodMs: 60_000 });
    const updates: string[] = [];
    inf.addEventHandler({ update: (o, n) => o === n && updates.push(n.metadata.name!) });
    const run = inf.run(abort.signal);
    await inf.waitForSync(abort.signal);
    expect(updates).toEqual([]);
    clock.advance(60_000);
    expect(updates).toEqual(['r1']);
    abort.abort();
    await run;
  });
});

/** A transport that answers from a script: list responses and watch streams the test feeds. */
class ScriptedTransport implements Transport {
  readonly requests: string[] = [];
  constructor(private readonly handler: (req: TransportRequest) => TransportResponse | Promise<TransportResponse>) {}
  send(req: TransportRequest): Promise<TransportResponse> {
    this.requests.push(`${req.method} ${req.path}`);
    return Promise.resolve(this.handler(req));
  }
  close(): void {}
}

function json(status: number, body: unknown): TransportResponse {
  const bytes = Buffer.from(JSON.stringify(body));
  return { status, headers: {}, body: (async function* () { yield bytes; })(), close() {} };
}

/** A watch stream whose lines the test pushes; end() finishes it normally. */
class FeedStream {
  #lines: string[] = [];
  #wake: (() => void) | undefined;
  #ended = false;
  push(ev: unknown): void {
    this.#lines.push(JSON.stringify(ev) + '\n');
    this.#wake?.();
  }
  end(): void {
    this.#ended = true;
    this.#wake?.();
  }
  response(signal?: AbortSignal): TransportResponse {
    signal?.addEventListener('abort', () => this.end());
    const self = this;
    return {
      status: 200,
      headers: {},
      body: (async function* () {
        for (;;) {
          while (self.#lines.length) yield Buffer.from(self.#lines.shift()!);
          if (self.#ended) return;
          await new Promise<void>((r) => (self.#wake = r));
        }
      })(),
      close: () => this.end(),
    };
  }
}

const obj = (name: string, rv: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns', resourceVersion: rv, uid: name } });

describe('Reflector recovery', () => {
  it('relists on 410, resumes after a normal end, backs off after errors', async () => {
    const clock = new FakeClock(Date.now());
    const lists = [
      { metadata: { resourceVersion: '10' }, items: [obj('a', '1'), obj('b', '2')] },
      { metadata: { resourceVersion: '20' }, items: [obj('a', '1'), obj('c', '11')] },
    ];
    const watches: FeedStream[] = [];
    let failNextWatch = false;
    const transport = new ScriptedTransport((req) => {
      if (!req.path.includes('watch=1')) return json(200, lists.shift());
      if (failNextWatch) {
        failNextWatch = false;
        return json(500, { kind: 'Status', code: 500, reason: 'InternalError', message: 'boom' });
      }
      const w = new FeedStream();
      watches.push(w);
      return w.response(req.signal);
    });
    const client = new RestClient({ transport });
    const inf = new SharedInformer({ client: client.resource(RESOURCES.configmaps), namespace: 'ns', clock, log: silentLogger() });
    const events: string[] = [];
    inf.addEventHandler({ add: (o) => events.push(`add ${o.metadata.name}`), update: (_o, n) => events.push(`update ${n.metadata.name}`), delete: (o) => events.push(`delete ${o.metadata.name}`) });
    const abort = new AbortController();
    const run = inf.run(abort.signal);
    await until(() => watches.length === 1, 'the first watch');
    expect(transport.requests[1]).toMatch(/watch=1&resourceVersion=10&allowWatchBookmarks=true/);
    watches[0]!.push({ type: 'ADDED', object: obj('c', '11') });
    watches[0]!.push({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 410, reason: 'Expired', message: 'too old resource version' } });
    await until(() => watches.length === 2, 'the watch after the relist');
    expect(transport.requests.filter((r) => !r.includes('watch=1'))).toHaveLength(2);
    expect(transport.requests[3]).toMatch(/resourceVersion=20/);
    expect(events).toEqual(['add a', 'add b', 'add c', 'delete b']);
    expect(inf.indexer.keys().sort()).toEqual(['ns/a', 'ns/c']);
    // A bookmark moves the version on; a normal end resumes from it without a relist.
    watches[1]!.push({ type: 'BOOKMARK', object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: '25' } } });
    await settle();
    clock.advance(5000);
    failNextWatch = true;
    watches[1]!.end();
    await until(() => transport.requests.length === 5, 'the failing watch');
    expect(transport.requests[4]).toMatch(/resourceVersion=25/);
    expect(inf.lastSyncResourceVersion).toBe('25');
    // The failed watch waits for the backoff (800 ms + jitter) before trying again.
    await settle();
    expect(watches).toHaveLength(2);
    await clock.advanceAsync(1000);
    await until(() => watches.length === 3, 'the watch after the backoff');
    expect(transport.requests[5]).toMatch(/resourceVersion=25/);
    expect(transport.requests.filter((r) => !r.includes('watch=1'))).toHaveLength(2);
    abort.abort();
    await run;
  });
});
