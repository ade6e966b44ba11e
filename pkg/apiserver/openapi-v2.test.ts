import { describe, expect, it } from 'vitest';
import { buildOpenApiV2, operationTag } from './openapi-v2';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ 'application/json': { schema: ref(name) } });

function groupDoc(group: string, version: string, kind: string): unknown {
  const gvk = { group, version, kind };
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.36.0' },
    paths: {
      [`/apis/${group}/${version}/${kind.toLowerCase()}s/{name}`]: {
        get: { operationId: `read${kind}`, 'x-kubernetes-action': 'get', 'x-kubernetes-group-version-kind': gvk, responses: { '200': { description: 'OK', content: json(`x.${kind}`) }, '401': { description: 'Unauthorized' } } },
        patch: {
          operationId: `patch${kind}`,
          parameters: [{ name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } }],
          requestBody: { content: { 'application/merge-patch+json': { schema: { type: 'object' } } }, required: true },
          responses: { '200': { description: 'OK', content: json(`x.${kind}`) } },
        },
        parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string', uniqueItems: true } }],
      },
    },
    components: {
      schemas: {
        [`x.${kind}`]: { type: 'object', properties: { opts: { allOf: [ref('meta.DeleteOptions')], default: {} }, lost: ref('nowhere.Gone') }, 'x-kubernetes-group-version-kind': [gvk] },
        'meta.DeleteOptions': { type: 'object', properties: { dryRun: { type: 'array', items: { type: 'string' } } }, 'x-kubernetes-group-version-kind': [{ group, version, kind: 'DeleteOptions' }] },
      },
    },
  };
}

describe('the v2 document built from v3 group-version documents', () => {
  const doc = buildOpenApiV2([groupDoc('a.io', 'v1', 'Apple'), groupDoc('b.io', 'v2', 'Berry')], 'v1.36.0') as {
    swagger: string;
    info: unknown;
    paths: Record<string, Record<string, unknown>>;
    definitions: Record<string, Record<string, unknown>>;
  };

  it('merges definitions, listing every group version that names a shared kind', () => {
    expect(doc.swagger).toBe('2.0');
    expect(doc.info).toEqual({ title: 'Kubernetes', version: 'v1.36.0' });
    expect(Object.keys(doc.definitions)).toEqual(['io.k8s.apimachinery.pkg.apis.meta.v1.Patch', 'meta.DeleteOptions', 'x.Apple', 'x.Berry']);
    expect(doc.definitions['meta.DeleteOptions']!['x-kubernetes-group-version-kind']).toEqual([
      { group: 'a.io', version: 'v1', kind: 'DeleteOptions' },
      { group: 'b.io', version: 'v2', kind: 'DeleteOptions' },
    ]);
    // References become #/definitions/; one to a schema no document defines is made untyped.
    expect(doc.definitions['x.Apple']!.properties).toEqual({ opts: { $ref: '#/definitions/meta.DeleteOptions' }, lost: {} });
  });

  it('tags operations by group version as upstream does', () => {
    expect(operationTag('/api/v1/namespaces/{namespace}/pods')).toBe('core_v1');
    expect(operationTag('/apis/apps/v1/deployments')).toBe('apps_v1');
    expect(operationTag('/apis/rbac.authorization.k8s.io/v1/roles')).toBe('rbacAuthorization_v1');
    expect(operationTag('/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas')).toBe('flowcontrolApiserver_v1');
    expect(operationTag('/version')).toBeUndefined();
  });

  it('turns operations into Swagger 2.0 operations with consumes, produces, parameters and schemas', () => {
    const item = doc.paths['/apis/a.io/v1/apples/{name}']!;
    expect(item.parameters).toEqual([{ name: 'name', in: 'path', required: true, type: 'string', uniqueItems: true }]);
    expect(item.get).toEqual({
      operationId: 'readApple',
      tags: ['aIo_v1'],
      consumes: ['*/*'],
      produces: ['application/json'],
      schemes: ['https'],
      responses: { '200': { description: 'OK', schema: { $ref: '#/definitions/x.Apple' } }, '401': { description: 'Unauthorized' } },
      'x-kubernetes-action': 'get',
      'x-kubernetes-group-version-kind': { group: 'a.io', version: 'v1', kind: 'Apple' },
    });
    expect(item.patch).toMatchObject({
      consumes: ['application/merge-patch+json'],
      parameters: [
        { name: 'body', in: 'body', required: true, schema: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' } },
        { name: 'fieldValidation', in: 'query', type: 'string', uniqueItems: true },
      ],
    });
  });
});
