import * as crypto from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { OpenApiProvider } from './api-server';
import { OpenApiEndpoints, openApiFormat, type AggregatedOpenApi } from './openapi-endpoints';

const PB = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

describe('OpenAPI content negotiation', () => {
  it('picks by q value then order, maps */* to JSON, and refuses what it cannot produce', () => {
    expect(openApiFormat(undefined, ['json', 'protobuf'])).toBe('json');
    expect(openApiFormat(PB, ['json', 'protobuf'])).toBe('protobuf');
    expect(openApiFormat('application/com.github.proto-openapi.spec.v2.v1.0+protobuf', ['json', 'protobuf'])).toBe('protobuf');
    expect(openApiFormat(`${PB};q=0.5, application/json`, ['json', 'protobuf'])).toBe('json');
    expect(openApiFormat(`${PB}, application/json`, ['json', 'protobuf'])).toBe('protobuf');
    expect(openApiFormat('application/yaml, */*;q=0.1', ['json', 'protobuf'])).toBe('json');
    expect(openApiFormat('application/json;q=0', ['json', 'protobuf'])).toBeUndefined();
    expect(openApiFormat('application/yaml', ['json', 'protobuf'])).toBeUndefined();
    expect(openApiFormat(PB, ['json'])).toBeUndefined();
  });
});

describe('the /openapi endpoints', () => {
  let server: http.Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function serve(v3: OpenApiProvider, aggregated?: AggregatedOpenApi) {
    const endpoints = new OpenApiEndpoints(v3, aggregated);
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      try {
        if (!endpoints.serve(req, res, url.pathname.split('/').filter(Boolean).slice(1), url.searchParams)) res.writeHead(404).end();
      } catch (e) {
        res.writeHead((e as { code?: number }).code ?? 500).end();
      }
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server!.address() as AddressInfo).port;
    return async (path: string, headers: Record<string, string> = {}) => {
      const r = await fetch(`http://127.0.0.1:${port}${path}`, { headers, redirect: 'manual' });
      return { status: r.status, headers: r.headers, text: await r.text() };
    };
  }

  const docs = new Map<string, unknown>([['api/v1', { openapi: '3.0.0', info: { version: 'v1.36.0' }, paths: {}, components: { schemas: { 'io.k8s.api.core.v1.Pod': { type: 'object', properties: { a: { type: 'string' } } } } } }]]);
  let stamp = 1;
  const provider: OpenApiProvider = {
    index: () => ({ paths: Object.fromEntries([...docs.keys()].map((p) => [p, { serverRelativeURL: `/openapi/v3/${p}?hash=stamp${stamp}` }])) }),
    document: (p) => docs.get(p),
  };

  it('lists local documents under the hash of their bytes and aggregated ones under theirs', async () => {
    const extension = JSON.stringify({ openapi: '3.0.0', paths: {}, components: { schemas: { 'com.example.v1.Thing': { type: 'object', properties: { b: { type: 'integer' } } } } } });
    const get = await serve(provider, {
      openApiPaths: () => ({ 'apis/example.com/v1': { serverRelativeURL: '/openapi/v3/apis/example.com/v1?hash=EXT' } }),
      openApiDocument: (p) => (p === 'apis/example.com/v1' ? { hash: 'EXT', body: extension } : undefined),
    });
    const index = JSON.parse((await get('/openapi/v3')).text) as { paths: Record<string, { serverRelativeURL: string }> };
    const body = JSON.stringify(docs.get('api/v1'));
    const hash = crypto.createHash('sha512').update(body).digest('hex').toUpperCase();
    expect(index.paths).toEqual({ 'api/v1': { serverRelativeURL: `/openapi/v3/api/v1?hash=${hash}` }, 'apis/example.com/v1': { serverRelativeURL: '/openapi/v3/apis/example.com/v1?hash=EXT' } });

    const local = await get(`/openapi/v3/api/v1?hash=${hash}`);
    expect(local.text).toBe(body);
    expect(local.headers.get('cache-control')).toBe('public, immutable');
    expect((await get('/openapi/v3/api/v1', { 'If-None-Match': `"${hash}"` })).status).toBe(304);
    expect((await get('/openapi/v3/apis/example.com/v1?hash=EXT')).text).toBe(extension);
    const moved = await get('/openapi/v3/apis/example.com/v1?hash=OLD');
    expect(moved.status).toBe(301);
    expect(moved.headers.get('location')).toBe('/openapi/v3/apis/example.com/v1?hash=EXT');

    // v2 holds both; it is rebuilt when a document changes.
    const v2 = JSON.parse((await get('/openapi/v2')).text) as { definitions: Record<string, unknown> };
    expect(Object.keys(v2.definitions)).toEqual(expect.arrayContaining(['io.k8s.api.core.v1.Pod', 'com.example.v1.Thing']));
    docs.set('api/v1', { openapi: '3.0.0', paths: {}, components: { schemas: { 'io.k8s.api.core.v1.Node': { type: 'object', properties: {} } } } });
    stamp++;
    const again = JSON.parse((await get('/openapi/v2')).text) as { definitions: Record<string, unknown> };
    expect(Object.keys(again.definitions)).toContain('io.k8s.api.core.v1.Node');
    expect((await get('/openapi/v2', { Accept: 'text/html' })).status).toBe(406);
    expect((await get('/openapi/v3/apis/none/v1')).status).toBe(404);
  });
});
