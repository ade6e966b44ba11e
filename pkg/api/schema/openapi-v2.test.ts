import { describe, expect, it } from 'vitest';
import { v2Ref, v2Schema, withoutDanglingRefs } from './openapi-v2';

describe('OpenAPI v3 schemas in v2 form', () => {
  it('writes references as bare #/definitions/ $refs keeping description and extensions, dropping defaults', () => {
    expect(v2Ref('#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec')).toBe('#/definitions/io.k8s.api.apps.v1.DeploymentSpec');
    expect(v2Schema({ allOf: [{ $ref: '#/components/schemas/a.B' }], default: {}, description: 'd', 'x-kubernetes-patch-strategy': 'retainKeys' })).toEqual({
      $ref: '#/definitions/a.B',
      description: 'd',
      'x-kubernetes-patch-strategy': 'retainKeys',
    });
    expect(v2Schema({ $ref: '#/components/schemas/a.B' })).toEqual({ $ref: '#/definitions/a.B' });
  });

  it('converts nested properties, items and additionalProperties', () => {
    const v3 = {
      type: 'object',
      required: ['items'],
      properties: {
        items: { type: 'array', items: { allOf: [{ $ref: '#/components/schemas/a.C' }], default: {} }, 'x-kubernetes-list-type': 'atomic' },
        labels: { type: 'object', additionalProperties: { type: 'string', default: '' } },
        open: { type: 'object', additionalProperties: false },
      },
      'x-kubernetes-group-version-kind': [{ group: 'g', version: 'v1', kind: 'K' }],
    };
    expect(v2Schema(v3)).toEqual({
      type: 'object',
      required: ['items'],
      properties: {
        items: { type: 'array', items: { $ref: '#/definitions/a.C' }, 'x-kubernetes-list-type': 'atomic' },
        labels: { type: 'object', additionalProperties: { type: 'string', default: '' } },
        open: { type: 'object', additionalProperties: false },
      },
      'x-kubernetes-group-version-kind': [{ group: 'g', version: 'v1', kind: 'K' }],
    });
  });

  it('writes primitive oneOf alternatives (IntOrString, Quantity) as strings', () => {
    expect(v2Schema({ oneOf: [{ type: 'integer' }, { type: 'string' }], format: 'int-or-string', 'x-kubernetes-int-or-string': true })).toEqual({ type: 'string', format: 'int-or-string', 'x-kubernetes-int-or-string': true });
    expect(v2Schema({ oneOf: [{ type: 'string' }, { type: 'number' }] })).toEqual({ type: 'string' });
    expect(v2Schema({ anyOf: [{ type: 'integer' }], not: { type: 'string' } })).toEqual({});
  });

  it('applies upstream v2 rules for CRD schemas: nullable, preserve-unknown-fields, arrays without items', () => {
    expect(v2Schema({ type: 'object', nullable: true, properties: { a: { type: 'string' } } })).toEqual({});
    expect(v2Schema({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { a: { type: 'string' } } })).toEqual({ 'x-kubernetes-preserve-unknown-fields': true });
    expect(v2Schema({ type: 'array', 'x-kubernetes-preserve-unknown-fields': true, items: { type: 'string' } })).toEqual({ 'x-kubernetes-preserve-unknown-fields': true });
    expect(v2Schema({ type: 'object', required: ['a', 'b'], properties: { a: { type: 'string', nullable: true }, b: { type: 'string' } } })).toEqual({
      type: 'object',
      required: ['b'],
      properties: { a: {}, b: { type: 'string' } },
    });
    expect(v2Schema({ type: 'object', required: ['a'], properties: { a: { type: 'string', nullable: true } } })).not.toHaveProperty('required');
    expect(v2Schema({ type: 'object', required: ['x'], additionalProperties: { type: 'string', nullable: true } })).toEqual({ type: 'object', additionalProperties: {} });
  });

  it('makes references to unknown definitions untyped, anywhere in a schema', () => {
    const s = { type: 'object', properties: { a: { $ref: '#/definitions/known' }, b: { $ref: '#/definitions/gone', description: 'b' }, c: { type: 'array', items: { $ref: '#/definitions/gone' } } } };
    expect(withoutDanglingRefs(s, new Set(['known']))).toEqual({ type: 'object', properties: { a: { $ref: '#/definitions/known' }, b: { description: 'b' }, c: { type: 'array', items: {} } } });
  });
});
