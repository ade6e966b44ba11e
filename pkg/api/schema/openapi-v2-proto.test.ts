import { describe, expect, it } from 'vitest';
import { encodeOpenApiV2Document } from './openapi-v2-proto';

/** Fields of one protobuf message: number → values (Buffers for length-delimited, bigint for varints, number for doubles). */
type Fields = Map<number, (Buffer | bigint | number)[]>;

function readVarint(b: Buffer, at: number): [bigint, number] {
  let v = 0n;
  let shift = 0n;
  for (;;) {
    const byte = b[at++]!;
    v |= BigInt(byte & 0x7f) << shift;
    if (byte < 0x80) return [v, at];
    shift += 7n;
  }
}

function fields(b: Buffer): Fields {
  const out: Fields = new Map();
  let at = 0;
  while (at < b.length) {
    const [key, next] = readVarint(b, at);
    at = next;
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    let value: Buffer | bigint | number;
    if (wire === 0) [value, at] = readVarint(b, at);
    else if (wire === 1) {
      value = b.readDoubleLE(at);
      at += 8;
    } else if (wire === 2) {
      const [len, start] = readVarint(b, at);
      value = b.subarray(start, start + Number(len));
      at = start + Number(len);
    } else throw new Error(`unexpected wire type ${wire}`);
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}

const msg = (f: Fields, n: number, i = 0) => fields(f.get(n)![i] as Buffer);
const text = (f: Fields, n: number, i = 0) => (f.get(n)![i] as Buffer).toString('utf8');

describe('OpenAPI v2 protobuf (gnostic openapi.v2.Document)', () => {
  const doc = {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: 'v1.36.0' },
    paths: {
      '/api/v1/namespaces/{namespace}/pods/{name}': {
        get: {
          operationId: 'readCoreV1NamespacedPod',
          consumes: ['*/*'],
          produces: ['application/json'],
          schemes: ['https'],
          parameters: [{ name: 'pretty', in: 'query', type: 'string', uniqueItems: true }],
          responses: { '200': { description: 'OK', schema: { $ref: '#/definitions/io.k8s.api.core.v1.Pod' } } },
          'x-kubernetes-action': 'get',
        },
        put: { parameters: [{ name: 'body', in: 'body', required: true, schema: { $ref: '#/definitions/io.k8s.api.core.v1.Pod' } }], responses: {} },
        parameters: [{ name: 'name', in: 'path', required: true, type: 'string', uniqueItems: true }],
      },
    },
    definitions: {
      'io.k8s.api.core.v1.Pod': {
        type: 'object',
        required: ['spec'],
        properties: { spec: { $ref: '#/definitions/io.k8s.api.core.v1.PodSpec' }, replicas: { type: 'integer', format: 'int32', minimum: -1.5, maxLength: 3 } },
        additionalProperties: false,
        'x-kubernetes-group-version-kind': [{ group: '', kind: 'Pod', version: 'v1' }],
      },
    },
  };
  const top = fields(Buffer.from(encodeOpenApiV2Document(doc)));

  it('writes the document head and info', () => {
    expect(text(top, 1)).toBe('2.0');
    const info = msg(top, 2);
    expect(text(info, 1)).toBe('Kubernetes');
    expect(text(info, 2)).toBe('v1.36.0');
  });

  it('writes definitions as NamedSchema with types, properties, required, extensions as Any.yaml', () => {
    const named = msg(msg(top, 9), 1);
    expect(text(named, 1)).toBe('io.k8s.api.core.v1.Pod');
    const pod = msg(named, 2);
    expect(text(msg(pod, 22), 1)).toBe('object');
    expect(text(pod, 19)).toBe('spec');
    // additionalProperties: false is a oneof member, written even though false.
    expect(msg(pod, 21).get(2)).toEqual([0n]);
    const props = msg(pod, 25);
    expect(props.get(1)).toHaveLength(2);
    const spec = msg(props, 1, 0);
    expect(text(spec, 1)).toBe('spec');
    expect(text(msg(spec, 2), 1)).toBe('#/definitions/io.k8s.api.core.v1.PodSpec');
    const replicas = msg(msg(props, 1, 1), 2);
    expect(text(replicas, 2)).toBe('int32');
    expect(replicas.get(9)).toEqual([-1.5]);
    expect(replicas.get(11)).toEqual([3n]);
    const ext = msg(pod, 31);
    expect(text(ext, 1)).toBe('x-kubernetes-group-version-kind');
    expect(JSON.parse(text(msg(ext, 2), 2))).toEqual([{ group: '', kind: 'Pod', version: 'v1' }]);
  });

  it('writes path items with operations, query/path/body parameters and responses', () => {
    const named = msg(msg(top, 8), 2);
    expect(text(named, 1)).toBe('/api/v1/namespaces/{namespace}/pods/{name}');
    const item = msg(named, 2);
    const get = msg(item, 2);
    expect(text(get, 5)).toBe('readCoreV1NamespacedPod');
    expect(text(get, 7)).toBe('*/*');
    expect(text(get, 10)).toBe('https');
    // ParametersItem.parameter → Parameter.non_body_parameter → query_parameter_sub_schema (type at 6, uniqueItems at 20).
    const query = msg(msg(msg(msg(get, 8), 1), 2), 3);
    expect(text(query, 4)).toBe('pretty');
    expect(text(query, 2)).toBe('query');
    expect(text(query, 6)).toBe('string');
    expect(query.get(20)).toEqual([1n]);
    const response = msg(msg(msg(get, 9), 1), 2);
    expect(text(msg(response, 1), 1)).toBe('OK');
    expect(text(msg(msg(msg(response, 1), 2), 1), 1)).toBe('#/definitions/io.k8s.api.core.v1.Pod');
    expect(text(msg(get, 13), 1)).toBe('x-kubernetes-action');
    // put (field 3) with a body parameter.
    const body = msg(msg(msg(msg(item, 3), 8), 1), 1);
    expect(text(body, 2)).toBe('body');
    expect(body.get(4)).toEqual([1n]);
    expect(text(msg(body, 5), 1)).toBe('#/definitions/io.k8s.api.core.v1.Pod');
    // path-level path parameter: path_parameter_sub_schema (type at 5).
    const pathParam = msg(msg(msg(msg(item, 9), 1), 2), 4);
    expect(pathParam.get(1)).toEqual([1n]);
    expect(text(pathParam, 5)).toBe('string');
  });
});
