// 10,000 random and malformed requests against the built dist/k3ts over real TLS, 8 at a time, from
// a seeded PRNG (K3TS_FUZZ_SEED to replay, K3TS_FUZZ_COUNT to change the count). The server must
// answer every one without a 5xx (503 allowed), every JSON error must be a Status, and it must stay
// up and ready with nothing uncaught in its log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, loadAdminCredentials, statusProblem, type ApiClient, type ApiResponse } from './helpers/api-client';
import { REPO } from './helpers/binary';
import { startTestServer, type TestServer } from './helpers/cluster';
import { mixSeed, Rng } from './helpers/fuzz-rng';
import { loadProtobufSamples } from './helpers/fuzz-bodies';
import { baseObject, collectionPath, RESOURCES, SCRATCH_NS, TARGET_NAME, TARGET_NS, VICTIM_NS } from './helpers/fuzz-resources';
import { fuzzRequest, type FuzzRequest } from './helpers/request-fuzzer';

const SEED = Number(process.env.K3TS_FUZZ_SEED ?? 20_241_127) >>> 0;
const COUNT = Number(process.env.K3TS_FUZZ_COUNT ?? 10_000);
const CONCURRENCY = 8;

/** What is wrong with the answer to `req`, or undefined when it is acceptable. */
function problem(req: FuzzRequest, res: ApiResponse): string | undefined {
  const isJson = /^application\/json\b/.test(String(res.headers['content-type'] ?? ''));
  if (res.status >= 500 && res.status !== 503) {
    // Upstream's answer to a read at a resourceVersion the store has not reached is 504 Timeout
    // with a ResourceVersionTooLarge cause (clients back off and retry); nothing else is allowed.
    const s = res.json as { reason?: string; details?: { causes?: Array<{ reason?: string }> } } | undefined;
    const tooLarge = res.status === 504 && (req.method === 'HEAD' ? res.headers['retry-after'] !== undefined : s?.reason === 'Timeout' && s.details?.causes?.some((c) => c.reason === 'ResourceVersionTooLarge'));
    if (!tooLarge) return `status ${res.status}: ${res.text.slice(0, 300)}`;
  }
  if (req.method === 'HEAD') return undefined;
  if (res.status >= 300 && isJson) {
    const why = statusProblem(res.json, res.status);
    if (why) return `${res.status} answer is not a valid Status (${why}): ${res.text.slice(0, 300)}`;
  }
  if (res.status < 300 && isJson) {
    // A watch answers newline-delimited events; anything else one document.
    const docs = /[?&]watch=(true|1)(&|$)/.test(req.path) ? res.text.split('\n').filter(Boolean) : [res.text];
    for (const d of docs) {
      try {
        JSON.parse(d);
      } catch {
        return `${res.status} answer is not JSON: ${d.slice(0, 200)}`;
      }
    }
  }
  return undefined;
}

function describeRequest(i: number, req: FuzzRequest): string {
  const body = req.body === undefined ? '' : ` body(${req.body.length}B, ${req.headers['Content-Type'] ?? 'no type'}): ${JSON.stringify(req.body.subarray(0, 160).toString('latin1'))}`;
  return `#${i} [${req.kind}] ${req.method} ${req.path.slice(0, 300)}${body}`;
}

describe('API fuzz', () => {
  let s: TestServer;
  let api: ApiClient;

  beforeAll(async () => {
    s = await startTestServer();
    api = createApiClient(loadAdminCredentials(s.kubeconfig), { maxSockets: CONCURRENCY });
    const create = async (path: string, obj: unknown) => {
      const r = await api.request({ method: 'POST', path, body: JSON.stringify(obj), headers: { 'Content-Type': 'application/json' } });
      // core/v1 and events.k8s.io/v1 events are one object: the second create finds the first.
      if (r.status !== 201 && !(r.status === 409 && path.includes('/events'))) throw new Error(`setup: POST ${path} answered ${r.status}: ${r.text}`);
    };
    for (const name of [TARGET_NS, SCRATCH_NS, VICTIM_NS]) await create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    // One real object of every kind for the updates and patches to work on.
    for (const r of RESOURCES) await create(collectionPath(r, TARGET_NS), baseObject(r, TARGET_NAME));
  }, 120_000);
  afterAll(async () => {
    api?.close();
    await s?.stop();
  });

  it(`survives ${COUNT} random and malformed requests`, async () => {
    console.log(`api-fuzz: seed ${SEED} (replay with K3TS_FUZZ_SEED=${SEED}), ${COUNT} requests, concurrency ${CONCURRENCY}`);
    const ctx = { protobufSamples: loadProtobufSamples(REPO) };
    const failures: string[] = [];
    const byStatus = new Map<number, number>();
    const byKind = new Map<string, number>();
    let next = 0;
    const started = Date.now();
    const worker = async () => {
      for (let i = next++; i < COUNT; i = next++) {
        // Each request has its own stream, so request i is the same whatever the interleaving.
        const req = fuzzRequest(new Rng(mixSeed(SEED, i)), ctx);
        byKind.set(req.kind, (byKind.get(req.kind) ?? 0) + 1);
        let res: ApiResponse;
        try {
          res = await api.request({ method: req.method, path: req.path, headers: req.headers, body: req.body, chunked: req.chunked, timeoutMs: 20_000 });
        } catch (e) {
          failures.push(`${describeRequest(i, req)}\n    → no answer: ${(e as Error).message}`);
          continue;
        }
        byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
        const why = problem(req, res);
        if (why) failures.push(`${describeRequest(i, req)}\n    → ${why}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const ms = Date.now() - started;
    console.log(
      `api-fuzz: ${COUNT} requests in ${(ms / 1000).toFixed(1)} s (${Math.round((COUNT * 1000) / ms)} req/s); statuses ${[...byStatus].sort(([a], [b]) => a - b).map(([k, v]) => `${k}×${v}`).join(' ')}; kinds ${[...byKind].map(([k, v]) => `${k}×${v}`).join(' ')}`,
    );
    expect(failures.slice(0, 25).join('\n'), `${failures.length} bad answers (seed ${SEED})`).toBe('');
    // The fuzz must have reached the handlers, not only the router.
    for (const code of [200, 201, 400, 404, 415, 422]) expect(byStatus.get(code) ?? 0, `answers with ${code}`).toBeGreaterThan(0);

    // Plain requests still behave: nothing leaked into shared state (prototypes, caches).
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-fuzz', namespace: TARGET_NS }, data: { k: 'v' } };
    const created = await api.request({ method: 'POST', path: collectionPath(RESOURCES[0]!, TARGET_NS), body: JSON.stringify(cm), headers: { 'Content-Type': 'application/json' } });
    expect(created.status, created.text).toBe(201);
    const got = await api.request({ path: `${collectionPath(RESOURCES[0]!, TARGET_NS)}/after-fuzz` });
    const obj = got.json as { metadata: Record<string, unknown>; data: unknown };
    expect(Object.keys(obj).sort()).toEqual(['apiVersion', 'data', 'kind', 'metadata']);
    expect(Object.keys(obj.metadata).sort()).toEqual(['creationTimestamp', 'managedFields', 'name', 'namespace', 'resourceVersion', 'uid']);
    expect(obj.data).toEqual({ k: 'v' });

    const ready = await api.request({ path: '/readyz' });
    expect([ready.status, ready.text]).toEqual([200, 'ok']);
    expect(s.process.child.exitCode).toBeNull();
    const log = s.process.output();
    expect(log).not.toMatch(/uncaught|unhandled|request failed|RangeError|TypeError|\(node:\d+\)|FATAL|panic/i);
  }, 180_000);
});
