import { describe, expect, it } from 'vitest';
import { applyDefaults } from './schema-defaults';
import { pruneObject } from './schema-prune';
import { SchemaValidator } from './schema-validate';
import { validateStructuralSchema } from './structural-schema';
import type { JSONSchemaProps } from './types';

const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['mode'],
      properties: {
        mode: { type: 'string', enum: ['a', 'b'] },
        count: { type: 'integer', minimum: 1, maximum: 5, default: 2 },
        ratio: { type: 'number', exclusiveMaximum: true, maximum: 1 },
        name: { type: 'string', minLength: 2, maxLength: 4, pattern: '^[a-z]+$' },
        port: { 'x-kubernetes-int-or-string': true },
        maybe: { type: 'string', nullable: true },
        never: { type: 'string' },
        labels: { type: 'object', additionalProperties: { type: 'string' }, maxProperties: 2, minProperties: 1 },
        set: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' }, minItems: 1 },
        map: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['k'], items: { type: 'object', required: ['k'], properties: { k: { type: 'string' }, v: { type: 'integer', default: 7 } } } },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        embedded: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object', properties: { x: { type: 'string' } } } } },
        nested: { type: 'object', default: {}, properties: { inner: { type: 'string', default: 'in' } } },
      },
    },
  },
};

function errors(obj: unknown): string[] {
  return new SchemaValidator(schema).validate(obj).map((e) => `${e.field}: ${e.detail}`);
}

describe('structural schema validation', () => {
  it('accepts a valid object', () => {
    expect(errors({ spec: { mode: 'a', count: 3, ratio: 0.5, name: 'abc', port: 'http', maybe: null, labels: { a: 'b' }, set: ['x'], map: [{ k: 'a' }], free: { any: [1] }, embedded: { apiVersion: 'v1', kind: 'X', metadata: {} } } })).toEqual([]);
  });

  it('words every violation as upstream does', () => {
    expect(
      errors({ spec: { mode: 'c', count: 9, ratio: 1, name: 'ABCDE', port: 1.5, never: null, labels: {}, set: [], map: [{ k: 'a' }, { k: 'a' }], embedded: {} } }),
    ).toEqual([
      'spec.mode: Unsupported value: "c": supported values: "a", "b"',
      'spec.count: Invalid value: 9: spec.count in body should be less than or equal to 5',
      'spec.ratio: Invalid value: 1: spec.ratio in body should be less than 1',
      'spec.name: Too long: may not be more than 4 bytes',
      `spec.name: Invalid value: "ABCDE": spec.name in body should match '^[a-z]+$'`,
      'spec.port: Invalid value: "number": spec.port in body must be of type integer,string: "number"',
      'spec.never: Invalid value: "null": spec.never in body must be of type string: "null"',
      'spec.labels: Invalid value: 0: spec.labels in body should have at least 1 properties',
      'spec.set: Invalid value: 0: spec.set in body should have at least 1 items',
      'spec.map[1]: Duplicate value: {"k":"a"}',
      'spec.embedded.apiVersion: Required value: must not be empty',
      'spec.embedded.kind: Required value: must not be empty',
    ]);
    expect(errors({ spec: { count: 'x' } })).toEqual(['spec.mode: Required value', 'spec.count: Invalid value: "string": spec.count in body must be of type integer: "string"']);
  });

  it('checks string formats', () => {
    const v = new SchemaValidator({ type: 'object', properties: { ip: { type: 'string', format: 'ipv4' }, net: { type: 'string', format: 'cidr' }, at: { type: 'string', format: 'date-time' }, id: { type: 'string', format: 'uuid' }, free: { type: 'string', format: 'password' } } });
    expect(v.validate({ ip: '10.0.0.1', net: '10.0.0.0/8', at: '2026-01-01T00:00:00Z', id: '123e4567-e89b-12d3-a456-426614174000', free: 'x' })).toEqual([]);
    expect(v.validate({ ip: '10.0.0', net: '10.0.0.0/33', at: 'yesterday', id: 'x' }).map((e) => e.detail)).toEqual([
      'Invalid value: "10.0.0": ip in body must be of type ipv4: "10.0.0"',
      'Invalid value: "10.0.0.0/33": net in body must be of type cidr: "10.0.0.0/33"',
      'Invalid value: "yesterday": at in body must be of type date-time: "yesterday"',
      'Invalid value: "x": id in body must be of type uuid: "x"',
    ]);
  });

  it('applies defaults recursively and prunes unknown fields outside preserve-unknown-fields', () => {
    const obj = { apiVersion: 'x/v1', kind: 'X', metadata: { name: 'n', labels: { a: 'b' } }, spec: { mode: 'a', bogus: 1, map: [{ k: 'a', junk: true }], free: { keep: 1 }, embedded: { apiVersion: 'v1', kind: 'K', metadata: { name: 'e' }, spec: { x: 'y', z: 1 } } }, top: 1 };
    expect(pruneObject(schema, obj)).toEqual(['spec.bogus', 'spec.map[0].junk', 'spec.embedded.spec.z', 'top']);
    applyDefaults(schema, obj);
    expect(obj).toEqual({
      apiVersion: 'x/v1',
      kind: 'X',
      metadata: { name: 'n', labels: { a: 'b' } },
      spec: { mode: 'a', count: 2, map: [{ k: 'a', v: 7 }], free: { keep: 1 }, embedded: { apiVersion: 'v1', kind: 'K', metadata: { name: 'e' }, spec: { x: 'y' } }, nested: { inner: 'in' } },
    });
  });

  it('checks the structural rules of a CRD schema', () => {
    const bad: JSONSchemaProps = {
      type: 'object',
      properties: {
        metadata: { type: 'object', properties: { labels: { type: 'object' } } },
        spec: { properties: { a: { type: 'array' }, b: { type: 'object', properties: { x: { type: 'string' } }, additionalProperties: { type: 'string' } }, c: { 'x-kubernetes-int-or-string': true, type: 'string' } } },
        list: { type: 'array', 'x-kubernetes-list-type': 'map', items: { type: 'object', properties: { k: { type: 'string' } } } },
        keyed: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['k'], items: { type: 'object', properties: { k: { type: 'string' } } } },
        cel: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self ==' }] },
        dflt: { type: 'integer', minimum: 1, default: 0 },
      },
    };
    const p = 'spec.versions[0].schema.openAPIV3Schema';
    const got = validateStructuralSchema(bad, p).map((e) => `${e.field}: ${e.detail.split(':').slice(0, 2).join(':')}`);
    expect(got).toEqual([
      `${p}.properties[metadata].properties[labels]: Forbidden: must not be specified`,
      `${p}.properties[spec].type: Required value: must not be empty for specified object fields`,
      `${p}.properties[spec].properties[a].items: Required value: must be specified`,
      `${p}.properties[spec].properties[b].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive`,
      `${p}.properties[spec].properties[c].type: Invalid value: "string"`,
      `${p}.properties[list].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map`,
      `${p}.properties[keyed].items.properties[k]: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property`,
      `${p}.properties[cel].x-kubernetes-validations[0].rule: Invalid value: "self =="`,
      `${p}.properties[dflt].default: Invalid value: 0`,
    ]);
    expect(validateStructuralSchema({ type: 'string' }, 'x')[0]?.detail).toBe('Invalid value: "string": must be object at the root');
  });
});
